"""Which sentence of the catalogue (plugin/wording) a page shows for what went wrong: a save
that failed or waits, where ratings are kept, an error page.

Errors from the layers below carry a machine ``code`` and a technical ``message`` (a status, the
server's address, the server's own words): that is for the log and the integrator. A page shows
instead the catalogue's sentence for the error, and the technical text may follow behind a fold,
"Details for your IT team", with FHIR references and ids taken out (``for_it``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

from plugin.alliance import AllianceError
from plugin.audit.errors import AuditError
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirAuthError,
    FhirConflict,
    FhirError,
    FhirLimitExceeded,
    FhirNotFound,
    FhirTransportError,
    FhirUnsafeUrl,
    RecordError,
    RecordStoreSignInFailed,
)
from plugin.fhir.retry import retryable
from plugin.fhir.stores import RecordStore
from plugin.launch.errors import LaunchError, StoreUnavailable
from plugin.recording.errors import RecordingError
from plugin.web.replies import reply_for
from plugin.wording import error_pages as page
from plugin.wording import trouble
from plugin.wording.error_pages import BOUND_WORDS, BY_CODE, HTTP_WORDS
from plugin.wording.trouble import CLIENT_NOT_SENT
from smart_launch import SmartLaunchError
from smart_launch.errors import ResponseLimitExceeded

# -- a save (or a correction, or a removal) that did not go through ------------------------------
REFUSED_STATUS = 502  # the outbox found a save refused for good (the EHR's answer is gone)


def save_failed(err: FhirError | None, *, client: bool = False) -> tuple[str, int]:
    """The page's sentence and our status (plugin/web/replies.py) for a change the EHR did not
    store (``None``: a save the outbox found refused for good)."""
    status = reply_for(err)[0] if err is not None else REFUSED_STATUS
    if client:
        return CLIENT_NOT_SENT, status
    if isinstance(err, FhirConflict):
        return trouble.CHANGED_MEANWHILE, status
    if isinstance(err, RecordStoreSignInFailed):
        return trouble.not_saved(trouble.STORE_DID_NOT_SAVE, trouble.SAVE_AGAIN), status
    if isinstance(err, FhirTransportError):
        return trouble.not_saved(trouble.EHR_SILENT_NOT_SAVED, trouble.SAVE_AGAIN), status
    if isinstance(err, FhirAuthError) and retryable(err):
        return trouble.not_saved(trouble.EHR_DENIED_NOT_SAVED, trouble.EHR_DENIED_THEN), status
    if err is None or not retryable(err):
        return trouble.not_saved(trouble.EHR_REFUSED_NOT_SAVED, trouble.RETRY_WONT_HELP,
                                 tell_it=False), status
    return trouble.not_saved(trouble.EHR_PROBLEM_NOT_SAVED, trouble.SAVE_AGAIN), status


def submission_conflict(*, client: bool = False) -> str:
    """A form posted with the identifier of another launch's save (that save is untouched)."""
    if client:
        return CLIENT_NOT_SENT
    return trouble.OTHER_WINDOWS_MARK


def not_recorded(*, client: bool = False) -> str:
    """Answers the app could not turn into a record (nothing was sent)."""
    if client:
        return CLIENT_NOT_SENT
    return trouble.NOT_RECORDED


# -- where ratings are kept (the panel's footer, the record chooser) -----------------------------
def store_note(records: RecordStore) -> str:
    if records.where == "companion":
        return trouble.KEPT_IN_COMPANION
    if records.accepted:
        return trouble.KEPT_IN_EHR
    return trouble.KEPT_NOWHERE


def store_details(records: RecordStore) -> str:
    """For the IT fold: the technical reason, when the plain note leaves something out."""
    return "" if records.where == "ehr" and records.accepted else for_it(records.reason)


# -- error pages -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorWords:
    sentence: str
    details: str  # for the IT fold ("" when the sentence says it all)


