"""Findings 5, 12 and 17 (round two) and the operator endpoints: what an attacker sends in an
OAuth callback must not add metric series or forge log lines; a URL carrying a launch handle
must not be cached; /metrics and /readyz answer only the operator once a token is set."""

from __future__ import annotations

import logging
import re

from .app_harness import app_under_attack

OPS_TOKEN = "Zk2-u8QwPn4rTb7yHs1LcX9vMd3jGf6aEo0i5R"  # random, for the tests only


def series(metrics_text: str, name: str) -> set[str]:
    return {line.split(" ")[0] for line in metrics_text.splitlines()
            if line.startswith(name + "{")}


def hostile_callbacks(app, errors: list[str]) -> None:
    """Each error sent on a callback of one's own launch (a fresh launch each, from many
    addresses and browsers so the launch limits do not stop the flood first)."""
    browser = app.browser()
    for n, error in enumerate(errors):
        if n % 20 == 0:
            browser = app.browser()
        browser.environ_base["REMOTE_ADDR"] = f"10.{n // 250 % 250}.{n % 250}.7"
        state = app.start(browser)["state"]
        browser.get("/callback", query_string={"error": error, "state": state})


def test_a_thousand_hostile_oauth_errors_add_no_metric_series(hostile, tmp_path) -> None:
    app = app_under_attack(hostile(), tmp_path)
    hostile_callbacks(app, ["first_hostile_error"])
    before = app.clinician.get("/metrics").get_data(as_text=True)
    hostile_callbacks(app, [f"evil_{n}_" + "x" * 200 for n in range(1000)])
    after = app.clinician.get("/metrics").get_data(as_text=True)
    for name in ("alliance_errors_total", "alliance_launches_total"):
        assert series(after, name) == series(before, name), name
    assert "evil_" not in after and "first_hostile_error" not in after
    assert 'code="other"' in after


def test_a_line_break_in_an_oauth_error_cannot_forge_a_text_log_line(
        hostile, tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO)
    app = app_under_attack(hostile(), tmp_path)
    forged = "x\n2026-12-07 00:00:00 INFO plugin.access: GET /panel/<handle> 200\r\x1b[2K"
    hostile_callbacks(app, [forged])
    lines = caplog.text.splitlines()
    assert not [line for line in lines if line.startswith("2026-12-07 00:00:00")]
    assert "\x1b" not in caplog.text and "\r" not in caplog.text
    # A value that does reach a message is shown escaped, on its own record's line.
    logging.getLogger("plugin.test").warning("value %s", forged)
    assert "value x\\n2026-12-07 00:00:00 INFO" in caplog.text


def test_the_style_sheet_under_a_handle_is_never_cached(hostile, tmp_path) -> None:
    app = app_under_attack(hostile(), tmp_path)
    handle = app.launch()
    answer = app.clinician.get(f"/panel/{handle}/style.css")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


def test_metrics_and_readiness_need_the_operator_token_once_set(hostile, tmp_path) -> None:
    app = app_under_attack(hostile(), tmp_path, ops_token=OPS_TOKEN)
    browser = app.browser()
    for path in ("/metrics", "/readyz"):
        for header in (None, "Bearer wrong", f"Basic {OPS_TOKEN}", f"Bearer {OPS_TOKEN[:-1]}"):
            answer = browser.get(path, headers={"Authorization": header} if header else {})
            assert answer.status_code == 401, (path, header)
            assert "alliance_" not in answer.get_data(as_text=True)
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        answer = browser.get(path, headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        assert answer.status_code in (200, 503)
    assert re.search(r"^alliance_", browser.get("/metrics", headers={
        "Authorization": f"Bearer {OPS_TOKEN}"}).get_data(as_text=True), re.M)
    assert browser.get("/healthz").status_code == 200
