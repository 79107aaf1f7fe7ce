"""Our HAPI launcher's --no-transaction mode: a FHIR server that takes batches and single
creates but refuses transaction Bundles, and says so in its CapabilityStatement, as some
FHIR stores do. The app's fallback for such servers is tested against it."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.interop

FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


def patient_entry(identifier: str) -> dict:
    return {
        "resource": {"resourceType": "Patient",
                     "identifier": [{"system": "urn:test:no-tx", "value": identifier}]},
        "request": {"method": "POST", "url": "Patient",
                    "ifNoneExist": f"identifier=urn:test:no-tx|{identifier}"},
    }


def stored(base: str, identifier: str) -> int:
    answer = requests.get(f"{base}/Patient", params={
        "identifier": f"urn:test:no-tx|{identifier}", "_summary": "count"}, timeout=30)
    answer.raise_for_status()
    return int(answer.json()["total"])


def test_the_capability_statement_offers_batch_but_not_transaction(
        hapi_without_transactions: str) -> None:
    capability = requests.get(f"{hapi_without_transactions}/metadata", timeout=30).json()
    codes = {i["code"] for rest in capability["rest"] for i in rest.get("interaction", [])}
    assert "batch" in codes
    assert "transaction" not in codes


def test_a_transaction_is_refused_and_stores_nothing(hapi_without_transactions: str) -> None:
    identifier = uuid.uuid4().hex
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [patient_entry(identifier)]}
    answer = requests.post(hapi_without_transactions, json=bundle, headers=FHIR_JSON, timeout=30)
    assert answer.status_code == 501
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "transaction" in outcome["issue"][0]["diagnostics"]
    assert stored(hapi_without_transactions, identifier) == 0


def test_a_batch_of_conditional_creates_is_taken_once(hapi_without_transactions: str) -> None:
    identifier = uuid.uuid4().hex
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [patient_entry(identifier)]}
    for _ in range(2):  # a resend stores nothing new
        answer = requests.post(hapi_without_transactions, json=bundle, headers=FHIR_JSON,
                               timeout=30)
        assert answer.status_code == 200
        assert answer.json()["entry"][0]["response"]["status"].startswith(("200", "201"))
    assert stored(hapi_without_transactions, identifier) == 1
