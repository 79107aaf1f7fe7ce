"""Errors of launching: each carries a machine ``code`` and a human ``message``.

    LaunchError          base (code "launch.error")
    ├── LaunchRefused    a launch request the app will not start: no ``iss``, an issuer that is
    │   │                not configured, a parameter too long ("launch.missing_iss",
    │   │                "launch.unknown_iss", "launch.parameter_too_long"), or a
    │   │                patient's sign-in on a clinician's route ("launch.patient_user"),
    │   │                a clinician's on a client's portal page ("launch.not_patient_user")
    │   └── LaunchLimited  too many launches pending from one client address
    │       │            ("launch.too_many_launches") or one browser
    │       │            ("launch.too_many_from_browser")
    │       └── LaunchBusy  too many launches pending in all ("launch.busy")
    ├── LaunchExpired    the handle or state is unknown, expired, used, or bound to another
    │                    browser ("launch.expired", "launch.unknown_state", "launch.other_browser")
    ├── StoreUnavailable  the shared session store does not answer ("launch.store_unavailable")
    └── LaunchStoreBusy  another instance holds this launch's refresh lock too long
                         ("launch.refresh_busy")

Constructor and code conventions: see plugin/errors.py. plugin/web/errors.py maps them to replies.
"""

from __future__ import annotations

from app_errors import AppError


class LaunchError(AppError):
    code = "launch.error"


class LaunchRefused(LaunchError):
    code = "launch.refused"


class LaunchLimited(LaunchRefused):
    code = "launch.too_many_launches"


class LaunchBusy(LaunchLimited):
    code = "launch.busy"


class LaunchExpired(LaunchError):
    code = "launch.expired"


class StoreUnavailable(LaunchError):
    """The session store (PostgreSQL, Redis) did not answer; retry once it is back."""

    code = "launch.store_unavailable"

    @classmethod
    def wrap(cls, backend: str, err: BaseException) -> StoreUnavailable:
        # The driver's text can name the host and user but never a value: values are sealed
        # before they reach the driver, and keys are hashes. Only the error's type is kept.
        return cls(f"the {backend} session store cannot be reached ({type(err).__name__})")


class LaunchStoreBusy(LaunchError):
    """Another process held a launch's lock (a token refresh) longer than this one waits."""

    code = "launch.refresh_busy"
