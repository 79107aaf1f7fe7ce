"""The project's own SMART client (smart_launch), over real HTTP, against this server.

Written by another hand from the spec, it checks what the unit tests assume about the wire.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
import requests
from werkzeug.serving import make_server

from ehr_sandbox.auth import AuthServer
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from smart_launch import ClientConfig, SmartClient, generate_private_key_pem, load_signing_key

from .helpers import REDIRECT, FakeDirectory

SECRET = "pa:ss%20word"


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[str, AuthServer, bytes]]:
    holder: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start),
                         threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    pem = generate_private_key_pem("ES384")
    jwks = {"keys": [load_signing_key(pem, "ES384", "k1").public_jwk()]}
    settings = SandboxSettings(base_url=base, app_launch_url="https://app.example/launch",
                               db_path=tmp_path / "sandbox.db", clients=(
        ClientRegistration("pub", "public", (REDIRECT,)),
        ClientRegistration("sym", "symmetric", (REDIRECT,), secret=SECRET),
        ClientRegistration("svc", "asymmetric", (), jwks=jwks)))
    auth = AuthServer(settings, FakeDirectory())
    app = flask.Flask(__name__)
    auth.init_app(app)
    app.add_url_rule("/fhir/.well-known/smart-configuration", "smart",
                     lambda: flask.jsonify(auth.smart_configuration()))
    holder["app"] = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, auth, pem
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize("config", [ClientConfig("pub", REDIRECT),
                                    ClientConfig("sym", REDIRECT, client_secret=SECRET)])
def test_ehr_launch_and_refresh(served: tuple[str, AuthServer, bytes],
                                config: ClientConfig) -> None:
    base, auth, _ = served
    client = SmartClient(config, timeout=5)
    launch = auth.create_launch("pat-1", "enc-2", "prac-2")
    url, pending = client.begin_launch(f"{base}/fhir", launch=launch,
                                       needs={"Encounter": "rs", "QuestionnaireResponse": "cu"})
    response = requests.get(url, allow_redirects=False, timeout=5)
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    context = client.complete_launch(pending, params)
    assert (context.patient, context.encounter) == ("pat-1", "enc-2")
    assert context.fhir_user == f"{base}/fhir/Practitioner/prac-2"
    grant = auth.verify_access_token(context.access_token)
    assert grant is not None and grant.allows("QuestionnaireResponse", "c")

    refreshed = client.refresh(context)
    assert refreshed.refresh_token != context.refresh_token
    assert (refreshed.patient, refreshed.encounter) == ("pat-1", "enc-2")
    assert auth.verify_access_token(refreshed.access_token) is not None


def test_backend_services(served: tuple[str, AuthServer, bytes]) -> None:
    base, auth, pem = served
    client = SmartClient(ClientConfig("svc", REDIRECT, private_key_pem=pem,
                                      private_key_alg="ES384", key_id="k1"), timeout=5)
    tokens = client.backend_token(f"{base}/fhir", ["system/Patient.rs"])
    grant = auth.verify_access_token(tokens.access_token)
    assert grant is not None and grant.client_id == "svc" and grant.allows("Patient", "r")
