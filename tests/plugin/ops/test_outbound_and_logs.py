"""Outbound calls labelled by FHIR interaction from their shape (a bounded label set), and the
JSON log formatter's second guard against anything token-shaped."""

from __future__ import annotations

import json
import logging

import pytest

from plugin.ops.json_logs import JsonFormatter
from plugin.ops.outbound import interaction

BASE = "https://ehr.example/fhir"


@pytest.mark.parametrize("method, url, body, expected", [
    ("POST", BASE, b'{"resourceType":"Bundle","type":"batch"}', "batch"),
    ("POST", f"{BASE}/", b'{"resourceType":"Bundle","type":"transaction"}', "transaction"),
    ("GET", f"{BASE}/Patient/123", None, "read"),
    ("GET", f"{BASE}/Encounter?patient=123", None, "search"),
    ("GET", f"{BASE}?_getpages=abc&_getpagesoffset=50", None, "read"),
    ("GET", f"{BASE}/metadata", None, "capabilities"),
    ("POST", f"{BASE}/QuestionnaireResponse", b"{}", "create"),
    ("PUT", f"{BASE}/QuestionnaireResponse/9", b"{}", "update"),
    ("POST", "https://auth.example/token", "grant_type=refresh_token", "auth"),
    ("GET", f"{BASE}/.well-known/smart-configuration", None, "auth"),
    ("POST", f"{BASE}/Questionnaire/$validate", b"{}", "operation"),
])
def test_each_call_gets_its_interaction(method, url, body, expected):
    assert interaction(method, url, body) == expected


def test_a_json_line_carries_no_token_shaped_text():
    token = "eyJhbGciOiJSUzM4NCJ9.eyJzdWIiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHUifQ.c2lnbmF0dXJlc2ln"
    handle = "Xk3v9Qm2pLr8Tz1Wc6Yb0Nd4Hs7Fj5Ga2Ue8Io3Kq"
    record = logging.LogRecord("plugin.x", logging.WARNING, __file__, 1,
                               "refused %s for %s", (token, handle), None)
    line = json.loads(JsonFormatter().format(record))
    assert token not in json.dumps(line) and handle not in json.dumps(line)
    assert line["message"] == "refused [redacted] for [redacted]"
    assert line["level"] == "WARNING" and line["logger"] == "plugin.x"
