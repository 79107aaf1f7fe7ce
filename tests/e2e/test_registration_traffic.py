"""`alliance registration` against what the app really sends: a launch, panel views, a save, a
correction and a record page against the sandbox EHR (records in the EHR, and in a companion
store). Every request recorded is in the registration, and every entry the flow should meet was
seen; the authorize request's scopes and the backend token's scopes are the ones listed."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from plugin.deploy.interactions import EHR, INTERACTIONS, RARE, RECORDS, Key, key_of
from plugin.deploy.registration import registrations
from tests.support.launched import ANSWERS, THERAPIST, filled, open_launch, saved_id


def run_flow(dep) -> list[str]:
    """The flow; returns the scope of the authorize request the launch redirected to."""
    run = open_launch(dep)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    correct = run.get(f"/responses/{qr_id}/correct")
    done = run.post(f"/responses/{qr_id}/correct",
                    filled(correct, {**ANSWERS, "goal-1": "0"}, reason="Mis-clicked item 1"))
    assert done.status_code == 303, done.text[:800]
    assert run.get(f"/responses/{qr_id}").status_code == 200
    assert run.get("").status_code == 200
    return run.authorize_scope


def keys_sent(dep, base: str) -> set[Key]:
    """Each request to ``base`` and each entry of the Bundles posted there, as keys."""
    found: set[Key] = set()
    for exchange in dep.http.exchanges:
        url = exchange.url.split("?")[0]
        if not (url == base or url.startswith(f"{base}/")):
            continue
        relative = exchange.url[len(base):].lstrip("/")
        if exchange.method == "POST" and not relative:
            bundle = json.loads(exchange.body)
            found.add(key_of("POST", "", bundle_type=bundle["type"]))
            for entry in bundle["entry"]:
                request = entry["request"]
                found.add(key_of(request["method"], request["url"],
                                 request.get("ifNoneExist", "")))
        else:
            found.add(key_of(exchange.method, relative))
    return found


def expected(servers: set[str], *, leave_out: frozenset[str] = frozenset()) -> set[Key]:
    return {i.key for i in INTERACTIONS if i.server in servers
            and not set(i.flows) <= (RARE | leave_out)}


def declared(servers: set[str]) -> set[Key]:
    return {i.key for i in INTERACTIONS if i.server in servers}


def the_registration(dep):
    settings = dep.flask_app.extensions["alliance"].settings
    (found,) = registrations(settings)
    return found


def test_the_registration_is_what_the_app_sends_with_records_in_the_ehr(deploy):
    dep = deploy()
    scope = run_flow(dep)
    sent = keys_sent(dep, dep.iss)
    assert sent <= declared({EHR, RECORDS}), sent - declared({EHR, RECORDS})
    assert expected({EHR, RECORDS}) <= sent, expected({EHR, RECORDS}) - sent
    registration = the_registration(dep)
    assert scope == registration.scopes["v2"]  # the sandbox offers v2
    assert registration.client_type == "public" and registration.jwks_url is None
    assert registration.redirect_uri == f"{dep.app.url}/callback"
    assert registration.launch_url == dep.sandbox_settings.app_launch_url


def test_the_registration_is_what_the_app_sends_with_a_companion_store(deploy):
    dep = deploy(client_kind="asymmetric", companion=True,
                 ehr_writable=frozenset({"Observation", "Provenance"}))  # no QR: companion
    scope = run_flow(dep)
    assert keys_sent(dep, dep.iss) <= declared({EHR})
    assert expected({EHR}) <= keys_sent(dep, dep.iss)
    companion = keys_sent(dep, dep.companion_fhir)
    assert companion <= declared({RECORDS}), companion - declared({RECORDS})
    assert expected({RECORDS}) <= companion, expected({RECORDS}) - companion
    registration = the_registration(dep)
    assert scope == registration.scopes["v2"]
    assert registration.client_type == "confidential asymmetric"
    assert registration.jwks_url == f"{dep.app.url}/.well-known/jwks.json"
    assert registration.backend is not None
    tokens = [e for e in dep.http.exchanges if e.url.startswith(dep.companion.url)
              and e.url.endswith("/token")]
    assert tokens
    for token in tokens:
        form = parse_qs(token.body)
        assert form["grant_type"] == ["client_credentials"]
        assert form["scope"][0].split() == registration.backend.scopes
