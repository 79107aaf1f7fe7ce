"""Errors of the Alliance Panel app itself (configuration and launch handling).

    AllianceError            base: a machine `code` and a human `message`
    ├── ConfigError          a setting is missing or wrong; names it and says how to fix it
    ├── LaunchRefused        a launch request the app will not start (unknown iss, bad params)
    │   └── LaunchLimited    too many launches pending (429 per address, 503 in all)
    ├── LaunchExpired        the launch handle is unknown, expired, or bound to another browser
    └── ScopeNotGranted      the EHR granted fewer scopes than the app needs for a feature

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


class LaunchLimited(LaunchRefused):
    code = "too_many_launches"
    status = 429

    def __init__(self, message: str, *, code: str | None = None, status: int = 429) -> None:
        super().__init__(message, code=code)
        self.status = status


class LaunchExpired(AllianceError):
    code = "launch_expired"
    status = 403


class ScopeNotGranted(AllianceError):
    code = "scope_not_granted"
    status = 403
