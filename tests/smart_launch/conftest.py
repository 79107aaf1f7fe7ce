"""Fixtures for smart_launch tests; the fakes themselves live in fakes.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from smart_launch import SmartClient

from .fakes import T0, FakeClock, FakeEHR, FakeTransport, make_client


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
def ehr(transport: FakeTransport, clock: FakeClock) -> FakeEHR:
    return FakeEHR(transport, clock)


@pytest.fixture
def client(http: requests.Session, clock: FakeClock, ehr: FakeEHR) -> SmartClient:
    result: SmartClient = make_client(http, clock)
    return result
