"""Findings 3, 5 and 12 (ids): no cookie jar shared between launches; paging links followed
only under the FHIR base after normalising their path; ids checked against FHIR's id syntax
before they enter a URL."""

from __future__ import annotations

import pytest
import requests

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError
from smart_launch import SmartLaunchError
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import launch_with, smart_client

from .app_harness import app_under_attack, searchset

# -- finding 3: one cookie jar for every launch ------------------------------------------------


def test_a_cookie_from_launch_a_is_not_replayed_on_launch_b(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    app.ehr.token_headers["Set-Cookie"] = "lb=launch-a-affinity; Path=/"
    app.launch()  # launch A: the EHR's balancer sets a cookie on the token response
    app.ehr.token_headers.clear()
    server.received.clear()

    other = app.browser()  # launch B, another clinician: its token request and its panel
    handle_b = app.launch(other)
    assert other.get(f"/panel/{handle_b}").status_code == 200

    assert {r.path for r in server.received} >= {"/token", "/fhir"}
    carried = [(r.method, r.path) for r in server.received if r.cookie]
    assert carried == [], f"launch A's cookie was sent on {carried}"


def test_smart_client_and_fhir_client_keep_no_cookies(hostile):
    ehr = on_socket(hostile())
    ehr.token_headers["Set-Cookie"] = "waf=seen; Path=/"
    ehr.server.json("GET", "/fhir/Patient/p1", {"resourceType": "Patient", "id": "p1"},
                    headers={"Set-Cookie": "fhir=seen; Path=/"})
    shared = requests.Session()  # one session for every launch, as the app has
    client = smart_client(shared)
    launch_with(client, ehr)
    FhirClient(ehr.iss, http=shared).read("Patient", "p1")
    launch_with(client, ehr)
    FhirClient(ehr.iss, http=shared).read("Patient", "p1")

    assert [r.path for r in ehr.server.received if r.cookie] == []
    assert len(shared.cookies) == 0


# -- finding 5: paging links checked by a string prefix ----------------------------------------


@pytest.mark.parametrize("link", [
    "{base}/../internal/admin",
    "{base}/%2e%2e/internal/admin",
    "{base}/..%2finternal/admin",
    "{origin}/fhir-admin/x",
    "{origin}/fhir/../fhir-admin/x",
])
def test_paging_link_outside_the_base_is_not_followed(hostile, link):
    server = hostile()
    base = f"{server.url}/fhir"
    next_url = link.format(base=base, origin=server.url)
    server.json("GET", "/fhir/Encounter", searchset({"resourceType": "Encounter", "id": "e1"},
                                                    next_url=next_url))
    for path in ("/internal/admin", "/fhir-admin/x"):
        server.json("GET", path, searchset({"resourceType": "Encounter", "id": "secret"}))
    client = FhirClient(base, token=lambda: "bearer-secret", http=requests.Session())

    with pytest.raises(FhirError) as refused:
        client.search("Encounter", {"patient": "p1"})

    assert refused.value.code.endswith("unsafe_url")
    assert [r.path for r in server.received] == ["/fhir/Encounter"]


def test_paging_links_under_the_base_are_followed(hostile):
    server = hostile()
    base = f"{server.url}/fhir"
    server.json("GET", "/fhir/Encounter", searchset(
        {"resourceType": "Encounter", "id": "e1"}, next_url=f"{base}?_getpages=abc&page=2"))
    server.json("GET", "/fhir", searchset({"resourceType": "Encounter", "id": "e2"},
                                          next_url=f"{base}/Encounter/./?page=3"))
    server.json("GET", "/fhir/Encounter/", searchset({"resourceType": "Encounter", "id": "e3"}))
    client = FhirClient(base, http=requests.Session())
    assert [e["id"] for e in client.search("Encounter")] == ["e1", "e2", "e3"]


def test_paging_link_outside_the_base_is_not_followed_by_the_panel(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    app.fhir.searches["Encounter"] = searchset(next_url=f"{app.ehr.iss}/../internal/admin")
    server.json("GET", "/internal/admin", searchset())
    handle = app.launch()

    page = app.clinician.get(f"/panel/{handle}")

    assert page.status_code == 502
    assert server.requests_to("/internal/admin") == []


# -- finding 12: ids go into URLs unchecked ----------------------------------------------------


@pytest.mark.parametrize("patient", ["p1?_id=p2", "p1%3F_id=p2", "../Patient/p2", "p1/x", "a" * 65])
def test_a_patient_id_that_is_not_a_fhir_id_ends_the_launch(hostile, patient):
    ehr = on_socket(hostile())
    ehr.token_extra["patient"] = patient
    with pytest.raises(SmartLaunchError) as refused:
        launch_with(smart_client(), ehr)
    assert refused.value.code == "invalid_context"


@pytest.mark.parametrize("encounter", ["e1?status=finished", "e1#x", ""])
def test_an_encounter_id_is_checked_too(hostile, encounter):
    ehr = on_socket(hostile())
    ehr.token_extra["encounter"] = encounter
    if encounter == "":
        assert launch_with(smart_client(), ehr).encounter is None
        return
    with pytest.raises(SmartLaunchError, match="invalid_context"):
        launch_with(smart_client(), ehr)


def test_a_bad_patient_id_from_the_ehr_never_reaches_a_fhir_url(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    app.ehr.token_extra["patient"] = "p1?_id=p2"
    browser = app.browser()
    answer = app.finish(browser, app.start(browser))
    assert answer.status_code == 400
    assert "not a FHIR id" in answer.get_data(as_text=True)
    assert app.fhir.batches == []


def test_a_record_id_with_an_escaped_question_mark_is_not_turned_into_a_search(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    handle = app.launch()

    page = app.clinician.get(f"/panel/{handle}/responses/x%3Fsubject=Patient%252Fp2")

    assert page.status_code == 404  # refused before any request
    assert "This rating could not be found" in page.get_data(as_text=True)
    sent = [url for batch in app.fhir.batches for url in batch]
    assert not any("?subject=" in url and url.startswith("QuestionnaireResponse/") for url in sent)


@pytest.mark.parametrize("entry", ["QuestionnaireResponse/x?subject=Patient/p2",
                                   "Patient/../Practitioner/1", "Patient/a%2Fb", "patient/1",
                                   "Patient/1/$everything", "http://elsewhere/Patient/1"])
def test_fhir_client_refuses_batch_entries_that_are_not_reads_or_searches(hostile, entry):
    server = hostile()
    client = FhirClient(f"{server.url}/fhir", http=requests.Session())
    with pytest.raises(FhirError, match="not sent"):
        client.batch(["Patient/p1", entry])
    assert server.received == []


@pytest.mark.parametrize("rid", ["x?y", "../p2", "a/b", "", "é"])
def test_fhir_client_refuses_ids_outside_fhir_syntax(hostile, rid):
    server = hostile()
    client = FhirClient(f"{server.url}/fhir", http=requests.Session())
    with pytest.raises(FhirError):
        client.read("Patient", rid)
    with pytest.raises(FhirError):
        client.history("QuestionnaireResponse", rid)
    assert server.received == []
