"""Errors of the deploy package; each carries a machine ``code`` and a human ``message``.

    DeployError              base: code "deploy.error"
    └── InstallRefused       the FHIR server refused a conformance resource (its issues named)

A check that finds an EHR unsuitable is not an error: it is the check's verdict and exit code.
"""

from __future__ import annotations

from app_errors import AppError


class DeployError(AppError):
    code = "deploy.error"


class InstallRefused(DeployError):
    code = "deploy.install_refused"
