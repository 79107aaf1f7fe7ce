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
from plugin.wording.error_pages import HTTP_OTHER_TITLE, TITLES
from smart_launch import SmartLaunchError, TransportError
from smart_launch.errors import ResponseLimitExceeded

# The status per error class; the title is the catalogue's (plugin/wording/error_pages.py).
_STATUS: dict[type[Exception], int] = {
    ConfigError: 503,
    LaunchError: 400,
    LaunchRefused: 400,
    LaunchExpired: 403,
    LaunchLimited: 429,
    LaunchBusy: 503,
    LaunchStoreBusy: 503,
    StoreUnavailable: 503,
    RecordingError: 409,
    AllianceError: 422,
    FhirError: 502,
    FhirAuthError: 403,
    FhirConflict: 409,
    FhirNotFound: 404,
    FhirLimitExceeded: 502,
    RecordError: 422,
    RecordStoreSignInFailed: 502,
    AuditError: 503,
    DeployError: 502,
    SmartLaunchError: 400,
    TransportError: 502,
    ResponseLimitExceeded: 502,
}
REPLY_STATUS: dict[type[Exception], tuple[int, str]] = {
    cls: (status, TITLES[cls.__name__]) for cls, status in _STATUS.items()}
UNEXPECTED = (500, HTTP_OTHER_TITLE)


def reply_for(err: BaseException) -> tuple[int, str]:
    """Our reply's status and title for an error: its nearest class in REPLY_STATUS."""
    for cls in type(err).__mro__:
        if cls in REPLY_STATUS:
            return REPLY_STATUS[cls]
    return UNEXPECTED
