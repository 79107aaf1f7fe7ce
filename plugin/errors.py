"""Errors of the app's configuration, and the map of every error root in plugin/.

    ConfigError          a setting is missing or wrong; the message names it and how to fix it
                         (code "config.invalid"); raised at start-up, before any request
    └── MissingExtra     a feature asked for needs a package from an optional extra that is
                         not installed ("config.missing_extra"); the message names the extra

Each package has one root, in its own errors.py:

    plugin.errors.ConfigError             configuration (this module)
    plugin.launch.errors.LaunchError      a launch refused or no longer usable
    plugin.fhir.errors.FhirError          FHIR access and the records the app builds
    plugin.recording.errors.RecordingError  a recording the app will not carry out
    plugin.alliance.errors.AllianceError  the alliance domain (instruments, answers, text packs)
    smart_launch.errors.SmartLaunchError  the SMART client (its own package, its own rules)

One convention throughout plugin/: ``Error(message, *, code=None)``. ``message`` is a sentence for
people (never a token or answer text); ``code`` is machine-readable, ``<package>.<reason>``, a
class default that a raise may make more specific. HTTP is not the domain's business: the reply's
status is chosen in one place, plugin/web/errors.py; a FHIR server's own status is
``FhirError.upstream_status``.
"""

from __future__ import annotations


class ConfigError(Exception):
    code = "config.invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


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
