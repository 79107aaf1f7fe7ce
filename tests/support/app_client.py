"""The app in the test's own process, behind Flask's test client, with the one EHR it allows
(``EHR``) answered by the fake transport: its SMART configuration and its CapabilityStatement.
For tests of what the app tells a browser; nothing behind the EHR's address answers more."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from plugin.web import create_app
from tests.support.fake_http import FakeTransport, fake_session

EHR = "https://ehr.example/fhir"
SMART_CONFIG = {
    "issuer": "https://ehr.example/auth",
    "authorization_endpoint": "https://ehr.example/auth/authorize",
    "token_endpoint": "https://ehr.example/auth/token",
    "jwks_uri": "https://ehr.example/auth/jwks",
    "capabilities": ["launch-ehr", "permission-v2", "sso-openid-connect"],
}


def app_over(public_url: str, tmp_path: Path) -> tuple[FlaskClient, FakeTransport]:
    """The app serving at `public_url` (its scheme decides the cookies), framed by the EHR's
    origin, keeping its data in `tmp_path`; and the transport its outbound requests reach."""
    http, transport = fake_session()
    transport.add("GET", f"{EHR}/.well-known/smart-configuration", (200, SMART_CONFIG))
    transport.add("GET", f"{EHR}/metadata", (200, {"resourceType": "CapabilityStatement"}))
    app = create_app({"public_url": public_url, "client_id": "c", "allowed_iss": EHR,
                      "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy", "development": True,
                      "data_dir": str(tmp_path), "frame_ancestors": "https://ehr.example"},
                     http=http)
    return app.test_client(), transport
