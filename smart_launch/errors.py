"""The exceptions raised by smart_launch, one tree for the whole package.

Every error carries a machine ``code`` (an OAuth error code where the server sent one,
otherwise a short snake_case name chosen here; each class has a default) and a human
``message`` that never contains a token or secret; ``str()`` is "code: message". The
application maps them to HTTP responses in one place.

Construction follows the app's one convention (app_errors.AppError, the root of this tree and
of plugin's): ``Error(message, *, code=None)``, extra fields as keywords.

Exception tree::

    app_errors.AppError            the app's one root
    └── SmartLaunchError           base class of this package: code, message
        ├── ConfigurationError     bad client configuration, bad scope needs, unusable key
        ├── DiscoveryError         no usable smart-configuration nor CapabilityStatement
        ├── TransportError         network failure, timeout, unreadable response
        │   ├── RedirectRefused    a server answered with a redirect; it is never followed
        │   └── ResponseLimitExceeded  an answer past a bound (limits.ReadLimits): too
        │                          large, too deep, too many entries, or past the deadline
        ├── AuthorizationError     the redirect back from the authorize endpoint is unusable
        │   ├── AuthorizationDenied  the server sent ?error=... (code = the OAuth error code)
        │   ├── StateError         state missing/mismatched, pending expired, stored state bad
        │   └── IssuerMismatch     the ``iss`` response parameter names another server
        ├── TokenRequestError      the token endpoint refused (code = OAuth error code,
        │                          e.g. invalid_grant) or answered with something unusable
        ├── IdTokenError           id_token unsigned, badly signed, wrong iss/aud/nonce, expired
        └── InsufficientScope      a scope the app needs was not granted (``missing`` lists them)
"""

from __future__ import annotations

from collections.abc import Sequence

from app_errors import AppError

__all__ = [
    "AuthorizationDenied",
    "AuthorizationError",
    "ConfigurationError",
    "DiscoveryError",
    "IdTokenError",
    "InsufficientScope",
    "IssuerMismatch",
    "RedirectRefused",
    "ResponseLimitExceeded",
    "SmartLaunchError",
    "StateError",
    "TokenRequestError",
    "TransportError",
]


class SmartLaunchError(AppError):
    """Base class: ``code`` is machine readable, ``message`` is for people."""

    code = "smart_launch_error"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ConfigurationError(SmartLaunchError):
    """The client was configured or called in a way that cannot work."""

    code = "invalid_configuration"


class DiscoveryError(SmartLaunchError):
    """The server publishes no usable SMART configuration."""

    code = "no_smart_configuration"


class TransportError(SmartLaunchError):
    """A request could not be completed (connection, timeout, unreadable body)."""

    code = "transport_error"


class RedirectRefused(TransportError):
    """A server answered with a redirect. It is not followed: a redirect would carry a code,
    a code_verifier, a client assertion or a bearer token to another address."""

    code = "redirect_refused"


class ResponseLimitExceeded(TransportError):
    """An answer was not read to its end because it passed a bound (``code``:
    response_too_large, response_too_deep, response_too_many_entries or response_too_slow).
    ``url`` is the address asked; the message names its server and the bound."""

    code = "response_too_large"

    def __init__(self, message: str, *, code: str | None = None, url: str) -> None:
        super().__init__(message, code=code)
        self.url = url


class AuthorizationError(SmartLaunchError):
    """The authorization response (the redirect back to the app) was refused."""

    code = "invalid_authorization_response"


class AuthorizationDenied(AuthorizationError):
    """The authorization server answered with an OAuth ``error`` parameter."""

    code = "access_denied"

    def __init__(self, message: str, *, code: str | None = None,
                 error_uri: str | None = None) -> None:
        super().__init__(message, code=code)
        self.error_uri = error_uri


class StateError(AuthorizationError):
    """``state`` is missing or wrong, or the pending authorization expired or is corrupt."""

    code = "invalid_state"


class IssuerMismatch(AuthorizationError):
    """The ``iss`` response parameter does not name the expected authorization server."""

    code = "issuer_mismatch"


class TokenRequestError(SmartLaunchError):
    """The token endpoint refused the request or answered with something unusable."""

    code = "token_request_failed"

    def __init__(self, message: str, *, code: str | None = None,
                 status_code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.status_code = status_code


class IdTokenError(SmartLaunchError):
    """The id_token failed validation; none of its claims may be used."""

    code = "invalid_id_token"


class InsufficientScope(SmartLaunchError):
    """A scope the application needs was not granted; ``missing`` lists them."""

    code = "insufficient_scope"

    def __init__(self, message: str | None = None, *, missing: Sequence[str],
                 code: str | None = None) -> None:
        self.missing = list(missing)
        super().__init__(message or "not granted: " + ", ".join(self.missing), code=code)
