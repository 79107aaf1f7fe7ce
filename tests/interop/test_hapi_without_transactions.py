"""Our HAPI launcher's second FHIR base, /fhir-no-transaction: a FHIR server that takes batches
and single creates but refuses transaction Bundles, and says so in its CapabilityStatement, as some
FHIR stores do. The app's fallback for such servers is tested against it."""

from __future__ import annotations

import contextlib
import html
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
@contextlib.contextmanager
def app_behind_relay(handler: Any, servers: Any, hapi: str,
                     tmp_path: Path) -> Iterator[tuple[Any, str, str]]:
    """The app on a spare port, its EHR this HAPI through our relay (`handler` decides each
    request's fate), with quick outbox retries: yields (app, app URL, the iss to launch from)."""
    from plugin.recording.outbox import OutboxPolicy
    from plugin.web import create_app
    from tests.support.http_relay import Relay
    from tests.support.interop import CLIENT_IDS
    from tests.support.servers import LiveServer

    address = urlsplit(hapi)
    relay = Relay(f"{address.scheme}://{address.netloc}", handler).start()
    iss = f"{relay.url}{address.path}"
    port = servers.spare_ports[1]
    app = create_app({
        "public_url": f"http://127.0.0.1:{port}", "client_id": CLIENT_IDS["public"],
        "allowed_iss": iss,
        "secret_key": "no-transaction-" + "Zr5k-2PwN8mQx4vB7cLd1gHj6tFs9aYe3oUi0nRt",
        "development": True, "data_dir": str(tmp_path / "app")},
        outbox_policy=OutboxPolicy(first_retry=0.3, max_retry=2), outbox_interval=0.2)
    server = LiveServer(port=port).start(app)
    try:
        yield app, f"http://127.0.0.1:{port}", iss
    finally:
        server.stop()
        relay.stop()


class FailOnce:
    """Lets every request through except the `nth` create of `resource_type` and the app's
    quick retry of it: both are done by HAPI and then answered with a 503, a failure between
    the entries of one save that outlasts the request."""

    def __init__(self, resource_type: str, nth: int) -> None:
        self.resource_type, self.nth, self.seen, self.failed = resource_type, nth, 0, False

    def __call__(self, method: str, path: str) -> str:
        if method == "POST" and path.rstrip("/").endswith(f"/{self.resource_type}"):
            self.seen += 1
            if self.seen in (self.nth, self.nth + 1):
                self.failed = True
                return "after"
        return "forward"


def test_the_app_saves_entry_by_entry_once_even_after_a_failure_between_entries(
        servers, hapi_without_transactions: str, tmp_path) -> None:
    from tests.support.fault_clinic import Clinician, Tally, count_stored, drain, load_clinic

    hapi = hapi_without_transactions
    (plan,) = load_clinic(hapi, "notx", 1, 2)
    failing = FailOnce("Observation", nth=6)  # the 2nd save's 2nd Observation
    with app_behind_relay(failing, servers, hapi, tmp_path) as (app, app_url, iss):
        tally = Tally()
        clinician = Clinician(0, plan, app_url=lambda: app_url, iss=iss,
                              new_launch=servers.new_launch, hapi=hapi, tally=tally, seed=3)
        handle = clinician.launch(plan.encounters[0])
        panel = clinician.browser.get(f"{app_url}/panel/{handle}", timeout=30)
        first = clinician.save(handle, plan.encounters[0], "alliance-checkin-therapist")
        assert first.told == "saved"
        saved_panel = clinician.browser.get(
            f"{app_url}/panel/{handle}?saved=x", timeout=30)
        assert "Saved: the rating is in the patient's record" in html.unescape(saved_panel.text)
        # How it was sent is for the integrator: folded away from the clinician.
        assert re.search(r"<details[^>]*>\s*<summary>Details for your IT team</summary>\s*<p>"
                         r"[^<]*each part was sent on its own", saved_panel.text)
        second = clinician.save(handle, plan.encounters[0], "alliance-checkin-client")
        assert failing.failed and second.told == "queued"  # told the truth: not stored yet
        assert drain(app.extensions["alliance"].saving.outbox, 60) == []
        for save in (first, second):
            assert count_stored(hapi, save.submission_id) == (1, 4, 1)
        assert panel.status_code == 200


# -- a correction cut off part-way ---------------------------------------------------------------
class CutAt:
    """Cuts the first write (PUT or POST) to `resource_type` off after HAPI did it, and the
    app's quick retry too, so the correction stops part-way and the outbox must finish it.
    `armed` is set when the correction starts (the first save goes through untouched)."""

    def __init__(self, method: str, resource_type: str) -> None:
        self.method, self.resource_type = method, resource_type
        self.armed, self.cut = False, 0

    def __call__(self, method: str, path: str) -> str:
        segments = path.split("?")[0].strip("/").split("/")  # the FHIR base's, then the type
        target = segments[1] if len(segments) > 1 else ""
        if self.armed and method == self.method and target == self.resource_type \
                and self.cut < 2:
            self.cut += 1
            return "after"
        return "forward"


