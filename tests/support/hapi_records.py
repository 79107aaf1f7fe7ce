"""What the interop tier's HAPI scenarios share: loading resources into HAPI, reading its
search Bundles, and HAPI's $validate with the warnings fhir_profiles/README.md allows (every
warning is collected for the run's report: tests/support/interop_fixtures.py prints them).
"""

from __future__ import annotations

import re

import requests

import fhir_profiles

CLIENT = "alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
VALIDATION_WARNINGS: list[str] = []  # printed at the end of the run (see the interop conftest)


def allowed_warnings() -> list[re.Pattern[str]]:
    """The warnings fhir_profiles/README.md lists, each with its reason (a table whose first
    column is a regular expression in backticks, matched against "diagnostics @ expression")."""
    readme = (fhir_profiles.PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Validation warnings", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
    return [re.compile(cell.replace("\\|", "|")) for cell in cells]  # a table cell escapes |


ALLOWED_WARNINGS = allowed_warnings()


def entries(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry") or [] if "resource" in e]


def put_all(hapi: str, resources: list[dict]) -> dict:
    """One transaction of PUTs (client-assigned ids), as an EHR's data would be loaded."""
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources]}
    answer = requests.post(hapi, json=bundle, headers=FHIR_JSON, timeout=300)
    assert answer.status_code == 200, answer.text[:3000]
    return answer.json()


def validate(hapi: str, resource: dict) -> list[dict]:
    """HAPI's $validate: the issues of error or fatal severity, and any warning
    fhir_profiles/README.md does not list (all warnings are collected for the report)."""
    answer = requests.post(f"{hapi}/{resource['resourceType']}/$validate", json=resource,
                           headers=FHIR_JSON, timeout=120)
    outcome = answer.json()
    assert outcome.get("resourceType") == "OperationOutcome", answer.text[:1000]
    issues = outcome.get("issue") or []
    name = f"{resource['resourceType']}/{resource.get('id')}"
    failing = []
    for issue in issues:
        if issue.get("severity") == "warning":
            said = f"{issue.get('diagnostics')} @ {', '.join(issue.get('expression') or [])}"
            VALIDATION_WARNINGS.append(f"{name}: {said}")
            if not any(p.search(said) for p in ALLOWED_WARNINGS):
                failing.append(issue)
        elif issue.get("severity") in ("error", "fatal"):
            failing.append(issue)
    return failing
