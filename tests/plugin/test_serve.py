"""`alliance serve` refuses to start, with the reason, rather than serving a broken instance.
(Serving itself, with gunicorn workers behind nginx, is tested in tests/scale.)"""

from __future__ import annotations

import pytest

from plugin.cli import main
from tests.support.processes import free_port

GOOD = {"ALLIANCE_PUBLIC_URL": "http://127.0.0.1:9", "ALLIANCE_CLIENT_ID": "c",
        "ALLIANCE_ALLOWED_ISS": "http://127.0.0.1:9/fhir",
        "ALLIANCE_SECRET_KEY": "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq",
        "ALLIANCE_DEVELOPMENT": "true"}


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name, value in {**GOOD, "ALLIANCE_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_bad_store_url_stops_serve_with_the_setting_named(env, capsys, workers):
    env.setenv("ALLIANCE_SESSION_STORE_URL", "mysql://u:hunter2@db/x")
    port = str(free_port())
    assert main(["serve", "--log-format", "text", "--workers", workers, "--port", port]) == 2
    err = capsys.readouterr().err
    assert "ALLIANCE_SESSION_STORE_URL" in err and "hunter2" not in err


def test_a_store_that_does_not_answer_stops_serve(env, capsys):
    env.setenv("ALLIANCE_SESSION_STORE_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert main(["serve", "--log-format", "text", "--port", str(free_port())]) == 2
    assert "Redis session store cannot be reached" in capsys.readouterr().err
