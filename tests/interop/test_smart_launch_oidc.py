"""smart_launch against oidc-provider: EHR and standalone launch with a public, a symmetric and a
private_key_jwt client; refresh; and what the server refuses (a wrong PKCE verifier, a redirect
URI that is not registered exactly, a code used twice) reported as smart_launch errors."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from smart_launch import AuthorizationError, SmartLaunchError, TokenRequestError
from tests.support.interop import TEST_REDIRECT, Servers

pytestmark = pytest.mark.interop

NEEDS = {"Patient": "rs", "Encounter": "rs", "QuestionnaireResponse": "crus"}
CONTEXT = {"patient": "pat-1", "encounter": "enc-1", "fhirUser": "Practitioner/prac-1",
           "need_patient_banner": False}


def authorize(url: str, redirect_uri: str = TEST_REDIRECT) -> dict[str, str]:
    """Follow the authorization server's redirects as a browser would, up to the redirect URI;
    return the parameters it carries (nothing at the redirect URI itself is fetched)."""
    browser = requests.Session()
    for _ in range(12):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        location = answer.headers.get("Location")
        assert answer.is_redirect and location, (answer.status_code, answer.text[:500])
        url = requests.compat.urljoin(url, location)
        if url.startswith(redirect_uri):
            return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    raise AssertionError("too many redirects")


@pytest.mark.parametrize("kind", ["public", "symmetric", "asymmetric"])
def test_ehr_launch_gives_the_launch_context_and_a_verified_fhir_user(servers: Servers, kind):
    client = servers.client(kind)
    url, pending = client.begin_launch(servers.hapi, launch=servers.new_launch(CONTEXT),
                                       needs=NEEDS)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["aud"] == [servers.hapi]
    context = client.complete_launch(pending, authorize(url))
    assert context.patient == "pat-1" and context.encounter == "enc-1"
    assert context.need_patient_banner is False
    assert context.fhir_user == f"{servers.hapi}/Practitioner/prac-1"  # from the id_token
    assert context.issuer == servers.oidc
    assert "patient/Encounter.rs" in str(context.scopes)
    assert context.access_token and context.refresh_token


@pytest.mark.parametrize("kind", ["public", "symmetric", "asymmetric"])
def test_standalone_launch_and_refresh_with_rotation(servers: Servers, kind):
    servers.set_standalone_context({"patient": "pat-2", "fhirUser": "Practitioner/prac-2"})
    client = servers.client(kind)
    url, pending = client.begin_launch(servers.hapi, launch=None, needs=NEEDS)
    assert "launch%2Fpatient" in url or "launch/patient" in url
    context = client.complete_launch(pending, authorize(url))
    assert context.patient == "pat-2" and context.encounter is None
    assert context.fhir_user == f"{servers.hapi}/Practitioner/prac-2"

    refreshed = client.refresh(context)
    assert refreshed.access_token != context.access_token
    assert refreshed.refresh_token and refreshed.refresh_token != context.refresh_token
    assert refreshed.patient == "pat-2"  # the context survives a refresh
    again = client.refresh(refreshed)
    assert again.access_token != refreshed.access_token

    # The rotated-out refresh token is refused by the server (smart_launch never resends it;
    # a second client instance does, as an attacker replaying it would).
    replay = servers.client(kind)
    with pytest.raises(TokenRequestError) as refused:
        replay.refresh(context)
    assert refused.value.code == "invalid_grant"


def _code_and_pending(servers: Servers, kind: str = "public"):
    client = servers.client(kind)
    url, pending = client.begin_launch(servers.hapi, launch=servers.new_launch(CONTEXT),
                                       needs=NEEDS)
    return client, pending, authorize(url)


def test_a_wrong_pkce_verifier_is_refused(servers: Servers):
    client, pending, params = _code_and_pending(servers)
    tampered = dataclasses.replace(pending, code_verifier="x" * 64)
    with pytest.raises(TokenRequestError) as refused:
        client.complete_launch(tampered, params)
    assert refused.value.code == "invalid_grant"
    assert refused.value.status_code == 400
    assert "invalid_grant" in str(refused.value)


def test_an_unregistered_redirect_uri_is_refused_before_any_code(servers: Servers):
    client = servers.client("public", redirect_uri="http://127.0.0.1:9/callback/other")
    url, pending = client.begin_launch(servers.hapi, launch=servers.new_launch(CONTEXT),
                                       needs=NEEDS)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    # oidc-provider must not redirect to an unregistered URI: it answers itself.
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_redirect_uri"
    assert not answer.is_redirect


def test_a_redirect_uri_differing_at_the_token_endpoint_is_refused(servers: Servers):
    client, pending, params = _code_and_pending(servers)
    other = servers.client("public", redirect_uri="http://127.0.0.1:9/callback/other")
    moved = dataclasses.replace(pending, redirect_uri="http://127.0.0.1:9/callback/other")
    with pytest.raises(TokenRequestError) as refused:
        other.complete_launch(moved, params)
    assert refused.value.code == "invalid_grant"


def test_a_code_is_single_use(servers: Servers):
    client, pending, params = _code_and_pending(servers)
    client.complete_launch(pending, params)
    # smart_launch itself refuses to reuse the state ...
    with pytest.raises(SmartLaunchError) as local:
        client.complete_launch(pending, params)
    assert local.value.code == "state_reused"
    # ... and the server refuses the code from another client instance (a replay).
    replay = servers.client("public")
    with pytest.raises(TokenRequestError) as refused:
        replay.complete_launch(pending, params)
    assert refused.value.code == "invalid_grant"


def test_an_unknown_launch_value_is_refused_with_a_clear_error(servers: Servers):
    client = servers.client("public")
    url, pending = client.begin_launch(servers.hapi, launch="not-a-launch", needs=NEEDS)
    params = authorize(url)
    assert params["error"] == "invalid_request"
    with pytest.raises(AuthorizationError) as refused:
        client.complete_launch(pending, params)
    assert "unknown launch" in str(refused.value)


def test_a_wrong_client_secret_is_refused(servers: Servers):
    client, pending, params = _code_and_pending(servers, "symmetric")
    wrong = servers.client("symmetric")
    wrong_config = dataclasses.replace(wrong.config, client_secret="not-the-secret")
    impostor = type(wrong)(wrong_config)
    with pytest.raises(TokenRequestError) as refused:
        impostor.complete_launch(pending, params)
    assert refused.value.code == "invalid_client"
    assert refused.value.status_code == 401


def test_a_secret_with_reserved_characters_is_refused_and_says_why(servers: Servers):
    """Known difference: smart_launch does not URL-encode client_id and secret before Basic
    (SMART's wording, what the sandbox and many EHRs expect); oidc-provider URL-decodes them
    (RFC 6749 section 2.3.1), so a secret with '%' cannot authenticate. Sites using such a
    server must register a secret of unreserved characters; the error says what went wrong."""
    client, pending, params = _code_and_pending(servers, "reserved")
    with pytest.raises(TokenRequestError) as refused:
        client.complete_launch(pending, params)
    assert refused.value.code == "invalid_request"
    assert "not properly encoded" in refused.value.message
