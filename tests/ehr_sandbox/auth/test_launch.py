"""EHR launch context and the standalone picker."""

from __future__ import annotations

from typing import Any

from ehr_sandbox.auth import AuthServer

from .helpers import (
    BASE,
    STANDALONE,
    authorize_params,
    exchange,
    form_fields,
    picker,
    pkce,
    redirect_query,
)


def test_ehr_launch_context_in_token_response(client: Any, auth: AuthServer) -> None:
    launch = auth.create_launch("pat-1", "enc-1", "prac-1")
    verifier, challenge = pkce()
    query = redirect_query(client.get("/auth/authorize", query_string=authorize_params(
        launch=launch, code_challenge=challenge, code_challenge_method="S256")))
    body = exchange(client, query["code"], verifier).get_json()
    assert body["patient"] == "pat-1"
    assert body["encounter"] == "enc-1"
    assert body["need_patient_banner"] is False  # inside the chart, whose banner shows
    assert body["smart_style_url"] == f"{BASE}/auth/smart-style.json"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"launch", "openid", "fhirUser", "patient/*.rs",
                                          "offline_access"}
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None
    assert (grant.patient, grant.encounter, grant.subject) == ("pat-1", "enc-1", "prac-1")
    assert grant.fhir_user == f"{BASE}/fhir/Practitioner/prac-1"
    assert grant.allows("Encounter", "r") and not grant.allows("Encounter", "c")


def test_launch_without_launch_scope_gives_no_patient(client: Any, auth: AuthServer) -> None:
    launch = auth.create_launch("pat-1", "enc-1", "prac-1")
    verifier, challenge = pkce()
    query = redirect_query(client.get("/auth/authorize", query_string=authorize_params(
        scope="openid fhirUser user/*.rs", launch=launch, code_challenge=challenge,
        code_challenge_method="S256")))
    body = exchange(client, query["code"], verifier).get_json()
    assert "patient" not in body and "encounter" not in body
    assert "refresh_token" not in body  # neither offline_access nor online_access asked


def test_standalone_picker_page(client: Any) -> None:
    html, fields, _ = picker(client)
    assert '<label for="practitioner">' in html and '<label for="patient">' in html
    assert '<label for="encounter">' in html
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html and "<b>Lovelace" not in html
    assert "Dr. Who &amp; Co" in html
    assert fields["consent_ticket"] and fields["scope"] == STANDALONE


def test_picker_without_encounter_scope_asks_no_encounter(client: Any) -> None:
    html, _, _ = picker(client, scope="openid fhirUser launch/patient patient/*.rs")
    assert '<label for="patient">' in html and 'name="encounter"' not in html


def test_standalone_flow(client: Any, auth: AuthServer) -> None:
    _, fields, verifier = picker(client)
    response = client.post("/auth/authorize", data={
        **fields, "practitioner": "prac-2", "patient": "pat-2", "encounter": "enc-9",
        "decision": "approve"})
    query = redirect_query(response)
    assert query["state"] == "st-123" and query["iss"] == f"{BASE}/auth"
    body = exchange(client, query["code"], verifier).get_json()
    assert (body["patient"], body["encounter"]) == ("pat-2", "enc-9")
    assert body["need_patient_banner"] is True
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None and grant.subject == "prac-2"


def test_picker_refuses_an_encounter_of_another_patient(client: Any) -> None:
    _, fields, _ = picker(client)
    response = client.post("/auth/authorize", data={
        **fields, "practitioner": "prac-1", "patient": "pat-2", "encounter": "enc-1",
        "decision": "approve"})
    assert response.status_code == 400
    assert "Choose an encounter" in response.get_data(as_text=True)


def test_picker_refuses_unknown_practitioner(client: Any) -> None:
    _, fields, _ = picker(client)
    response = client.post("/auth/authorize", data={
        **fields, "practitioner": "prac-x", "patient": "pat-1", "encounter": "enc-1",
        "decision": "approve"})
    assert response.status_code == 400


def test_picker_ticket_is_single_use_and_bound_to_the_request(client: Any) -> None:
    _, fields, _ = picker(client)
    choice = {"practitioner": "prac-1", "patient": "pat-1", "encounter": "enc-1",
              "decision": "approve"}
    tampered = {**fields, **choice, "scope": "openid fhirUser launch/patient user/*.cruds"}
    assert client.post("/auth/authorize", data=tampered).status_code == 400
    assert redirect_query(client.post("/auth/authorize", data={**fields, **choice}))["code"]
    assert client.post("/auth/authorize", data={**fields, **choice}).status_code == 400
    forged = {**fields, **choice, "consent_ticket": "forged"}
    assert client.post("/auth/authorize", data=forged).status_code == 400


def test_picker_deny(client: Any) -> None:
    _, fields, _ = picker(client)
    response = client.post("/auth/authorize", data={**fields, "decision": "deny"})
    query = redirect_query(response)
    assert query["error"] == "access_denied" and "code" not in query


def test_picker_escapes_request_parameters(client: Any) -> None:
    _, challenge = pkce()
    hostile = '"><script>alert(1)</script>'
    response = client.get("/auth/authorize", query_string=authorize_params(
        scope=STANDALONE, code_challenge=challenge, code_challenge_method="S256",
        state=hostile))
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    assert form_fields(html)["state"] == hostile
    assert response.headers["Cache-Control"] == "no-store"
