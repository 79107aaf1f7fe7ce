"""Errors of the app's configuration, and the map of every error root in plugin/.

    ConfigError          a setting is missing or wrong; the message names it and how to fix it
                         (code "config.invalid"); raised at start-up, before any request
    └── MissingExtra     a feature asked for needs a package from an optional extra that is
                         not installed ("config.missing_extra"); the message names the extra

The app has one root, app_errors.AppError; each package's tree grows from it, in its own
errors.py:

    app_errors.AppError
    ├── plugin.errors.ConfigError             configuration (this module)
    ├── plugin.launch.errors.LaunchError      a launch refused or no longer usable
    ├── plugin.fhir.errors.FhirError          FHIR access and the records the app builds
    ├── plugin.recording.errors.RecordingError  a recording the app will not carry out
    ├── plugin.alliance.errors.AllianceError  the alliance domain (instruments, answers, norms)
    ├── plugin.audit.errors.AuditError        the audit trail and its verifier
    ├── plugin.deploy.errors.DeployError      the integrator's commands
    └── smart_launch.errors.SmartLaunchError  the SMART client (OAuth codes, its own package)

One convention throughout (app_errors): ``Error(message, *, code=None)``. ``message`` is a
sentence for people (never a token or answer text); ``code`` is machine-readable,
``<package>.<reason>`` in plugin, a class default that a raise may make more specific. HTTP is
not the domain's business: our reply's status is chosen in one table, plugin/web/replies.py; a
FHIR server's own status is ``FhirError.upstream_status``.
"""

from __future__ import annotations

from app_errors import AppError


class ConfigError(AppError):
    code = "config.invalid"


class MissingExtra(ConfigError):
    code = "config.missing_extra"


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise MissingExtra unless ``module`` can be imported: ``feature`` (what the operator
    asked for, in words) needs the optional extra ``extra`` of the alliance-panel package."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtra(
            f"{feature} needs the '{extra}' extra, which is not installed: "
            f"pip install 'alliance-panel[{extra}]' (the Python package {module} is missing)")
