"""Text packs: a licensed site's item wording, applied to a structure-only Questionnaire.

A text pack is JSON a site supplies under its own licence: ``{lang: {linkId: text}}``, with an
optional ``"@options"`` entry per language mapping an answer option code to its anchor text.
Without one, a licensed instrument is in *transcription mode*: item numbers and numeric anchors
only, for entering a completed paper form. This project never ships licensed wording.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from plugin.alliance.errors import TextPackError
from plugin.alliance.instruments import is_calculated
from plugin.alliance.vocabulary import TEXT_PACK_REQUIRED_EXTENSION

OPTIONS_KEY = "@options"


def requires_text_pack(questionnaire: Mapping[str, Any]) -> bool:
    """True when the Questionnaire's wording is licensed and not shipped."""
    return any(
        e.get("url") == TEXT_PACK_REQUIRED_EXTENSION and e.get("valueBoolean") is True
        for e in questionnaire.get("extension", [])
    )


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items a pack words: every item but the calculated scores (our own wording)."""
    out: list[dict[str, Any]] = []
    for item in items:
        out += [item] if not is_calculated(item) else []
        out += _items(item.get("item", []))
    return out


def is_transcription_mode(questionnaire: Mapping[str, Any]) -> bool:
    """True for a licensed instrument whose items carry no text (no pack applied)."""
    return requires_text_pack(questionnaire) and not any(
        "text" in i for i in _items(list(questionnaire.get("item", [])))
    )


def apply_text_pack(
    questionnaire: Mapping[str, Any], pack: Mapping[str, Any], lang: str
) -> dict[str, Any]:
    """A copy of ``questionnaire`` with item (and option) text from ``pack[lang]``.

    The pack must give text for every item of the questionnaire and nothing else, so that a
    form never mixes licensed wording with blanks; anything else is a ``TextPackError``.
    """
    texts = pack.get(lang)
    if not isinstance(texts, Mapping):
        raise TextPackError(
            f"The text pack has no language {lang!r} (it has: {', '.join(sorted(pack)) or 'none'})."
        )
    result = copy.deepcopy(dict(questionnaire))
    items = _items(result.get("item", []))
    link_ids = {str(i["linkId"]) for i in items}
    item_texts = {k: v for k, v in texts.items() if k != OPTIONS_KEY}
    unknown = sorted(set(item_texts) - link_ids)
    missing = sorted(link_ids - set(item_texts))
    if unknown or missing:
        raise TextPackError(
            f"The {lang!r} text pack does not fit {result.get('url')}: "
            f"unknown items {unknown}, items without text {missing}."
        )
    options = texts.get(OPTIONS_KEY, {})
    if not all(isinstance(v, str) for v in (*item_texts.values(), *options.values())):
        raise TextPackError(f"The {lang!r} text pack must map every key to a string.")
    for item in items:
        item["text"] = item_texts[str(item["linkId"])]
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding", {})
            if str(coding.get("code")) in options:
                coding["display"] = options[str(coding["code"])]
    result["language"] = lang
    return result
