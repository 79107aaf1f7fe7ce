"""A standalone launch in a browser signed in to the sandbox's patient portal: the client
confirms themselves, and the grant's user is their Patient with their own record in context."""

from __future__ import annotations

from typing import Any

from ehr_sandbox.auth import AuthServer
from ehr_sandbox.auth.portal_user import PORTAL_COOKIE

from .helpers import BASE, exchange, form_fields, picker, redirect_query

PATIENT_SCOPES = "openid fhirUser launch/patient patient/Encounter.rs patient/Patient.r"


def test_a_client_signed_in_to_the_portal_confirms_themselves(client: Any,
                                                              auth: AuthServer) -> None:
    client.set_cookie(PORTAL_COOKIE, "pat-2")
    html, fields, verifier = picker(client, scope=PATIENT_SCOPES)
    assert "signed in to the patient portal as <strong>Bob Builder</strong>" in html
    assert 'name="practitioner"' not in html and 'name="patient"' not in html
    query = redirect_query(client.post("/auth/authorize",
                                       data={**fields, "decision": "patient"}))
    body = exchange(client, query["code"], verifier).get_json()
    assert body["patient"] == "pat-2" and "encounter" not in body
    assert body["need_patient_banner"] is True
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None and grant.fhir_user == f"{BASE}/fhir/Patient/pat-2"


def test_the_confirmed_patient_is_the_one_signed_in_never_one_named_in_the_form(
        client: Any) -> None:
    client.set_cookie(PORTAL_COOKIE, "pat-2")
    _, fields, verifier = picker(client, scope=PATIENT_SCOPES)
    query = redirect_query(client.post("/auth/authorize", data={
        **fields, "decision": "patient", "patient": "pat-1", "practitioner": "prac-1"}))
    assert exchange(client, query["code"], verifier).get_json()["patient"] == "pat-2"


def test_signed_out_meanwhile_the_confirmation_is_refused(client: Any) -> None:
    client.set_cookie(PORTAL_COOKIE, "pat-2")
    _, fields, _ = picker(client, scope=PATIENT_SCOPES)
    client.delete_cookie(PORTAL_COOKIE)
    refused = client.post("/auth/authorize", data={**fields, "decision": "patient"})
    assert refused.status_code == 400
    assert "Sign in to the patient portal first" in refused.get_data(as_text=True)


def test_a_cookie_naming_nobody_the_sandbox_knows_shows_the_practitioners_picker(
        client: Any) -> None:
    client.set_cookie(PORTAL_COOKIE, "pat-404")
    html, _, _ = picker(client, scope=PATIENT_SCOPES)
    assert '<label for="practitioner">' in html and "patient portal as" not in html


def test_a_practitioner_in_the_same_browser_can_still_choose_the_practitioners_picker(
        client: Any, auth: AuthServer) -> None:
    client.set_cookie(PORTAL_COOKIE, "pat-2")
    _, fields, verifier = picker(client, scope=PATIENT_SCOPES)
    page = client.post("/auth/authorize", data={**fields, "decision": "practitioner"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<label for="practitioner">' in html
    query = redirect_query(client.post("/auth/authorize", data={
        **form_fields(html), "practitioner": "prac-1", "patient": "pat-1",
        "decision": "approve"}))
    body = exchange(client, query["code"], verifier).get_json()
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None and grant.fhir_user == f"{BASE}/fhir/Practitioner/prac-1"
    assert body["patient"] == "pat-1"
