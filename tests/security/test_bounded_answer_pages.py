"""Issue 20, rows 7 and 16, as the clinician and the integrator meet them: an EHR's answer past
a bound gives a page that names the EHR (not a 500 after minutes), and `alliance check` on a
hostile server prints why and exits 2 ("this EHR cannot be used"), never a traceback or the 1
that means "a companion store is needed"."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from plugin.cli import main

from .app_harness import app_under_attack
from .hostile_bodies import MIB, Drip, deep, gzip_bomb, huge, many_entries


@pytest.mark.parametrize("answer, words", [
    (gzip_bomb(400 * MIB), "sent an answer larger than Alliance Panel reads"),
    (many_entries(100_000), "sent a list longer than Alliance Panel reads at once"),
    (deep(100_000), "sent an answer nested more deeply than Alliance Panel reads"),
], ids=["gzip-bomb", "100k-entries", "deep"])
def test_the_panel_names_the_ehr_whose_answer_was_refused(hostile, tmp_path, answer, words):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    handle = app.launch()
    server.route("POST", "/fhir", answer)  # the panel's batch read
    page = app.clinician.get(f"/panel/{handle}")
    text = page.get_data(as_text=True)
    assert page.status_code == 502
    assert "The EHR&#39;s answer could not be used" in text
    assert f"The EHR at {urlsplit(server.url).netloc} {words}" in text


def test_a_dripping_ehr_is_cut_at_its_own_deadline(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path, response_deadline_seconds=1)
    handle = app.launch()
    drip = Drip(total=600, every=0.1)
    server.route("POST", "/fhir", drip)
    try:
        page = app.clinician.get(f"/panel/{handle}")
    finally:
        drip.stop.set()
    assert page.status_code == 502
    assert "took longer to answer than Alliance Panel waits" in page.get_data(as_text=True)
    assert drip.sent < drip.total


@pytest.mark.parametrize("path", ["/fhir/.well-known/smart-configuration", "/fhir/metadata"])
@pytest.mark.parametrize("answer, words", [
    (deep(100_000), "nested more than 64 levels deep"),
    (gzip_bomb(400 * MIB), "larger than 32 MiB"),
    (huge(100 * MIB), "larger than 32 MiB"),
], ids=["deep", "gzip-bomb", "100MB"])
def test_alliance_check_on_a_hostile_server_exits_2_with_the_reason(hostile, capsys, monkeypatch,
                                                                   path, answer, words):
    monkeypatch.setattr(logging.root, "handlers", [])  # main() logs to this test's stderr
    monkeypatch.setenv("ALLIANCE_DEVELOPMENT", "true")  # the hostile server speaks plain http
    server = hostile()
    server.json("GET", "/fhir/.well-known/smart-configuration", {
        "authorization_endpoint": f"{server.url}/authorize",
        "token_endpoint": f"{server.url}/token", "capabilities": ["launch-ehr"],
        "code_challenge_methods_supported": ["S256"]})
    server.route("GET", path, answer)
    code = main(["check", "--iss", f"{server.url}/fhir"])
    out = capsys.readouterr()
    assert code == 2
    assert words in out.out
    assert "Traceback" not in out.out + out.err
