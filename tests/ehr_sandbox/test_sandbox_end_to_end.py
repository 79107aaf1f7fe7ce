"""The composed sandbox with the real authorization server: chart -> launch -> token -> FHIR."""

from __future__ import annotations

import base64
import hashlib
import secrets
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ehr_sandbox.settings import ClientRegistration

from .harness import FHIR, NOW, make_settings
from .resources import provenance, response

pytest.importorskip("ehr_sandbox.auth")

REDIRECT = "http://app.test/callback"


@pytest.fixture
def composed(tmp_path: Path):
    from ehr_sandbox import create_sandbox
    from ehr_sandbox.cohort import build_cohort

    settings = make_settings(tmp_path, clients=(
        ClientRegistration("alliance-panel", "public", (REDIRECT,)),))
    return create_sandbox(settings).test_client(), build_cohort(settings.seed, NOW)


def _token(client, launch: str) -> dict:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    authorize = client.get("/auth/authorize", query_string={
        "response_type": "code", "client_id": "alliance-panel", "redirect_uri": REDIRECT,
        "scope": "launch openid fhirUser patient/*.rs patient/QuestionnaireResponse.c "
                 "patient/Provenance.c",
        "state": secrets.token_urlsafe(16), "aud": FHIR, "launch": launch,
        "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256"})
    assert authorize.status_code == 302, authorize.get_data(as_text=True)
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token = client.post("/auth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": "alliance-panel", "code_verifier": verifier})
    assert token.status_code == 200, token.get_json()
    return token.get_json()


def test_a_chart_launch_gives_a_token_the_fhir_server_honours(composed) -> None:
    client, cohort = composed
    mine, other = cohort.patients[1], cohort.patients[2]
    assert client.get("/fhir/.well-known/smart-configuration").get_json()["token_endpoint"]
    html = client.get(f"/chart/{mine.patient_id}").get_data(as_text=True)
    start = html.index('<iframe src="') + len('<iframe src="')
    src = unescape(html[start:html.index('"', start)])
    launch = parse_qs(urlsplit(src).query)["launch"][0]
    body = _token(client, launch)
    assert (body["patient"], body["encounter"]) == (mine.patient_id, mine.today.encounter_id)
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get(f"/fhir/Encounter/{body['encounter']}", headers=headers).status_code == 200
    assert client.get(f"/fhir/Patient/{other.patient_id}", headers=headers).status_code == 403
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:q", "resource": response(mine.patient_id, body["encounter"]),
         "request": {"method": "POST", "url": "QuestionnaireResponse"}},
        {"resource": provenance("urn:uuid:q"), "request": {"method": "POST", "url": "Provenance"}},
    ]}
    stored = client.post("/fhir/", json=bundle, headers=headers)
    assert stored.status_code == 200, stored.get_json()
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                   "subject": {"reference": f"Patient/{mine.patient_id}"}}
    assert client.post("/fhir/Observation", json=observation, headers=headers).status_code == 403
