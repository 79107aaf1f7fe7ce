"""Issue 20, row 4 and issue 22: the bounds on pending launches hold against a flood without
starving a clinic. The addresses of one IPv6 /64 are one client; past the total bound each
client gets a share, the heaviest refused first, so 180 addresses each at their ceiling leave a
clinic at one address launching its busiest window, while the store's own bound still holds.
One browser launching over and over is stopped by its own bound, not by its clinic's."""

from __future__ import annotations

import html
import importlib

from plugin.launch.pending import (
    CEILING_FACTOR,
    MAX_ATTEMPTS_PER_ADDRESS,
    MAX_PENDING_PER_ADDRESS,
    MAX_PENDING_PER_BROWSER,
    MAX_PENDING_TOTAL,
    client_prefix,
)
from tests.support.launch_bounds import CLINIC_BUSIEST, Counters, admitted

from .app_harness import app_under_attack

pending = importlib.import_module("plugin.launch.pending")

CLINICIANS = 40


def clinic_morning(store: Counters, address: str = "198.51.100.7") -> list[str]:
    """The clinic's busiest window: its launches from 40 browsers in turn, one address."""
    return [admitted(store, address, f"browser-{n % CLINICIANS}")
            for n in range(CLINIC_BUSIEST)]


def test_the_addresses_of_one_ipv6_64_count_as_one_client():
    assert client_prefix("2001:db8:1:2::17") == client_prefix("2001:db8:1:2:ffff::1")
    assert client_prefix("2001:db8:1:2::17") != client_prefix("2001:db8:1:3::17")
    assert client_prefix("::ffff:198.51.100.7") == "198.51.100.7"
    store = Counters()
    tries = MAX_PENDING_PER_ADDRESS + 50
    results = [admitted(store, f"2001:db8:1:2::{i:x}") for i in range(1, tries + 1)]
    assert results.count("ok") == MAX_PENDING_PER_ADDRESS
    assert results[MAX_PENDING_PER_ADDRESS:] == ["429"] * (tries - MAX_PENDING_PER_ADDRESS)


def test_a_clinic_behind_one_address_is_never_refused_in_its_busiest_window():
    store = Counters()
    assert clinic_morning(store) == ["ok"] * CLINIC_BUSIEST
    assert CLINIC_BUSIEST * 2 <= MAX_PENDING_PER_ADDRESS  # the margin docs/security.md states


def test_one_browser_is_stopped_by_its_own_bound_and_its_clinic_goes_on():
    store = Counters()
    runaway = [admitted(store, "198.51.100.7", "stuck-reload") for _ in range(500)]
    assert runaway[:MAX_PENDING_PER_BROWSER] == ["ok"] * MAX_PENDING_PER_BROWSER
    assert set(runaway[MAX_PENDING_PER_BROWSER:]) == {"429"}
    assert clinic_morning(store) == ["ok"] * CLINIC_BUSIEST  # its refusals spent nothing


def test_new_browser_values_do_not_get_past_the_address_ceiling_nor_fill_the_store():
    store = Counters()
    results = [admitted(store, "203.0.113.9", f"forged-{n}")
               for n in range(MAX_ATTEMPTS_PER_ADDRESS + 1_000)]
    assert results.count("ok") == MAX_PENDING_PER_ADDRESS
    browsers = [key for key in store.counts if key[0] == "pending_browser"]
    assert len(browsers) == MAX_ATTEMPTS_PER_ADDRESS  # past its attempts, nothing is created


def test_the_flood_of_180_addresses_at_their_ceiling_does_not_starve_a_clinic():
    store = Counters()
    flood = [f"203.0.{i // 200}.{i % 200 + 1}" for i in range(180)]  # 180 IPv4 clients
    results = [admitted(store, address)
               for _ in range(MAX_PENDING_PER_ADDRESS) for address in flood]
    assert len(results) == 54_000 > MAX_PENDING_TOTAL
    assert "503" in results  # past the total, the heaviest clients were refused
    assert clinic_morning(store) == ["ok"] * CLINIC_BUSIEST


