"""The alliance domain: instruments, scoring, text packs and trend alerts. Pure: no I/O, no clock.

See README.md in this folder for the public API.
"""

from plugin.alliance.alerts import Alert, AlertKind, AlertSettings, ScoredSession, Visit
from plugin.alliance.errors import (
    AllianceError,
    AnswerError,
    AnswerOutOfRange,
    InstrumentError,
    InvalidAnswer,
    InvalidInstrument,
    TextPackError,
    UnknownItem,
    UnknownOption,
    UnknownQuestionnaire,
)
from plugin.alliance.instruments import Instrument, ItemDef, ScaleDef, instrument_from_questionnaire
from plugin.alliance.scoring import (
    Answer,
    ScaleScore,
    Score,
    answers_from_questionnaire_response,
    score_answers,
    score_questionnaire_response,
)
from plugin.alliance.text_packs import apply_text_pack, is_transcription_mode, requires_text_pack
from plugin.alliance.trends import analyse_trends

__all__ = [
    "Alert", "AlertKind", "AlertSettings", "AllianceError", "Answer", "AnswerError",
    "AnswerOutOfRange", "Instrument", "InstrumentError", "InvalidAnswer", "InvalidInstrument",
    "ItemDef", "ScaleDef", "ScaleScore", "Score", "ScoredSession", "TextPackError", "UnknownItem",
    "UnknownOption", "UnknownQuestionnaire", "Visit", "analyse_trends",
    "answers_from_questionnaire_response", "apply_text_pack", "instrument_from_questionnaire",
    "is_transcription_mode", "requires_text_pack", "score_answers",
    "score_questionnaire_response",
]
