"""Errors of launching: each carries a machine ``code`` and a human ``message``.

    LaunchError          base (code "launch.error")
    ├── LaunchRefused    a launch request the app will not start: no ``iss``, an issuer that is
    │                    not configured (codes "launch.missing_iss", "launch.unknown_iss")
    └── LaunchExpired    the handle or state is unknown, expired, used, or bound to another
                         browser ("launch.expired", "launch.unknown_state", "launch.other_browser")

Constructor and code conventions: see plugin/errors.py. plugin/web/errors.py maps them to replies.
"""

from __future__ import annotations


class LaunchError(Exception):
    code = "launch.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class LaunchRefused(LaunchError):
    code = "launch.refused"


class LaunchExpired(LaunchError):
    code = "launch.expired"
