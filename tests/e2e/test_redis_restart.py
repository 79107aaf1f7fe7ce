"""Nothing lost when the cache restarts: with the Redis settings docs/operations.md requires
(checked at start-up), a save queued while the EHR is down survives Redis being killed and
started again, and is delivered once the EHR is back. A Redis without them is refused at
start-up with the settings to change."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from plugin.errors import ConfigError
from plugin.launch.errors import StoreUnavailable
from plugin.web import create_app
from tests.support.launched import THERAPIST, filled, open_launch, stored
from tests.support.processes import free_port, poll_event, require_tools
from tests.support.redis_server import redis_missing, running_redis
from tests.support.serve_env import SERVE_ENV

SECRET = "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq"


@pytest.fixture(autouse=True)
def _redis_present() -> None:
    require_tools("Redis restart test", redis_missing())


def _deliver(outbox, deadline: float = 20.0) -> int:
    """Runs the outbox as its worker does, round after round: a round that meets the store
    while it reconnects is tried again."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            return int(outbox.run_due())
        except StoreUnavailable:
            poll_event(0.1)
    raise AssertionError("the outbox could not reach Redis again")


def _mine(dep, run) -> list[dict]:
    return [qr for qr in stored(dep, "QuestionnaireResponse")
            if qr.get("encounter", {}).get("reference") == f"Encounter/{run.encounter}"]


def test_a_queued_save_survives_a_redis_crash_and_is_delivered(deploy):
    with running_redis() as redis_server:
        dep = deploy(session_store_url=redis_server.url)
        run = open_launch(dep)
        dep.http.unreachable = lambda request: request.method == "POST" and request.url == dep.iss
        told = run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}")))
        assert told.status_code == 303
        assert parse_qs(urlsplit(told.headers["Location"]).query).get("queued")
        assert _mine(dep, run) == []

        redis_server.restart()  # SIGKILL and start again: a crash of the cache
        dep.http.unreachable = None  # the EHR is back
        dep.clock.advance(3600)
        outbox = dep.flask_app.extensions["alliance"].saving.outbox
        assert _deliver(outbox) == 1
        assert len(_mine(dep, run)) == 1


@pytest.mark.parametrize("extra", [(), ("--maxmemory", "64mb", "--maxmemory-policy",
                                        "volatile-lru")])
def test_a_redis_that_could_lose_a_queued_save_is_refused_at_start_up(tmp_path, extra):
    durable = bool(extra)
    with running_redis(durable=durable) as redis_server:
        if extra:
            redis_server.client().config_set(extra[0][2:], extra[1])
            redis_server.client().config_set(extra[2][2:], extra[3])
        with pytest.raises(ConfigError) as refused:
            create_app({"public_url": "http://127.0.0.1:9", "client_id": "c",
                        "allowed_iss": "http://127.0.0.1:9/fhir", "secret_key": SECRET,
                        "development": "true", "data_dir": str(tmp_path),
                        "session_store_url": redis_server.url})
    message = refused.value.message
    assert "ALLIANCE_SESSION_STORE_URL" in message and "docs/operations.md" in message
    if durable:
        assert "maxmemory-policy noeviction" in message
    else:
        assert "appendonly yes" in message


@pytest.mark.parametrize("workers", ["1", "2"])  # waitress, and gunicorn's master
def test_serve_stops_with_the_settings_to_change_on_a_redis_without_persistence(tmp_path,
                                                                               workers):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    with running_redis(durable=False) as redis_server:
        env.update({**SERVE_ENV, "ALLIANCE_DATA_DIR": str(tmp_path),
                    "ALLIANCE_SESSION_STORE_URL": redis_server.url})
        done = subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "plugin.cli", "serve", "--log-format", "text", "--workers",
             workers, "--port", str(free_port())], env=env, capture_output=True, text=True,
            timeout=60)
    assert done.returncode == 2
    assert "appendonly yes" in done.stderr and "Traceback" not in done.stderr
