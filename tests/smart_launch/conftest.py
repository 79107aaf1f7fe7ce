"""Fixtures for smart_launch tests: the one fake authorization server (tests/support/
smart_server.py) behind the fake transport, with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from smart_launch import SmartClient
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import on_transport
from tests.support.smart_launches import smart_client
from tests.support.smart_server import SmartServer

T0 = 1_795_000_000.0  # late November 2026


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def transport() -> Iterator[FakeTransport]:
    fake = FakeTransport()
    yield fake
    # Every outbound request, in every test, carried a timeout.
    assert all(r.timeout is not None for r in fake.requests), fake.requests


@pytest.fixture
def http(transport: FakeTransport) -> requests.Session:
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session


@pytest.fixture
def ehr(transport: FakeTransport, clock: FakeClock) -> SmartServer:
    server = on_transport(transport, clock=clock)
    # Endpoints in the relative forms servers send (to the FHIR base, to the host): every
    # launch here resolves them.
    server.config.update(authorization_endpoint="../auth/authorize", token_endpoint="/token")
    server.user = {"sub": "u-1", "fhirUser": "Practitioner/pr-7"}
    server.context = {
        "scope": "launch openid fhirUser offline_access patient/Patient.r "
                 "patient/Encounter.rs patient/QuestionnaireResponse.cruds",
        "patient": "pat-123", "encounter": "enc-456", "need_patient_banner": False,
        "smart_style_url": "https://ehr.example.org/style.json", "tenant": "t-1",
        "intent": "record-alliance",
        "fhirContext": [{"reference": "Encounter/enc-456"}, {"type": "Questionnaire"}],
    }
    return server


@pytest.fixture
def client(http: requests.Session, clock: FakeClock, ehr: SmartServer) -> SmartClient:
    return smart_client(http, clock=clock)