# The error classes whose message is written for the person in front of the page.
PLAIN_MESSAGES = (LaunchError, RecordingError)


def error_words(err: Exception) -> ErrorWords:
    code = str(getattr(err, "code", ""))
    message = str(getattr(err, "message", ""))
    technical = for_it(f"{code}: {message}" if message else code)
    if code in BY_CODE:
        return ErrorWords(BY_CODE[code], technical)
    if isinstance(err, PLAIN_MESSAGES) and not isinstance(err, StoreUnavailable) and message:
        return ErrorWords(message, code)
    return ErrorWords(_by_class(err), technical)


def bound_words(err: FhirLimitExceeded | ResponseLimitExceeded) -> str:
    """The sentence for an answer past a bound, naming the server (its host) it came from."""
    where = err.server if isinstance(err, FhirLimitExceeded) else err.url
    host = urlsplit(where).netloc or where
    what = next((words for end, words in BOUND_WORDS.items() if err.code.endswith(end)),
                BOUND_WORDS["too_large"])
    if isinstance(err, ResponseLimitExceeded):
        return page.sign_in_server_past_bound(host, what)
    return page.ehr_past_bound(host, what, slow=err.code.endswith("too_slow"))


def _by_class(err: Exception) -> str:
    if isinstance(err, FhirLimitExceeded | ResponseLimitExceeded):
        return bound_words(err)
    if isinstance(err, StoreUnavailable):
        return page.OWN_STORAGE_DOWN
    if isinstance(err, ConfigError):
        return page.NOT_SET_UP
    if isinstance(err, AuditError):
        return page.AUDIT_TRAIL_DOWN
    if isinstance(err, AllianceError):
        return page.FORM_DEFINITION_BROKEN
    if isinstance(err, RecordError):
        return not_recorded()
    if isinstance(err, RecordStoreSignInFailed):
        return page.RECORD_STORE_DOWN
    if isinstance(err, FhirTransportError):
        return page.EHR_SILENT
    if isinstance(err, FhirAuthError):
        return page.EHR_DENIED
    if isinstance(err, FhirNotFound):
        return page.EHR_NOT_FOUND
    if isinstance(err, FhirUnsafeUrl):
        return page.EHR_POINTED_ELSEWHERE
    if isinstance(err, FhirError) and retryable(err):
        return page.EHR_COULD_NOT
    if isinstance(err, FhirError):
        return page.EHR_COULD_NOT_FOR_GOOD
    if isinstance(err, SmartLaunchError):
        return page.SIGN_IN_FAILED
    return page.SOMETHING_WENT_WRONG


def http_words(err: HTTPException) -> tuple[str, str, str]:
    """Title, sentence and IT details for a werkzeug error: our own description when a route
    gave one, else a plain sentence for its status (werkzeug's own texts speak of servers)."""
    status = err.code or 500
    title, sentence = HTTP_WORDS.get(status, (page.HTTP_OTHER_TITLE, _by_class(err)))
    own = err.description and err.description != type(err).description
    return title, str(err.description) if own else sentence, f"HTTP {status}: {err.name}"


# -- the IT fold: technical, but never a FHIR reference or id -----------------------------------
_REFERENCE = re.compile(
    r"\b(Patient|Practitioner|PractitionerRole|Encounter|Appointment|QuestionnaireResponse|"
    r"Observation|Provenance|Organization|Device|RelatedPerson|Questionnaire)/[A-Za-z0-9\-.]+")
_ID = re.compile(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                 r"|[0-9a-f]{16,})\b")


def it_details(err: FhirError | RecordingError | LaunchError | AllianceError) -> str:
    return for_it(f"{err.code}: {err.message}")


def for_it(text: str) -> str:
    """Technical text with every FHIR reference and resource id replaced by a placeholder."""
    return _ID.sub("(id)", _REFERENCE.sub(lambda m: f"{m.group(1)}/(id)", text))[:600]
