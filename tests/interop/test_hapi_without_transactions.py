"""Our HAPI launcher's --no-transaction mode: a FHIR server that takes batches and single
creates but refuses transaction Bundles, and says so in its CapabilityStatement, as some
FHIR stores do. The app's fallback for such servers is tested against it."""

from __future__ import annotations

import re
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


# -- the app against it ------------------------------------------------------------------------
class FailOnce:
    """Lets every request through except the `nth` create of `resource_type` and the app's
    quick retry of it: both are done by HAPI and then answered with a 503, a failure between
    the entries of one save that outlasts the request."""

    def __init__(self, resource_type: str, nth: int) -> None:
        self.resource_type, self.nth, self.seen, self.failed = resource_type, nth, 0, False

    def __call__(self, method: str, path: str) -> str:
        if method == "POST" and path.rstrip("/").endswith(f"/fhir/{self.resource_type}"):
            self.seen += 1
            if self.seen in (self.nth, self.nth + 1):
                self.failed = True
                return "after"
        return "forward"


def test_the_app_saves_entry_by_entry_once_even_after_a_failure_between_entries(
        servers, hapi_without_transactions: str, tmp_path) -> None:
    from plugin.recording.outbox import OutboxPolicy
    from plugin.web import create_app
    from tests.support.fault_clinic import Clinician, Tally, count_stored, drain, load_clinic
    from tests.support.http_relay import Relay
    from tests.support.interop import CLIENT_IDS
    from tests.support.servers import LiveServer

    hapi = hapi_without_transactions
    (plan,) = load_clinic(hapi, "notx", 1, 2)
    failing = FailOnce("Observation", nth=6)  # the 2nd save's 2nd Observation
    relay = Relay(hapi.rsplit("/fhir", 1)[0], failing).start()
    iss = f"{relay.url}/fhir"
    port = servers.spare_ports[1]
    app = create_app({
        "public_url": f"http://127.0.0.1:{port}", "client_id": CLIENT_IDS["public"],
        "allowed_iss": iss,
        "secret_key": "no-transaction-" + "Zr5k-2PwN8mQx4vB7cLd1gHj6tFs9aYe3oUi0nRt",
        "development": True,
        "data_dir": str(tmp_path / "app")},
        outbox_policy=OutboxPolicy(first_retry=0.3, max_retry=2), outbox_interval=0.2)
    server = LiveServer(port=port).start(app)
    try:
        tally = Tally()
        clinician = Clinician(0, plan, app_url=lambda: f"http://127.0.0.1:{port}", iss=iss,
                              new_launch=servers.new_launch, hapi=hapi, tally=tally, seed=3)
        handle = clinician.launch(plan.encounters[0])
        panel = clinician.browser.get(f"http://127.0.0.1:{port}/panel/{handle}", timeout=30)
        first = clinician.save(handle, plan.encounters[0], "alliance-checkin-therapist")
        assert first.told == "saved"
        saved_panel = clinician.browser.get(
            f"http://127.0.0.1:{port}/panel/{handle}?saved=x", timeout=30)
        assert "Saved: the rating is in the patient's record" in saved_panel.text
        # How it was sent is for the integrator: folded away from the clinician.
        assert re.search(r"<details[^>]*>\s*<summary>Details for your IT team</summary>\s*<p>"
                         r"[^<]*each part was sent on its own", saved_panel.text)
        second = clinician.save(handle, plan.encounters[0], "alliance-checkin-client")
        assert failing.failed and second.told == "queued"  # told the truth: not stored yet
        assert drain(app.extensions["alliance"].saving.outbox, 60) == []
        for save in (first, second):
            assert count_stored(hapi, save.submission_id) == (1, 4, 1)
        assert panel.status_code == 200
    finally:
        server.stop()
        relay.stop()
