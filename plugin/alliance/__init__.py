"""The alliance domain: instruments, scoring, text packs and trend alerts. Pure: no I/O, no clock.

See README.md in this folder for the public API.
"""

from plugin.alliance.alerts import (
    Alert,
    AlertKind,
    AlertSettings,
    Cancellation,
    CancelledBy,
    ScoredSession,
    Visit,
)
from plugin.alliance.attendance import REASONS as REASON_CODES
from plugin.alliance.attendance import cancellation, cancelled_by
from plugin.alliance.errors import (
    AllianceError,
    AnswerError,
    AnswerOutOfRange,
    InstrumentError,
    InvalidAnswer,
    InvalidInstrument,
    NormsError,
    TextPackError,
    UnknownItem,
    UnknownOption,
    UnknownQuestionnaire,
)
from plugin.alliance.instruments import (
    Instrument,
    ItemDef,
    ScaleDef,
    instrument_from_questionnaire,
    is_calculated,
)
from plugin.alliance.norms import FormNorms, NormSet, ScaleNorms, Sourced, shipped_norms
from plugin.alliance.patient_alerts import analyse_trends
from plugin.alliance.scoring import (
    Answer,
    ScaleScore,
    Score,
    answers_from_questionnaire_response,
    score_answers,
    score_questionnaire_response,
)
from plugin.alliance.site_norms import check_norms_fit, parse_site_norms
from plugin.alliance.text_packs import apply_text_pack, is_transcription_mode, requires_text_pack

__all__ = [
    "REASON_CODES", "Alert", "AlertKind", "AlertSettings", "AllianceError", "Cancellation",
    "CancelledBy", "Answer", "AnswerError", "AnswerOutOfRange", "FormNorms", "Instrument",
    "InstrumentError", "InvalidAnswer", "InvalidInstrument", "ItemDef", "NormSet", "NormsError",
    "ScaleDef", "ScaleNorms", "ScaleScore", "Score", "ScoredSession", "Sourced", "TextPackError",
    "UnknownItem", "UnknownOption", "UnknownQuestionnaire", "Visit", "analyse_trends",
    "answers_from_questionnaire_response", "apply_text_pack", "cancellation", "cancelled_by",
    "check_norms_fit", "instrument_from_questionnaire", "is_calculated", "is_transcription_mode",
    "parse_site_norms", "requires_text_pack", "score_answers", "score_questionnaire_response",
    "shipped_norms",
]
