"""A grant table standing in for ehr_sandbox.auth.AuthServer in the sandbox's FHIR tests: tests
hand out bearer tokens for real AccessGrants. It is no authorization server (no discovery,
authorize or token endpoint, nothing signed); the tests that need one use the sandbox's own
(tests/ehr_sandbox/auth) or the fake in tests/support/smart_server.py.

Only the token check is faked; what a token allows is decided by the sandbox's own grant code
(ehr_sandbox.auth.AccessGrant and its SMART scope parser), so these tests exercise it. The real
AuthServer would cost each test an RSA key and an SQLite store for nothing these tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flask

from ehr_sandbox.auth import AccessGrant


def grant(*scopes: str, patient: str | None = None) -> AccessGrant:
    """What a verified token for `scopes` (bound to `patient`, if given) grants."""
    return AccessGrant(client_id="alliance-panel", subject="clinician", fhir_user=None,
                       scopes=frozenset(scopes), patient=patient, encounter=None,
                       expires_at=9e9)


@dataclass
class FakeAuth:
    """Stands in for AuthServer: tokens are handed out by tests, launches are recorded."""

    tokens: dict[str, AccessGrant] = field(default_factory=dict)
    launches: list[tuple[str, str | None, str]] = field(default_factory=list)

    def init_app(self, app: flask.Flask) -> None:
        app.add_url_rule("/auth/fake", "fake_auth", lambda: "fake")

    def smart_configuration(self) -> dict[str, Any]:
        return {
            "issuer": "http://ehr.test/auth",
            "authorization_endpoint": "http://ehr.test/auth/authorize",
            "token_endpoint": "http://ehr.test/auth/token",
            "capabilities": ["launch-ehr"],
        }

    def create_launch(self, patient: str, encounter: str | None, practitioner: str) -> str:
        self.launches.append((patient, encounter, practitioner))
        return f"launch-{len(self.launches)}"

    def verify_access_token(self, token: str) -> AccessGrant | None:
        return self.tokens.get(token)
