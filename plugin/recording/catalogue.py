"""The form catalogue: the instruments the app offers, built once at start-up.

Each configured Questionnaire from fhir_profiles/ becomes a RecordForm: who fills it in, and the
wording to show (a site's text pack for a licensed instrument, or transcription mode without
one). Everything that can be wrong with the configuration is found here, before the first
request: an empty ALLIANCE_INSTRUMENTS, an id fhir_profiles/ does not ship, an instrument that
cannot be scored, a text pack that is missing or not a pack stop start-up with a ConfigError
naming it. After that nothing is read from disk per request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fhir_profiles
from plugin.alliance import (
    AllianceError,
    Instrument,
    TextPackError,
    apply_text_pack,
    instrument_from_questionnaire,
    is_transcription_mode,
    requires_text_pack,
)
from plugin.alliance.vocabulary import Rater
from plugin.config import Settings, check_settings, load_settings
from plugin.errors import ConfigError
from plugin.fhir.readers import rater_of as declared_rater
from plugin.recording.errors import RecordingRefused

log = logging.getLogger(__name__)

PREFERRED_LANGUAGE = "en"
TextPack = tuple[Path, dict[str, Any]]


@dataclass(frozen=True)
class RecordForm:
    """One instrument as the app offers it: ``display`` carries the wording to show (a site's
    text pack applied when there is one); ``questionnaire`` is the shipped structure, the one the
    records are built from, so licensed wording never reaches a QuestionnaireResponse."""

    id: str
    title: str
    rater: Rater
    questionnaire: Mapping[str, Any]
    display: Mapping[str, Any]
    instrument: Instrument
    transcription: bool  # licensed and no text pack: item numbers and anchors only
    text_pack: str | None = None  # "<pack id>|sha256:<hex>" of the pack applied, if any

    @property
    def hand_off(self) -> bool:
        """A client can fill it on their own: client-rated and worded."""
        return self.rater == "client" and not self.transcription


def rater_of(questionnaire: Mapping[str, Any]) -> Rater:
    """Who fills the form in, read from the Questionnaire.

    In order: an ``alliance-rater-role`` extension on the Questionnaire; a ``-client`` or
    ``-therapist`` suffix of its id / url / name, or "(client form)"/"(therapist form)" in its
    title (how the shipped check-in forms and WAI-SR are marked); otherwise ``client``, since the
    alliance instruments without a marker (the SRS) are client-rated.
    """
    declared = declared_rater(questionnaire)
    if declared is not None:
        return declared
    names = [str(questionnaire.get(k) or "").lower() for k in ("id", "url", "name")]
    title = str(questionnaire.get("title") or "").lower()
    if any(n.endswith("therapist") for n in names) or "therapist form" in title:
        return "therapist"
    return "client"


def read_text_packs(paths: Sequence[Path]) -> list[TextPack]:
    """Every configured text pack; one that is missing or not a pack is a ConfigError."""
    packs = []
    for path in paths:
        try:
            pack = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(f"ALLIANCE_TEXT_PACKS: {path} cannot be read "
                              f"({type(err).__name__}).", code="config.text_pack") from err
        except ValueError as err:
            raise ConfigError(f"ALLIANCE_TEXT_PACKS: {path} is not valid JSON ({err}).",
                              code="config.text_pack") from err
        if not (isinstance(pack, dict) and pack
                and all(isinstance(k, str) and isinstance(v, dict) for k, v in pack.items())):
            raise ConfigError(
                f"ALLIANCE_TEXT_PACKS: {path} is not a text pack: expected a JSON object of "
                'languages, each mapping item numbers to wording, e.g. {"en": {"1": "..."}}.',
                code="config.text_pack")
        packs.append((Path(path), pack))
    return packs


def _with_text_pack(questionnaire: dict[str, Any],
                    packs: Sequence[TextPack]) -> tuple[dict[str, Any], str | None]:
    """The Questionnaire with the first fitting pack's wording (a pack named after the
    Questionnaire id, or any pack that covers exactly its items), else unchanged; and the
    pack's identity for the Provenance: its file name's stem and the SHA-256 of the file."""
    qid = str(questionnaire.get("id"))
    for path, pack in sorted(packs, key=lambda p: p[0].stem != qid):
        lang = PREFERRED_LANGUAGE if PREFERRED_LANGUAGE in pack else sorted(pack)[0]
        try:
            worded = apply_text_pack(questionnaire, pack, lang)
        except TextPackError:
            continue
        return worded, f"{path.stem}|sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    return questionnaire, None


def form_id(questionnaire: Mapping[str, Any]) -> str:
    """The form's name in the package: the last part of its canonical url, which is the current
    version's id; an earlier version (fhir_profiles/previous/) keeps it under an id of its own."""
    url = str(questionnaire.get("url") or "")
    return url.rsplit("/", 1)[-1] if "/" in url else str(questionnaire["id"])


