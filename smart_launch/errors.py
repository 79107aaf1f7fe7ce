"""The exceptions raised by smart_launch, one tree for the whole package.

Every error carries a machine ``code`` (an OAuth error code where the server sent one,
otherwise a short snake_case name chosen here) and a human ``message`` that never contains
a token or secret. The application maps them to HTTP responses in one place.

Exception tree::

    SmartLaunchError                 base class: code, message
    ├── ConfigurationError           bad client configuration, bad scope needs, unusable key
    ├── DiscoveryError               no usable smart-configuration nor CapabilityStatement
    ├── TransportError               network failure, timeout, unreadable response
    │   ├── RedirectRefused          a server answered with a redirect; it is never followed
    │   └── ResponseLimitExceeded    an answer past a bound (limits.ReadLimits): too large,
    │                                too deep, too many entries, or not done by the deadline
    ├── AuthorizationError           the redirect back from the authorize endpoint is unusable
    │   ├── AuthorizationDenied      the server sent ?error=... (code = the OAuth error code)
    │   ├── StateError               state missing/mismatched, pending expired, stored state bad
    │   └── IssuerMismatch           the ``iss`` response parameter names another server
    ├── TokenRequestError            the token endpoint refused (code = OAuth error code,
    │                                e.g. invalid_grant) or answered with something unusable
    ├── IdTokenError                 id_token unsigned, badly signed, wrong iss/aud/nonce, expired
    └── InsufficientScope            a scope the app needs was not granted (``missing`` lists them)
"""

from __future__ import annotations

from collections.abc import Sequence

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


class SmartLaunchError(Exception):
    """Base class: ``code`` is machine readable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigurationError(SmartLaunchError):
    """The client was configured or called in a way that cannot work."""


class DiscoveryError(SmartLaunchError):
    """The server publishes no usable SMART configuration."""


class TransportError(SmartLaunchError):
    """A request could not be completed (connection, timeout, unreadable body)."""


class RedirectRefused(TransportError):
    """A server answered with a redirect. It is not followed: a redirect would carry a code,
    a code_verifier, a client assertion or a bearer token to another address."""


class ResponseLimitExceeded(TransportError):
    """An answer was not read to its end because it passed a bound (``code``:
    response_too_large, response_too_deep, response_too_many_entries or response_too_slow).
    ``url`` is the address asked; the message names its server and the bound."""

    def __init__(self, code: str, message: str, *, url: str) -> None:
        super().__init__(code, message)
        self.url = url


class AuthorizationError(SmartLaunchError):
    """The authorization response (the redirect back to the app) was refused."""


class AuthorizationDenied(AuthorizationError):
    """The authorization server answered with an OAuth ``error`` parameter."""

    def __init__(self, code: str, message: str, *, error_uri: str | None = None) -> None:
        super().__init__(code, message)
        self.error_uri = error_uri


class StateError(AuthorizationError):
    """``state`` is missing or wrong, or the pending authorization expired or is corrupt."""


class IssuerMismatch(AuthorizationError):
    """The ``iss`` response parameter does not name the expected authorization server."""


class TokenRequestError(SmartLaunchError):
    """The token endpoint refused the request or answered with something unusable."""

    def __init__(self, code: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(code, message)
        self.status_code = status_code


class IdTokenError(SmartLaunchError):
    """The id_token failed validation; none of its claims may be used."""


class InsufficientScope(SmartLaunchError):
    """A scope the application needs was not granted."""

    def __init__(self, missing: Sequence[str], message: str | None = None) -> None:
        self.missing = list(missing)
        super().__init__(
            "insufficient_scope",
            message or "not granted: " + ", ".join(self.missing),
        )
