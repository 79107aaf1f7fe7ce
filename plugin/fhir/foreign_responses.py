"""QuestionnaireResponses another tool made (an SDC form renderer), as the app stores them.

A renderer copies each item's text and each chosen option's display from the Questionnaire it
showed into the response. For a licensed instrument shown with a site's text pack that is the
licensed wording, which never goes into a record. Rather than giving each pack-worded
Questionnaire a canonical of its own (every site's responses would then name a different
Questionnaire, which the panel, the audit and the scorer would have to resolve back to the one
they score by, and the wording would still be copied into each record), the response is stored
as it would have been made from the structure-only Questionnaire: no item text, and each answer
coding's display the one of its CodeSystem in fhir_profiles (neutral point labels). The
``alliance-qr-1`` invariant of the QuestionnaireResponse profile rejects item text for these
instruments, so a response that skipped this step does not validate.

Any response, licensed or not, also leaves behind what a renderer copied that is not an answer:
the chosen option's weight extensions (``ordinalValue``, ``itemWeight``) on the answer itself
(Smart Forms copies them; R4 allows ``ordinalValue`` only on codings and options, so HAPI
refuses the response), and tags with no system (LHC-Forms' version stamp), which mean nothing.
The weights stay inside the answer's coding, where they are allowed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import fhir_profiles
from plugin.alliance import requires_text_pack
from plugin.alliance.vocabulary import ITEM_WEIGHT, ORDINAL_VALUE

Json = dict[str, Any]


def _strip(items: list[Json]) -> None:
    for item in items:
        item.pop("text", None)
        for answer in item.get("answer") or []:
            coding = answer.get("valueCoding")
            if isinstance(coding, dict):
                display = fhir_profiles.code_display(str(coding.get("system")),
                                                     str(coding.get("code")))
                coding.pop("display", None)
                if display is not None:
                    coding["display"] = display
            _strip(answer.get("item") or [])
        _strip(item.get("item") or [])


def _drop_copied_weights(items: list[Json]) -> None:
    for item in items:
        for answer in item.get("answer") or []:
            kept = [e for e in answer.get("extension") or []
                    if not (isinstance(e, dict) and e.get("url") in (ORDINAL_VALUE, ITEM_WEIGHT))]
            if kept:
                answer["extension"] = kept
            else:
                answer.pop("extension", None)
            _drop_copied_weights(answer.get("item") or [])
        _drop_copied_weights(item.get("item") or [])


def _drop_tags_without_system(out: Json) -> None:
    meta = out.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("tag"), list):
        return
    meta["tag"] = [t for t in meta["tag"] if isinstance(t, dict) and t.get("system")]
    if not meta["tag"]:
        del meta["tag"]


def licensed_questionnaire(qr: Mapping[str, Any]) -> bool:
    """True when the response answers a shipped instrument whose wording is licensed."""
    url = str(qr.get("questionnaire") or "").split("|", 1)[0]
    try:
        return requires_text_pack(fhir_profiles.questionnaire(url))
    except fhir_profiles.ProfileNotFound:
        return False


def response_for_storage(qr: Mapping[str, Any]) -> Json:
    """A copy of ``qr`` fit to store: no weights copied onto answers and no tags without a
    system; for a licensed instrument also no item text and no answer display but the package
    CodeSystem's."""
    out = copy.deepcopy(dict(qr))
    _drop_copied_weights(out.get("item") or [])
    _drop_tags_without_system(out)
    if licensed_questionnaire(out):
        _strip(out.get("item") or [])
    return out
