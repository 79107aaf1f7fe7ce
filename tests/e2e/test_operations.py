"""What an operator sees of a running instance: liveness and readiness with the right status,
Prometheus metrics that count what happened, a request id carried to the EHR, and JSON log
lines that never hold a handle or a token."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY

from plugin.ops.json_logs import JsonFormatter
from plugin.web import create_app
from tests.support.processes import require_tools
from tests.support.redis_server import redis_missing, running_redis

SECRET = "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_liveness_and_readiness_answer_ok_when_all_is_well(deploy):
    dep = deploy()
    assert dep.browser().get(f"{dep.app.url}/healthz", timeout=10).status_code == 200
    ready = dep.browser().get(f"{dep.app.url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert set(ready.json()["checks"]) == {"session_store", "keys", "metrics", "audit"}
    assert ready.json()["issuers"] == {dep.iss: {"state": "ok", "queued": 0,
                                                 "oldest_age_seconds": 0.0,
                                                 "detail": "0 queued"}}


def test_an_audit_log_that_cannot_be_written_makes_the_instance_not_ready(deploy):
    """Events that cannot reach the audit log wait in the spool, and readiness says so."""
    from tests.support.launched import open_launch

    dep = deploy()
    log_path = dep.flask_app.extensions["alliance"].settings.data_dir / "audit" / "audit.jsonl"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.mkdir()  # a folder where the log file should be: every append fails
    run = open_launch(dep)  # the panel view is audited; its delivery fails
    assert run.get("").status_code == 200  # the clinician is not stopped
    ready = dep.browser().get(f"{dep.app.url}/readyz", timeout=10)
    assert ready.status_code == 503
    audit = ready.json()["checks"]["audit"]
    assert not audit["ok"] and "waiting" in audit["detail"]
    assert "audit.sink_error" in audit["detail"]
    scraped = dep.browser().get(f"{dep.app.url}/metrics", timeout=10).text
    assert "alliance_audit_destination_ok 0.0" in scraped
    waiting = [line for line in scraped.splitlines()
               if line.startswith("alliance_audit_events_waiting ")]
    assert waiting and float(waiting[0].split()[1]) >= 1


def test_a_stuck_outbox_marks_its_ehr_stuck_and_leaves_the_instance_ready(deploy):
    """One EHR's outage (saves queued for an hour) shows against that EHR, in /readyz and in
    the outbox gauges; the instance stays ready for every other EHR behind the balancer."""
    dep = deploy()
    store = dep.flask_app.extensions["alliance"].launches.store
    # Shaped as plugin/recording/outbox.py writes them: a save sent long ago does not count.
    store.put("outbox", "save-0", {"id": "save-0", "state": "sent", "iss": dep.iss,
                                   "created": dep.clock() - 7200}, ttl=86400)
    ready = dep.browser().get(f"{dep.app.url}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["issuers"][dep.iss]["state"] == "ok"
    store.put("outbox", "save-1", {"id": "save-1", "state": "queued", "iss": dep.iss,
                                   "created": dep.clock() - 3600}, ttl=86400)
    store.put("outbox", "save-2", {"id": "save-2", "state": "queued",
                                   "iss": "https://gone.example/fhir",
                                   "created": dep.clock() - 60}, ttl=86400)
    ready = dep.browser().get(f"{dep.app.url}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    ehr = ready.json()["issuers"][dep.iss]
    assert ehr["state"] == "stuck" and ehr["queued"] == 1 and "60 min" in ehr["detail"]
    scraped = dep.browser().get(f"{dep.app.url}/metrics", timeout=10).text
    assert f'alliance_outbox_queued{{issuer="{dep.iss}"}} 1.0' in scraped
    assert f'alliance_outbox_oldest_age_seconds{{issuer="{dep.iss}"}} 3600.0' in scraped
    assert 'alliance_outbox_queued{issuer="unconfigured"} 1.0' in scraped
    assert "gone.example" not in scraped, "an issuer not configured never becomes a label"
    assert 'alliance_build_info{python="' in scraped and 'version="0.' in scraped


def test_an_unreachable_session_store_makes_the_instance_not_ready_but_alive(tmp_path):
    require_tools("readiness test on Redis", redis_missing())
    with running_redis() as server:
        app = create_app({"public_url": "http://127.0.0.1:9", "client_id": "c",
                          "allowed_iss": "http://127.0.0.1:9/fhir", "secret_key": SECRET,
                          "development": "true",
                          "data_dir": str(tmp_path), "session_store_url": server.url})
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
    gone = client.get("/readyz")
    assert gone.status_code == 503
    assert "Redis session store cannot be reached" in gone.json["checks"]["session_store"]["detail"]
    assert client.get("/healthz").status_code == 200


def test_metrics_count_launches_fhir_calls_saves_and_errors(deploy):
    dep = deploy()
    before = {
        "completed": sample("alliance_launches_total", issuer=dep.iss, outcome="completed"),
        "started": sample("alliance_launches_total", issuer=dep.iss, outcome="started"),
        "unknown_iss": sample("alliance_launches_total", issuer="unconfigured",
                              outcome="launch.unknown_iss"),
        "errors": sample("alliance_errors_total", code="launch.unknown_iss"),
    }
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[0])
    assert page.status_code == 200
    dep.browser().get(f"{dep.app.url}/launch", params={"iss": "https://evil.example/fhir"},
                      timeout=10)
    text = dep.browser().get(f"{dep.app.url}/metrics", timeout=10).text
    assert sample("alliance_launches_total", issuer=dep.iss, outcome="started") == \
        before["started"] + 1
    assert sample("alliance_launches_total", issuer=dep.iss, outcome="completed") == \
        before["completed"] + 1
    refused = sample("alliance_launches_total", issuer="unconfigured",
                     outcome="launch.unknown_iss")
    assert refused == before["unknown_iss"] + 1
    assert sample("alliance_errors_total", code="launch.unknown_iss") == before["errors"] + 1
    server = f"http://{urlsplit(dep.ehr.url).netloc}"
    assert sample("alliance_fhir_request_seconds_count", server=server, interaction="batch") >= 1
    assert sample("alliance_fhir_request_seconds_count", server=server, interaction="auth") >= 1
    assert "alliance_saves_total" in text and "alliance_alerts_shown_total" in text
    assert "evil.example" not in text, "an unconfigured issuer never becomes a label"


def test_the_request_id_reaches_the_ehr_and_a_balancers_id_is_kept(deploy):
    dep = deploy()
    sent: list[str | None] = []
    dep.http.tamper = lambda request, response: sent.append(request.headers.get("X-Request-Id"))
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    sent.clear()
    again = browser.get(page.url, headers={"X-Request-Id": "from-nginx-0001"}, timeout=20)
    assert again.headers["X-Request-Id"] == "from-nginx-0001"
    assert sent and set(sent) == {"from-nginx-0001"}
    odd = browser.get(page.url, headers={"X-Request-Id": "bad id with spaces"}, timeout=20)
    assert odd.headers["X-Request-Id"] != "bad id with spaces"
    assert len(odd.headers["X-Request-Id"]) == 16


@pytest.fixture
def json_log() -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_log_lines_are_json_with_the_request_id_and_no_handle_or_token(deploy, json_log):
    dep = deploy()
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    dep.clock.advance(7200)  # a refresh, logged
    browser.get(page.url, timeout=20)
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "plugin.access"]
    assert any(line["route"] == "/panel/<handle>" and line["status"] == 200 for line in access)
    assert all(line.get("request_id") for line in access)
    handle = urlsplit(page.url).path.rsplit("/", 1)[-1]
    text = json_log.getvalue()
    assert handle not in text
    for secret in dep.http.secrets_received():
        assert secret not in text
