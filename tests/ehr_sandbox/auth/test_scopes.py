"""AccessGrant.allows for SMART v1 and v2 scope strings."""

from __future__ import annotations

import pytest

from ehr_sandbox.auth import AccessGrant
from ehr_sandbox.auth.scopes import parse_resource_scope


def grant(*scopes: str) -> AccessGrant:
    return AccessGrant("app", "prac-1", None, frozenset(scopes), "pat-1", None, 0.0)


@pytest.mark.parametrize(("scope", "resource", "interaction", "expected"), [
    ("patient/Encounter.rs", "Encounter", "r", True),
    ("patient/Encounter.rs", "Encounter", "s", True),
    ("patient/Encounter.rs", "Encounter", "c", False),
    ("patient/Encounter.rs", "Observation", "r", False),
    ("user/*.cruds", "QuestionnaireResponse", "c", True),
    ("user/*.cruds", "Patient", "d", True),
    ("system/Patient.r", "Patient", "r", True),
    ("system/Patient.r", "Patient", "s", False),
    ("patient/Observation.rs?category=vital-signs", "Observation", "s", True),
    ("patient/Observation.cu", "Observation", "u", True),
    # v1
    ("patient/Encounter.read", "Encounter", "r", True),
    ("patient/Encounter.read", "Encounter", "s", True),
    ("patient/Encounter.read", "Encounter", "u", False),
    ("user/QuestionnaireResponse.write", "QuestionnaireResponse", "c", True),
    ("user/QuestionnaireResponse.write", "QuestionnaireResponse", "u", True),
    ("user/QuestionnaireResponse.write", "QuestionnaireResponse", "d", True),
    ("user/QuestionnaireResponse.write", "QuestionnaireResponse", "r", False),
    ("patient/*.*", "Observation", "d", True),
    ("patient/*.read", "Condition", "r", True),
    ("system/*.write", "Observation", "s", False),
])
def test_allows(scope: str, resource: str, interaction: str, expected: bool) -> None:
    assert grant(scope).allows(resource, interaction) is expected


@pytest.mark.parametrize("scope", [
    "openid", "fhirUser", "launch", "launch/patient", "offline_access",
    "patient/Encounter.sr",      # v2 letters out of order
    "patient/Encounter.x",       # unknown permission
    "patient/Encounter",         # no permission
    "clinic/Encounter.rs",       # unknown context
    "patient/encounter.rs",      # not a resource type
    "patient/Encounter.read?x=1",  # v1 never had queries
])
def test_non_resource_scopes_grant_nothing(scope: str) -> None:
    assert parse_resource_scope(scope) is None
    assert not any(grant(scope).allows("Encounter", i) for i in "cruds")


def test_unknown_interaction_and_union_of_scopes() -> None:
    g = grant("patient/Encounter.r", "patient/Encounter.s", "openid")
    assert g.allows("Encounter", "r") and g.allows("Encounter", "s")
    assert not g.allows("Encounter", "read")
    assert not g.allows("Encounter", "")