def build_form(questionnaire: dict[str, Any], packs: Sequence[TextPack]) -> RecordForm:
    display, pack = _with_text_pack(questionnaire, packs) if requires_text_pack(questionnaire) \
        else (questionnaire, None)
    return RecordForm(
        id=form_id(questionnaire),
        title=str(questionnaire.get("title") or questionnaire["id"]),
        rater=rater_of(questionnaire),
        questionnaire=questionnaire,
        display=display,
        instrument=instrument_from_questionnaire(questionnaire),
        transcription=is_transcription_mode(display),
        text_pack=pack,
    )


class FormCatalogue:
    """The configured forms, in the configured order; built once by ``from_settings``."""

    def __init__(self, forms: Sequence[RecordForm], packs: Sequence[TextPack] = ()) -> None:
        self._forms = {form.id: form for form in forms}
        self._by_url = {form.instrument.url: form for form in forms}
        self._by_canonical: dict[str, RecordForm] = {}  # forms of stored responses, not offered
        self._packs = list(packs)

    @classmethod
    def from_settings(cls, settings: Settings) -> FormCatalogue:
        if not settings.instruments:
            raise ConfigError("ALLIANCE_INSTRUMENTS is empty: name at least one Questionnaire "
                              "id from fhir_profiles/, e.g. alliance-checkin-client.",
                              code="config.instruments")
        packs = read_text_packs(settings.text_packs)
        forms = []
        for qid in settings.instruments:
            try:
                forms.append(build_form(fhir_profiles.questionnaire(qid), packs))
            except fhir_profiles.ProfileNotFound as err:
                known = ", ".join(sorted(str(q.get("id")) for q in fhir_profiles.questionnaires()))
                raise ConfigError(f"ALLIANCE_INSTRUMENTS names {qid!r}, which fhir_profiles/ "
                                  f"does not ship. Known: {known}.",
                                  code="config.instruments") from err
            except AllianceError as err:
                raise ConfigError(f"ALLIANCE_INSTRUMENTS: {qid!r} cannot be used as an "
                                  f"instrument: {err.message}", code="config.instruments") from err
        return cls(forms, packs)

    def offered(self) -> list[RecordForm]:
        return list(self._forms.values())

    def form(self, questionnaire_id: str) -> RecordForm:
        """One of the offered forms; any other id is refused."""
        form = self._forms.get(questionnaire_id)
        if form is None:
            raise RecordingRefused(
                f"The form {questionnaire_id!r} is not one this app is configured to offer.",
                code="recording.unknown_form")
        return form

    def for_response(self, qr: Mapping[str, Any]) -> RecordForm:
        """The form a stored response was made with, offered or not: by its canonical url and
        version, so a response to an earlier version (fhir_profiles/previous/) is read and
        corrected with the wording its rater answered. A version the package does not ship
        (made by a newer release) is read with the current one."""
        canonical = str(qr.get("questionnaire") or "")
        url, _, version = canonical.partition("|")
        offered = self._by_url.get(url)
        if offered is not None and version in ("", offered.instrument.version):
            return offered
        if canonical in self._by_canonical:
            return self._by_canonical[canonical]
        try:
            form = build_form(fhir_profiles.questionnaire_or_current(canonical), self._packs)
        except (fhir_profiles.ProfileNotFound, AllianceError) as err:
            raise RecordingRefused(
                "This response was made with a questionnaire the app does not know "
                f"({qr.get('questionnaire')}).", code="recording.unknown_questionnaire") from err
        self._by_canonical[canonical] = form
        return form


def checked_settings(
    config: Settings | Mapping[str, Any] | None = None,
) -> tuple[Settings, FormCatalogue]:
    """The settings loaded (unless given) and checked against the machine, and the form
    catalogue: the instruments are built once, here, and the site's norms checked against
    them. ConfigError naming every problem otherwise. Imports nothing of the web layer, so
    `serve --workers` checks before the metrics folder is set (prometheus_client unloaded)."""
    settings = config if isinstance(config, Settings) else load_settings(config)
    catalogue = FormCatalogue.from_settings(settings)
    instruments = [form.instrument for form in catalogue.offered()]
    return check_settings(settings, instruments), catalogue
