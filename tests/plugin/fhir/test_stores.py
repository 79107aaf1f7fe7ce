"""Choosing where records go, from CapabilityStatements, and how records refer to the EHR."""

from __future__ import annotations

import pytest

from plugin.fhir.client import FhirClient
from plugin.fhir.stores import (
    RECORD_TYPES,
    RecordStore,
    accepted_record_types,
    supports_transaction,
)

EHR = "https://ehr.example/fhir"


def _resource(rtype: str, *codes: str) -> dict:
    return {"type": rtype, "interaction": [{"code": c} for c in codes]}


def _capability(*resources: dict, interactions: tuple[str, ...] = ("transaction",),
                mode: str = "server") -> dict:
    return {"resourceType": "CapabilityStatement", "rest": [{
        "mode": mode, "resource": list(resources),
        "interaction": [{"code": c} for c in interactions]}]}


def test_a_server_that_creates_all_three_accepts_them_all() -> None:
    cap = _capability(*(_resource(t, "read", "create", "update") for t in RECORD_TYPES),
                      _resource("Patient", "read", "create"))
    assert accepted_record_types(cap) == set(RECORD_TYPES)


def test_read_only_questionnaire_responses_are_not_accepted() -> None:
    """Oracle Health style: QuestionnaireResponse read/search only, Observation create."""
    cap = _capability(_resource("QuestionnaireResponse", "read", "search-type"),
                      _resource("Observation", "read", "create"),
                      _resource("Provenance", "read", "create"))
    assert accepted_record_types(cap) == {"Observation", "Provenance"}


@pytest.mark.parametrize("cap", [
    {},
    {"rest": None},
    {"rest": [{"mode": "client", "resource": [_resource("Observation", "create")]}]},
    {"rest": ["junk", {"resource": [{"type": "Observation"}]}]},
    {"rest": [{"resource": [{"type": "Observation", "interaction": ["create", None]}]}]},
])
def test_missing_odd_or_client_side_statements_accept_nothing(cap: dict) -> None:
    assert accepted_record_types(cap) == set()


def test_rest_without_mode_counts_as_server() -> None:
    cap = {"rest": [{"resource": [_resource("Observation", "create")]}]}
    assert accepted_record_types(cap) == {"Observation"}


def test_transaction_support_is_read_from_the_system_interactions() -> None:
    assert supports_transaction(_capability())
    assert not supports_transaction(_capability(interactions=("batch",)))
    assert not supports_transaction({})
    assert not supports_transaction({"rest": [{"interaction": ["transaction"]}]})


def test_the_sandbox_capability_statement_reflects_its_writable_types() -> None:
    from ehr_sandbox.fhir.capability import capability_statement

    full = capability_statement(EHR, frozenset(RECORD_TYPES), {}, "2026-11-25")
    assert accepted_record_types(full) == set(RECORD_TYPES) and supports_transaction(full)
    partial = capability_statement(EHR, frozenset({"Observation", "Provenance"}), {},
                                   "2026-11-25")
    assert accepted_record_types(partial) == {"Observation", "Provenance"}


def _store(where: str) -> RecordStore:
    client = FhirClient("https://store.example/fhir")
    return RecordStore(client, where, "because", True, EHR)


def test_records_in_the_ehr_refer_relatively() -> None:
    store = _store("ehr")
    assert store.ref("Patient", "abc") == "Patient/abc"
    assert store.ref("Encounter", "e-1") == "Encounter/e-1"
    assert store.patient_search("abc") == {"subject": "Patient/abc"}


def test_records_in_a_companion_store_refer_to_the_ehr_absolutely() -> None:
    store = _store("companion")
    assert store.ref("Patient", "abc") == f"{EHR}/Patient/abc"
    assert store.ref("Practitioner", "p.1") == f"{EHR}/Practitioner/p.1"
    assert store.patient_search("abc") == {"subject": f"{EHR}/Patient/abc"}


def test_absolute_references_are_accepted_by_the_record_builders() -> None:
    from plugin.fhir.record_bundles import REFERENCE

    store = _store("companion")
    for rtype in ("Patient", "Encounter", "Practitioner"):
        assert REFERENCE.match(store.ref(rtype, "abc-1.2"))