def test_past_the_total_each_client_keeps_at_least_its_share(monkeypatch):
    monkeypatch.setattr(pending, "MAX_PENDING_TOTAL", 3_000)  # a tenth: the same shares
    store = Counters()
    flood = [f"2001:db8:{i:x}::1" for i in range(15)]  # 15 /64s, each at its ceiling
    results = [admitted(store, address)
               for _ in range(MAX_PENDING_PER_ADDRESS) for address in flood]
    share = pending.MAX_PENDING_TOTAL // len(flood)  # 200
    assert results[: share * len(flood)].count("ok") == share * len(flood)
    assert results.count("ok") < len(results)
    clinic = [admitted(store, "198.51.100.7") for _ in range(share)]
    own = pending.MAX_PENDING_TOTAL // (len(flood) + 1)  # its share, counting itself: 187
    assert clinic[:own] == ["ok"] * own


def test_the_store_bound_holds_whatever_the_number_of_clients(monkeypatch):
    monkeypatch.setattr(pending, "MAX_PENDING_TOTAL", 1_000)  # scaled down: the same bound
    store = Counters()
    flood = [f"2001:db8:{i:x}::1" for i in range(1_000)]  # 1,000 /64s, 10 launches each
    results = [admitted(store, address) for _ in range(10) for address in flood]
    assert results.count("ok") == CEILING_FACTOR * pending.MAX_PENDING_TOTAL


def test_a_clinic_launches_through_the_app_during_a_flood(hostile, tmp_path, monkeypatch):
    """The flood scaled to a total of 299: one client at its ceiling, then the clinic's busiest
    window from 40 browsers at one address, through the app."""
    monkeypatch.setattr(pending, "MAX_PENDING_TOTAL", MAX_PENDING_PER_ADDRESS - 1)
    app = app_under_attack(hostile(), tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    attacker = app.flask.test_client(use_cookies=False)
    statuses = [attacker.get("/launch", query_string=params,
                             environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
                for _ in range(MAX_PENDING_PER_ADDRESS) for n in (1,)]
    assert statuses[-1] == 503  # past the total, its share
    browsers = [app.browser() for _ in range(CLINICIANS)]
    clinic = [browsers[n % CLINICIANS].get("/launch", query_string=params,
                                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
              for n in range(CLINIC_BUSIEST)]
    assert [answer.status_code for answer in clinic] == [302] * CLINIC_BUSIEST


def refusal_page(answer) -> str:  # noqa: ANN001 - a werkzeug test response
    text = html.unescape(answer.get_data(as_text=True))
    words = text.lower()
    assert "address" not in words and "prefix" not in words, text
    assert "wait a few minutes" in words and "if this happens again, tell your it team" in words
    assert "open it again from the patient's chart" in words, text
    return text


def test_one_browser_flooding_the_app_is_refused_in_a_clinicians_words(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    at_clinic = {"REMOTE_ADDR": "198.51.100.7"}
    runaway = app.browser()
    answers = [runaway.get("/launch", query_string=params, environ_base=at_clinic)
               for _ in range(MAX_PENDING_PER_BROWSER + 20)]
    allowed = MAX_PENDING_PER_BROWSER + 1  # its first launch, before it had the cookie
    assert [a.status_code for a in answers[:allowed]] == [302] * allowed
    assert {a.status_code for a in answers[allowed:]} == {429}
    page = refusal_page(answers[-1])
    assert "from this browser" in page
    assert 'data-error-code="launch.too_many_from_browser"' in page
    others = [app.browser().get("/launch", query_string=params, environ_base=at_clinic)
              for _ in range(CLINICIANS - 1)]
    assert [a.status_code for a in others] == [302] * (CLINICIANS - 1)


def test_the_clinics_ceiling_is_refused_in_a_clinicians_words(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    no_cookies = app.flask.test_client(use_cookies=False)
    answers = [no_cookies.get("/launch", query_string=params,
                              environ_base={"REMOTE_ADDR": "198.51.100.7"})
               for _ in range(MAX_PENDING_PER_ADDRESS + 1)]
    assert answers[-2].status_code == 302 and answers[-1].status_code == 429
    page = refusal_page(answers[-1])
    assert "your clinic" in page and "Please wait a few minutes" in page
