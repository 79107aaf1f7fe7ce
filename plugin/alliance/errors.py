"""Errors of the alliance domain; each carries a machine ``code`` and a human ``message``.

    AllianceError                      base: code "alliance.error"
    ├── InstrumentError                the Questionnaire cannot be used as an instrument
    │   ├── UnknownQuestionnaire       a response names a questionnaire that is not this instrument
    │   └── InvalidInstrument          the definition is inconsistent (weights, ranges, codes)
    ├── AnswerError                    an answer cannot be scored; never a wrong score instead
    │   ├── UnknownItem                an answer for a linkId the instrument does not have
    │   ├── UnknownOption              a choice answer that is not one of the item's options
    │   ├── AnswerOutOfRange           a numeric answer outside the item's min/max
    │   └── InvalidAnswer              an answer of the wrong kind, or several for one item
    ├── TextPackError                  a text pack does not fit the instrument or language
    └── NormsError                     a norms file is not valid (every problem listed)

Conventions (``Error(message, *, code=None)``, codes ``alliance.<reason>``): plugin/errors.py.
The web layer maps these to HTTP responses in one place; this package never does.
"""

from __future__ import annotations

from app_errors import AppError


class AllianceError(AppError):
    """Base of every alliance domain error."""

    code = "alliance.error"


class InstrumentError(AllianceError):
    code = "alliance.instrument"


class UnknownQuestionnaire(InstrumentError):
    code = "alliance.unknown_questionnaire"


class InvalidInstrument(InstrumentError):
    code = "alliance.invalid_instrument"


class AnswerError(AllianceError):
    code = "alliance.answer"

    def __init__(self, message: str, link_id: str | None = None, *,
                 code: str | None = None) -> None:
        self.link_id = link_id
        super().__init__(message, code=code)


class UnknownItem(AnswerError):
    code = "alliance.unknown_item"


class UnknownOption(AnswerError):
    code = "alliance.unknown_option"


class AnswerOutOfRange(AnswerError):
    code = "alliance.answer_out_of_range"


class InvalidAnswer(AnswerError):
    code = "alliance.invalid_answer"


class TextPackError(AllianceError):
    code = "alliance.text_pack"


class NormsError(AllianceError):
    """A norms document (shipped or a site's) is not valid; ``problems`` lists each one."""

    code = "alliance.norms"

    def __init__(self, message: str, problems: tuple[str, ...] = (), *,
                 code: str | None = None) -> None:
        self.problems = problems
        super().__init__(f"{message}: " + " ".join(problems) if problems else message, code=code)
