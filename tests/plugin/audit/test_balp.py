"""BALP AuditEvents: the right profile, action and subtype per interaction, who and what, the
token's identity but never the token, and valid R4."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from fhir.resources.R4B.auditevent import AuditEvent

from plugin.audit.balp import (
    PATIENT_PROFILES,
    TOKEN_USE_PROFILE,
    AuditActor,
    AuditRecord,
    build_audit_event,
    token_identity,
)
from plugin.audit.errors import AuditEventInvalid

NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
TOKEN = "opaque-access-token-VALUE-123"
ACTOR = AuditActor(client_id="alliance-prod", app_name="Alliance Panel", app_version="0.1.0",
                   app_address="https://alliance.example.org", server="https://ehr.example/r4",
                   token_id=token_identity(TOKEN), fhir_user="Practitioner/pr1")


def _jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(("interaction", "action", "subtype"), [
    ("read", "R", "read"), ("search", "E", "search-type"), ("create", "C", "create"),
    ("update", "U", "update")])
def test_each_interaction_gets_its_pattern(interaction: str, action: str, subtype: str) -> None:
    record = AuditRecord(interaction, "Patient/p1", NOW,
                         targets=() if interaction == "search" else ("QuestionnaireResponse/q1",),
                         query="Encounter?patient=p1" if interaction == "search" else None)
    event = build_audit_event(record, ACTOR)
    AuditEvent.model_validate(event)
    assert event["meta"]["profile"] == [PATIENT_PROFILES[interaction], TOKEN_USE_PROFILE]
    assert (event["action"], event["subtype"][0]["code"], event["outcome"]) == (action, subtype,
                                                                                "0")
    user = next(a for a in event["agent"] if a["requestor"])
    assert user["who"] == {"reference": "Practitioner/pr1"} and user["policy"] == [ACTOR.token_id]
    client = event["agent"][0]
    assert client["who"]["identifier"]["value"] == "alliance-prod"
    assert client["who"]["display"] == "Alliance Panel 0.1.0"
    assert event["entity"][0]["what"] == {"reference": "Patient/p1"}


def test_a_search_records_its_query_and_a_write_its_target() -> None:
    search = build_audit_event(AuditRecord("search", "Patient/p1", NOW,
                                           query="Observation?subject=Patient/p1"), ACTOR)
    assert base64.b64decode(search["entity"][1]["query"]) == b"Observation?subject=Patient/p1"
    create = build_audit_event(AuditRecord("create", "Patient/p1", NOW, targets=(
        "QuestionnaireResponse/q1", "Observation/o1")), ACTOR)
    assert [e["what"]["reference"] for e in create["entity"]] == [
        "Patient/p1", "QuestionnaireResponse/q1", "Observation/o1"]


def test_a_refused_request_is_a_failure_without_the_success_profile() -> None:
    event = build_audit_event(AuditRecord("create", "Patient/p1", NOW, outcome="refused",
                                          detail="scope patient/Observation.c not granted"), ACTOR)
    assert event["outcome"] == "4" and event["meta"]["profile"] == [TOKEN_USE_PROFILE]
    assert event["outcomeDesc"] == "scope patient/Observation.c not granted"


def test_the_token_is_never_in_the_event_only_its_jti_or_hash() -> None:
    event = build_audit_event(AuditRecord("read", "Patient/p1", NOW, targets=("Patient/p1",)),
                              ACTOR)
    assert TOKEN not in json.dumps(event)
    assert ACTOR.token_id.startswith("sha256:") and len(ACTOR.token_id) == 71
    jwt = _jwt({"jti": "tok-77", "sub": "pr1"})
    assert token_identity(jwt) == "tok-77"
    assert token_identity(_jwt({"sub": "x"})).startswith("sha256:")
    assert token_identity(TOKEN, jti="given") == "given"


def test_a_backend_request_names_the_client_as_the_user() -> None:
    actor = AuditActor(**{**ACTOR.__dict__, "fhir_user": None})
    event = build_audit_event(AuditRecord("read", "Patient/p1", NOW, targets=("Patient/p1",)),
                              actor)
    assert event["agent"][2]["who"]["identifier"] == {"value": "alliance-prod"}


def test_builder_misuse_is_refused() -> None:
    with pytest.raises(AuditEventInvalid, match="timezone"):
        build_audit_event(AuditRecord("read", "Patient/p1", NOW.replace(tzinfo=None),
                                      targets=("Patient/p1",)), ACTOR)
    with pytest.raises(AuditEventInvalid, match="query"):
        build_audit_event(AuditRecord("search", "Patient/p1", NOW), ACTOR)
    with pytest.raises(AuditEventInvalid, match="names what it touched"):
        build_audit_event(AuditRecord("update", "Patient/p1", NOW), ACTOR)
