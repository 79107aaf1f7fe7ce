"""A development EHR: SMART authorization server, FHIR R4 store with synthetic patients, chart.

Owns everything under ehr_sandbox/. Nothing in plugin/ or smart_launch/ imports it. It never
imports smart_launch, and imports plugin in two modules only: `cohort_alliance` (the seeded
alliance histories are built by the app's own record builders, so they are exactly what the app
writes) and `demo` (which runs the app beside the sandbox). import-linter contracts in
pyproject.toml hold both rules, and that ehr_sandbox has no import circle.
`create_sandbox(settings)` builds the whole thing as one Flask app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ehr_sandbox.app import create_sandbox

__all__ = ["create_sandbox"]


def __getattr__(name: str) -> object:
    # Lazy, so that `import ehr_sandbox.settings` does not pull in Flask and the whole EHR.
    if name == "create_sandbox":
        from ehr_sandbox.app import create_sandbox

        return create_sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
