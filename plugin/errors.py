"""Errors of the Alliance Panel app itself (configuration and launch handling).

    AllianceError            base: a machine `code` and a human `message`
    ├── ConfigError          a setting is missing or wrong; names it and says how to fix it
    ├── LaunchRefused        a launch request the app will not start (unknown iss, bad params)
    ├── LaunchExpired        the launch handle is unknown, expired, or bound to another browser
    ├── ScopeNotGranted      the EHR granted fewer scopes than the app needs for a feature
    └── StoreUnavailable     the shared session store (PostgreSQL, Redis) cannot be reached

FHIR and SMART failures have their own trees (plugin/fhir/errors.py, smart_launch/errors.py);
plugin/web/errors.py is the one place that turns any of them into an HTTP response.
"""

from __future__ import annotations


class AllianceError(Exception):
    code = "alliance_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ConfigError(AllianceError):
    code = "bad_configuration"


class LaunchRefused(AllianceError):
    code = "launch_refused"
    status = 400


class LaunchExpired(AllianceError):
    code = "launch_expired"
    status = 403


class ScopeNotGranted(AllianceError):
    code = "scope_not_granted"
    status = 403


class StoreUnavailable(AllianceError):
    """The session store did not answer; the request can be retried once it is back."""

    code = "session_store_unavailable"
    status = 503

    @classmethod
    def wrap(cls, backend: str, err: BaseException) -> StoreUnavailable:
        # The driver's text can name the host and user but never a value: values are sealed
        # before they reach the driver, and keys are hashes.
        return cls(f"the {backend} session store cannot be reached ({type(err).__name__})")
