"""Test doubles for ehr_sandbox.auth: a grant that honours SMART scopes, and a fake server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import flask

_SCOPE = re.compile(r"(patient|user|system)/(\*|[A-Za-z]+)\.(read|write|\*|[cruds]+)")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}


@dataclass(frozen=True)
class FakeGrant:
    scopes: frozenset[str]
    patient: str | None = None
    encounter: str | None = None
    client_id: str = "alliance-panel"
    subject: str = "clinician"
    fhir_user: str | None = None
    expires_at: float = 9e9

    def allows(self, resource_type: str, interaction: str) -> bool:
        for scope in self.scopes:
            match = _SCOPE.fullmatch(scope)
            if match and match[2] in ("*", resource_type):
                if interaction in _V1.get(match[3], match[3]):
                    return True
        return False


def grant(*scopes: str, patient: str | None = None) -> FakeGrant:
    return FakeGrant(frozenset(scopes), patient=patient)


@dataclass
class FakeAuth:
    """Stands in for AuthServer: tokens are handed out by tests, launches are recorded."""

    tokens: dict[str, FakeGrant] = field(default_factory=dict)
    launches: list[tuple[str, str | None, str]] = field(default_factory=list)

    def init_app(self, app: flask.Flask) -> None:
        app.add_url_rule("/auth/fake", "fake_auth", lambda: "fake")

    def smart_configuration(self) -> dict:
        return {
            "issuer": "http://ehr.test/auth",
            "authorization_endpoint": "http://ehr.test/auth/authorize",
            "token_endpoint": "http://ehr.test/auth/token",
            "capabilities": ["launch-ehr"],
        }

    def create_launch(self, patient: str, encounter: str | None, practitioner: str) -> str:
        self.launches.append((patient, encounter, practitioner))
        return f"launch-{len(self.launches)}"

    def verify_access_token(self, token: str) -> FakeGrant | None:
        return self.tokens.get(token)
