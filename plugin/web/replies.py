"""Our reply's HTTP status and page title for every error the app raises: one table, used by
the error pages (plugin/web/errors.py) and by the save pages (plugin/web/plain_words.py).

``REPLY_STATUS`` maps an error class to (status, title); an error takes the entry of its nearest
class, so each package's root gives the default for its tree and a subclass listed below it is
more specific. A FHIR server's own status stays ``FhirError.upstream_status``: a 401 or 403
from the EHR is our 403 ("The EHR did not allow this") wherever it shows.
"""

from __future__ import annotations

from plugin.alliance import AllianceError
from plugin.audit.errors import AuditError
from plugin.deploy.errors import DeployError
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirAuthError,
    FhirConflict,
    FhirError,
    FhirLimitExceeded,
    FhirNotFound,
    RecordError,
    RecordStoreSignInFailed,
)
from plugin.launch.errors import (
    LaunchBusy,
    LaunchError,
    LaunchExpired,
    LaunchLimited,
    LaunchRefused,
    LaunchStoreBusy,
    StoreUnavailable,
)
from plugin.recording.errors import RecordingError
from smart_launch import SmartLaunchError, TransportError
from smart_launch.errors import ResponseLimitExceeded

REPLY_STATUS: dict[type[Exception], tuple[int, str]] = {
    ConfigError: (503, "Alliance Panel is not set up correctly"),
    LaunchError: (400, "Alliance Panel could not open"),
    LaunchRefused: (400, "Alliance Panel could not open"),
    LaunchExpired: (403, "Open Alliance Panel again"),
    LaunchLimited: (429, "Please wait a few minutes"),
    LaunchBusy: (503, "Please wait a few minutes"),
    LaunchStoreBusy: (503, "Alliance Panel is busy"),
    StoreUnavailable: (503, "Alliance Panel cannot reach its storage"),
    RecordingError: (409, "This cannot be recorded"),
    AllianceError: (422, "The form could not be used"),
    FhirError: (502, "The EHR could not do this"),
    FhirAuthError: (403, "The EHR did not allow this"),
    FhirConflict: (409, "The record was changed in the EHR"),
    FhirNotFound: (404, "Not found in the EHR"),
    FhirLimitExceeded: (502, "The EHR's answer could not be used"),
    RecordError: (422, "The record could not be built"),
    RecordStoreSignInFailed: (502, "Ratings could not be reached"),
    AuditError: (503, "Alliance Panel cannot keep its audit trail"),
    DeployError: (502, "The EHR did not take Alliance Panel's set-up"),
    SmartLaunchError: (400, "Sign-in with the EHR failed"),
    TransportError: (502, "Sign-in with the EHR failed"),
    ResponseLimitExceeded: (502, "Sign-in with the EHR failed"),
}
UNEXPECTED = (500, "Something went wrong")


def reply_for(err: BaseException) -> tuple[int, str]:
    """Our reply's status and title for an error: its nearest class in REPLY_STATUS."""
    for cls in type(err).__mro__:
        if cls in REPLY_STATUS:
            return REPLY_STATUS[cls]
    return UNEXPECTED
