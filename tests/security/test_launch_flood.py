"""Issue 20, row 4: the bounds on pending launches hold against a flood without starving a
clinic. The addresses of one IPv6 /64 are one client; past the total bound each client gets a
share, the heaviest refused first, so 5,400 launches from 180 addresses (the issue's flood)
leave a clinic at one address launching, while the store's own bound still holds."""

from __future__ import annotations

import importlib

from plugin.launch.errors import LaunchBusy, LaunchLimited
from plugin.launch.pending import (
    MAX_PENDING_PER_ADDRESS,
    MAX_PENDING_TOTAL,
    client_prefix,
    count_pending,
)

from .app_harness import app_under_attack


class Counters:
    """The one part of a session store the bounds use: counters in one window."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def incr(self, kind: str, key: str, ttl: float) -> int:
        self.counts[(kind, key)] = self.counts.get((kind, key), 0) + 1
        return self.counts[(kind, key)]


def admitted(store: Counters, address: str) -> str:
    try:
        count_pending(store, address)  # type: ignore[arg-type]
    except LaunchBusy:
        return "503"
    except LaunchLimited:
        return "429"
    return "ok"


def test_the_addresses_of_one_ipv6_64_count_as_one_client():
    assert client_prefix("2001:db8:1:2::17") == client_prefix("2001:db8:1:2:ffff::1")
    assert client_prefix("2001:db8:1:2::17") != client_prefix("2001:db8:1:3::17")
    assert client_prefix("::ffff:198.51.100.7") == "198.51.100.7"
    store = Counters()
    results = [admitted(store, f"2001:db8:1:2::{i:x}") for i in range(1, 181)]
    assert results.count("ok") == MAX_PENDING_PER_ADDRESS
    assert results[MAX_PENDING_PER_ADDRESS:] == ["429"] * (180 - MAX_PENDING_PER_ADDRESS)


def test_the_issues_flood_from_180_addresses_does_not_starve_a_clinic():
    store = Counters()
    flood = [f"203.0.{i // 200}.{i % 200 + 1}" for i in range(180)]  # 180 IPv4 clients
    results = [admitted(store, address)
               for _ in range(MAX_PENDING_PER_ADDRESS) for address in flood]
    assert len(results) == 5_400 > MAX_PENDING_TOTAL
    assert "503" in results  # past the total, the heaviest clients were refused
    clinic = [admitted(store, "198.51.100.7") for _ in range(20)]
    assert clinic == ["ok"] * 20


def test_past_the_total_each_client_keeps_at_least_its_share():
    store = Counters()
    flood = [f"2001:db8:{i:x}::1" for i in range(500)]  # 500 /64s, 30 launches each
    results = [admitted(store, address)
               for _ in range(MAX_PENDING_PER_ADDRESS) for address in flood]
    share = MAX_PENDING_TOTAL // len(flood)  # 10
    assert results[: share * len(flood)].count("ok") == share * len(flood)
    assert results.count("ok") < len(results)
    clinic = [admitted(store, "198.51.100.7") for _ in range(share)]
    assert clinic[: share - 1] == ["ok"] * (share - 1)  # the share, less its own launches


def test_the_store_bound_holds_whatever_the_number_of_clients():
    store = Counters()
    flood = [f"2001:db8:{i:x}::1" for i in range(2_000)]  # 60,000 launches from 2,000 /64s
    results = [admitted(store, address)
               for _ in range(MAX_PENDING_PER_ADDRESS) for address in flood]
    assert results.count("ok") <= 10 * MAX_PENDING_TOTAL


def test_a_clinic_launches_through_the_app_during_a_flood(hostile, tmp_path, monkeypatch):
    """The flood of the issue scaled to a total of 100: 120 launches from 4 clients."""
    flooders = 4
    pending = importlib.import_module("plugin.launch.pending")
    monkeypatch.setattr(pending, "MAX_PENDING_TOTAL", 100)
    app = app_under_attack(hostile(), tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    attacker = app.flask.test_client()
    statuses = [attacker.get("/launch", query_string=params,
                             environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
                for _ in range(MAX_PENDING_PER_ADDRESS) for n in range(1, flooders + 1)]
    assert 503 in statuses
    clinic = [app.browser().get("/launch", query_string=params,
                                environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
              for _ in range(10)]
    assert clinic == [302] * 10
