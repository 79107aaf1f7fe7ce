"""Fixtures for the sandbox authorization server tests; the helpers live in helpers.py."""

from __future__ import annotations

from typing import Any

import flask
import pytest

from ehr_sandbox.auth import AuthServer
from ehr_sandbox.settings import SandboxSettings

from .helpers import ClientKeys, FakeClock, FakeDirectory, make_settings


@pytest.fixture(scope="session")
def client_keys() -> ClientKeys:
    return ClientKeys()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_795_000_000.0)


@pytest.fixture
def jwks_fetches() -> list[str]:
    return []


@pytest.fixture
def settings(tmp_path: Any, clock: FakeClock, client_keys: ClientKeys) -> SandboxSettings:
    return make_settings(tmp_path, clock, client_keys)


@pytest.fixture
def auth(settings: SandboxSettings, client_keys: ClientKeys,
         jwks_fetches: list[str]) -> AuthServer:
    def fetch(uri: str) -> dict[str, Any]:
        jwks_fetches.append(uri)
        return client_keys.public_jwks()

    return AuthServer(settings, FakeDirectory(), fetch_jwks=fetch)


@pytest.fixture
def client(auth: AuthServer) -> flask.testing.FlaskClient:
    app = flask.Flask(__name__)
    auth.init_app(app)
    return app.test_client()