# One cut against HAPI, the one that leaves the most half-done (the response and a first score
# updated): about 35 s a case, and the suite keeps to its 15 minutes. Cuts at every other
# request are tests/plugin/recording/test_interrupted_changes.py, faked at the transport.
@pytest.mark.parametrize(("method", "resource_type"), [
    ("PUT", "Observation"),
])
def test_a_correction_cut_part_way_is_completed_once_by_the_outbox(
        servers, hapi_without_transactions: str, tmp_path, method: str,
        resource_type: str) -> None:
    import fhir_profiles
    from plugin.alliance import instrument_from_questionnaire, score_answers
    from plugin.audit.verify import RecordAuditor
    from plugin.fhir.client import FhirClient
    from plugin.fhir.record_resources import SUBMISSION_SYSTEM
    from tests.support.fault_clinic import ITEMS, Clinician, Tally, drain, load_clinic
    from tests.support.forms import read_form

    hapi = hapi_without_transactions
    (plan,) = load_clinic(hapi, f"cut-{resource_type.lower()}", 1, 1)
    cut = CutAt(method, resource_type)
    with app_behind_relay(cut, servers, hapi, tmp_path) as (app, app_url, iss):
        clinician = Clinician(0, plan, app_url=lambda: app_url, iss=iss,
                              new_launch=servers.new_launch, hapi=hapi, tally=Tally(), seed=5)
        encounter = plan.encounters[0]
        handle = clinician.launch(encounter)
        first = clinician.save(handle, encounter, "alliance-checkin-therapist")
        assert first.told == "saved"
        (qr,) = requests.get(f"{hapi}/QuestionnaireResponse", timeout=30, params={
            "identifier": f"{SUBMISSION_SYSTEM}|{first.submission_id}"}).json()["entry"]
        qr_id = qr["resource"]["id"]

        page = clinician.browser.get(f"{app_url}/panel/{handle}/responses/{qr_id}/correct",
                                     timeout=60)
        assert page.status_code == 200, page.text[:2000]
        corrected = {f"item-{i}": "4" for i in ITEMS} | {"item-task-2": "0"}
        form = {**read_form(page.text, page.url).hidden, **corrected,
                "reason": "Read the wrong column"}
        cut.armed = True
        told = clinician.browser.post(f"{app_url}/panel/{handle}/responses/{qr_id}/correct",
                                      data=form, timeout=90, allow_redirects=False)
        assert cut.cut == 2  # the cut happened, HAPI did the work twice-asked
        assert told.status_code == 303 and "queued=" in told.headers["Location"], told.text[:2000]
        waiting = clinician.browser.get(f"{app_url}{told.headers['Location']}", timeout=60)
        assert "Not stored yet" in waiting.text
        assert drain(app.extensions["alliance"].saving.outbox, 60) == []

        stored = requests.get(f"{hapi}/QuestionnaireResponse/{qr_id}", timeout=30).json()
        assert stored["status"] == "amended" and stored["meta"]["versionId"] == "2"
        observations = [e["resource"] for e in requests.get(
            f"{hapi}/Observation", timeout=30,
            params={"derived-from": f"QuestionnaireResponse/{qr_id}", "_count": "50"},
        ).json().get("entry", [])]
        instrument = instrument_from_questionnaire(
            fhir_profiles.questionnaire("alliance-checkin-therapist"))
        answers = {k.removeprefix("item-"): v for k, v in corrected.items()}
        expected = {c: round(s.sum, 4) for c, s in score_answers(instrument, answers)
                    .scales.items() if s.scored and s.sum is not None}
        live = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["value"]
                for o in observations if o["status"] != "entered-in-error"}
        assert len(observations) == 4 and live == expected  # no duplicate, none stale
        provenance = requests.get(f"{hapi}/Provenance", timeout=30, params={
            "target": f"QuestionnaireResponse/{qr_id}", "_summary": "count"}).json()["total"]
        assert provenance == 2  # the save's and the correction's, once each
        findings = RecordAuditor(FhirClient(hapi)).audit_response(stored)
        assert all(f.ok for f in findings), findings
        shown = clinician.browser.get(f"{app_url}/panel/{handle}", timeout=60).text
        current = shown.split('id="current-h"', 1)[1].split("</section>", 1)[0]
        assert f"Check-in {expected['total']:.0f} of 24, therapist" in current, current
        assert "Not stored yet" not in shown and "not yet stored" not in shown
