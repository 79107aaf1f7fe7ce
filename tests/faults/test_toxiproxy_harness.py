"""Each fault the harness offers does what it says, against a trivial HTTP server.

The fault runs (tests/interop, benchmarks/) trust these toxics to happen; here each one is
shown to happen: latency delays, reset_peer resets, timeout withholds, the 503 injector
answers 503 in seeded bursts, before or after the upstream did the work."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.support.servers import LiveServer
from tests.support.toxiproxy import BurstSchedule, Http503Injector, Toxiproxy


class Counter:
    """A trivial server: answers "pong N" and counts the requests that reached it."""

    def __init__(self) -> None:
        self.hits = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            self.hits += 1
            body = f"pong {self.hits}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def upstream() -> Iterator[tuple[LiveServer, Counter]]:
    counter = Counter()
    server = LiveServer().start(counter)
    yield server, counter
    server.stop()


@pytest.fixture
def proxied(toxiproxy: Toxiproxy, upstream: tuple[LiveServer, Counter],
            request: pytest.FixtureRequest):
    server, counter = upstream
    proxy = toxiproxy.proxy(request.node.name[:40], server.url)
    yield proxy, counter
    proxy.clear()


def fresh_get(url: str, timeout: float = 5.0) -> requests.Response:
    """One request on its own connection (toxicity is drawn per connection)."""
    return requests.get(url, timeout=timeout, headers={"Connection": "close"})


def test_a_proxy_without_toxics_relays(proxied) -> None:
    proxy, counter = proxied
    assert fresh_get(proxy.url).text == "pong 1"
    assert counter.hits == 1


def test_latency_delays_the_answer_and_goes_when_removed(proxied) -> None:
    proxy, _ = proxied
    toxic = proxy.latency(400)
    started = time.monotonic()
    assert fresh_get(proxy.url).status_code == 200
    assert time.monotonic() - started >= 0.4
    proxy.remove_toxic(toxic)
    assert requests.get(f"{proxy.api}/proxies/{proxy.name}/toxics", timeout=5).json() == []
    assert fresh_get(proxy.url).status_code == 200


def test_reset_peer_cuts_every_connection(proxied) -> None:
    proxy, _ = proxied
    proxy.reset_peer()
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            fresh_get(proxy.url)
    proxy.clear()
    assert fresh_get(proxy.url).status_code == 200


def test_reset_peer_with_partial_toxicity_cuts_some_connections(proxied) -> None:
    proxy, _ = proxied
    proxy.reset_peer(toxicity=0.5)
    outcomes = []
    for _ in range(40):
        try:
            outcomes.append(fresh_get(proxy.url).status_code)
        except requests.ConnectionError:
            outcomes.append("reset")
    assert 0 < outcomes.count("reset") < 40
    assert 200 in outcomes


def test_timeout_withholds_the_request(proxied) -> None:
    proxy, counter = proxied
    proxy.timeout()  # the request never arrives; the connection stays open
    with pytest.raises(requests.ReadTimeout):
        fresh_get(proxy.url, timeout=0.5)
    assert counter.hits == 0


def test_a_downstream_timeout_loses_the_answer_after_the_work_was_done(proxied) -> None:
    proxy, counter = proxied
    proxy.timeout(after_ms=200, stream="downstream")
    with pytest.raises(requests.ConnectionError) as raised:
        fresh_get(proxy.url, timeout=5)
    assert not isinstance(raised.value, requests.ReadTimeout)  # closed, without an answer
    assert counter.hits == 1


def test_the_503_schedule_is_fixed_by_its_seed_and_comes_in_bursts() -> None:
    def draws(seed: int) -> list[bool]:
        schedule = BurstSchedule(rate=0.3, mean_burst=4, seed=seed)
        return [schedule.next() for _ in range(5000)]

    first = draws(11)
    assert first == draws(11)
    assert first != draws(12)
    share = sum(first) / len(first)
    assert 0.25 < share < 0.35
    bursts = [len(list(run)) for bad, run in itertools.groupby(first) if bad]
    assert sum(bursts) / len(bursts) > 2.5  # bursts, not scattered single failures
    assert not any(BurstSchedule(rate=0.0, mean_burst=4, seed=1).next() for _ in range(500))


def test_the_503_injector_refuses_without_reaching_the_upstream(
        upstream: tuple[LiveServer, Counter]) -> None:
    server, counter = upstream
    injector = Http503Injector(server.url, rate=0.3, seed=5).start()
    try:
        answers = [requests.get(f"{injector.url}/x", timeout=5) for _ in range(200)]
    finally:
        injector.stop()
    refused = [a for a in answers if a.status_code == 503]
    assert len(refused) == injector.counts["refused"]
    assert 30 < len(refused) < 90
    assert all(a.headers["Retry-After"] == "1" for a in refused)
    assert counter.hits == 200 - len(refused)  # a refused request never arrived
    expected = BurstSchedule(rate=0.3, mean_burst=4.0, seed=5)
    assert [a.status_code == 503 for a in answers] == [expected.next() for _ in answers]


def test_the_503_injector_can_answer_503_after_the_upstream_did_the_work(
        upstream: tuple[LiveServer, Counter]) -> None:
    server, counter = upstream
    injector = Http503Injector(server.url, rate=0.5, seed=3, after_share=1.0).start()
    try:
        answers = [requests.post(f"{injector.url}/x", data=b"{}", timeout=5)
                   for _ in range(60)]
    finally:
        injector.stop()
    assert counter.hits == 60  # every request arrived ...
    lost = sum(a.status_code == 503 for a in answers)
    assert lost == injector.counts["done_then_refused"] > 0  # ... some answers did not


def test_the_injector_in_front_of_a_toxic_proxy(proxied) -> None:
    """The fault runs' chain: client -> 503 injector -> Toxiproxy -> server."""
    proxy, counter = proxied
    proxy.latency(50)
    injector = Http503Injector(proxy.url, rate=0.3, seed=9).start()
    try:
        statuses = [requests.get(injector.url, timeout=5).status_code for _ in range(30)]
    finally:
        injector.stop()
    assert set(statuses) == {200, 503}
    assert counter.hits == statuses.count(200)


def test_an_upstream_reset_becomes_a_502_from_the_injector(proxied) -> None:
    proxy, _ = proxied
    proxy.reset_peer()
    injector = Http503Injector(proxy.url, rate=0.0, seed=1).start()
    try:
        assert requests.get(injector.url, timeout=5).status_code == 502
    finally:
        injector.stop()
