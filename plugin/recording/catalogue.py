"""The forms the app offers for a session: the configured instruments from fhir_profiles/,
who fills each in, and the wording to show (a site's text pack for a licensed instrument, or
transcription mode without one). Framework-free; recording/records.py saves what they collect.

Public API::

    offered_forms(settings) -> list[RecordForm]          # the configured instruments
    record_form(settings, questionnaire_id) -> RecordForm  # one of them, else RecordingRefused
    form_for_response(settings, qr) -> RecordForm        # the form a stored response used
    rater_of(questionnaire) -> "client" | "therapist"
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fhir_profiles
from plugin.alliance import (
    Instrument,
    TextPackError,
    apply_text_pack,
    instrument_from_questionnaire,
    is_transcription_mode,
    requires_text_pack,
)
from plugin.alliance.vocabulary import RATER_ROLE_EXTENSION, RATERS
from plugin.config import Settings
from plugin.errors import AllianceError

log = logging.getLogger(__name__)

PREFERRED_LANGUAGE = "en"


class RecordingRefused(AllianceError):
    """The app will not record this (no session in context, no author, unknown form)."""

    code = "recording_refused"
    status = 409


@dataclass(frozen=True)
class RecordForm:
    """One instrument as the app offers it: ``display`` carries the wording to show (a site's
    text pack applied when there is one); ``questionnaire`` is the shipped structure, the one the
    records are built from, so licensed wording never reaches a QuestionnaireResponse."""

    id: str
    title: str
    rater: str
    questionnaire: Mapping[str, Any]
    display: Mapping[str, Any]
    instrument: Instrument
    transcription: bool  # licensed and no text pack: item numbers and anchors only

    @property
    def hand_off(self) -> bool:
        """A client can fill it on their own: client-rated and worded."""
        return self.rater == "client" and not self.transcription


def rater_of(questionnaire: Mapping[str, Any]) -> str:
    """Who fills the form in, read from the Questionnaire.

    In order: an ``alliance-rater-role`` extension on the Questionnaire; a ``-client`` or
    ``-therapist`` suffix of its id / url / name, or "(client form)"/"(therapist form)" in its
    title (how the shipped check-in forms and WAI-SR are marked); otherwise ``client``, since the
    alliance instruments without a marker (the SRS) are client-rated.
    """
    for ext in questionnaire.get("extension") or []:
        if ext.get("url") == RATER_ROLE_EXTENSION:
            code = (ext.get("valueCoding") or {}).get("code") or ext.get("valueCode")
            if code in RATERS:
                return str(code)
    names = [str(questionnaire.get(k) or "").lower() for k in ("id", "url", "name")]
    title = str(questionnaire.get("title") or "").lower()
    for rater in ("therapist", "client"):
        if any(n.endswith((f"-{rater}", rater)) for n in names) or f"{rater} form" in title:
            return rater
    return "client"


def _read_packs(paths: Sequence[Path]) -> list[tuple[Path, dict[str, Any]]]:
    packs = []
    for path in paths:
        try:
            packs.append((path, json.loads(Path(path).read_text(encoding="utf-8"))))
        except (OSError, ValueError) as err:
            log.warning("text pack %s not readable: %s", path, type(err).__name__)
    return packs


def _with_text_pack(questionnaire: dict[str, Any],
                    packs: Sequence[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The Questionnaire with the first fitting pack's wording (a pack named after the
    Questionnaire id, or any pack that covers exactly its items), else unchanged."""
    qid = str(questionnaire.get("id"))
    ordered = sorted(packs, key=lambda p: p[0].stem != qid)
    for _path, pack in ordered:
        langs = [PREFERRED_LANGUAGE] if PREFERRED_LANGUAGE in pack else sorted(pack)
        for lang in langs[:1]:
            try:
                return apply_text_pack(questionnaire, pack, lang)
            except TextPackError:
                continue
    return questionnaire


def _form(questionnaire: dict[str, Any],
          packs: Sequence[tuple[Path, dict[str, Any]]]) -> RecordForm:
    display = _with_text_pack(questionnaire, packs) if requires_text_pack(questionnaire) \
        else questionnaire
    return RecordForm(
        id=str(questionnaire["id"]),
        title=str(questionnaire.get("title") or questionnaire["id"]),
        rater=rater_of(questionnaire),
        questionnaire=questionnaire,
        display=display,
        instrument=instrument_from_questionnaire(questionnaire),
        transcription=is_transcription_mode(display),
    )


def offered_forms(settings: Settings) -> list[RecordForm]:
    packs = _read_packs(settings.text_packs)
    forms = []
    for qid in settings.instruments:
        try:
            forms.append(_form(fhir_profiles.questionnaire(qid), packs))
        except fhir_profiles.ProfileNotFound:
            log.warning("configured instrument %s is not in fhir_profiles", qid)
    return forms


def record_form(settings: Settings, questionnaire_id: str) -> RecordForm:
    if questionnaire_id not in settings.instruments:
        raise RecordingRefused(
            f"The form {questionnaire_id!r} is not one this app is configured to offer.",
            code="unknown_form")
    try:
        questionnaire = fhir_profiles.questionnaire(questionnaire_id)
    except fhir_profiles.ProfileNotFound as err:
        raise RecordingRefused(err.message, code="unknown_form") from err
    return _form(questionnaire, _read_packs(settings.text_packs))


def form_for_response(settings: Settings, qr: Mapping[str, Any]) -> RecordForm:
    """The form a stored response was made with (by its canonical url)."""
    try:
        questionnaire = fhir_profiles.questionnaire(str(qr.get("questionnaire") or ""))
    except fhir_profiles.ProfileNotFound as err:
        raise RecordingRefused(
            "This response was made with a questionnaire the app does not know "
            f"({qr.get('questionnaire')}).", code="unknown_form") from err
    return _form(questionnaire, _read_packs(settings.text_packs))


