"""A newcomer's first steps: the demo (`python -m ehr_sandbox.demo`) with its options, a busy
port named with the option that changes it, `/` saying what the app is, and `/healthz`
answering what the docs say."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.app_client import app_over
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "docs" / "integrators.md"  # where the command and its answers are documented


def _alliance(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return _module("plugin.cli", *args, env=env)


def _demo(*args: str) -> subprocess.Popen[str]:
    return _module("ehr_sandbox.demo", *args)


def _module(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    return subprocess.Popen(
        [sys.executable, "-m", name, *args], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**clean, **(env or {})},
        start_new_session=True,
    )


def _answers(url: str, deadline: float) -> requests.Response:
    while True:
        try:
            return requests.get(url, timeout=2, allow_redirects=False)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # polling a server's start with a deadline, not waiting blind


def test_the_demo_takes_its_ports_and_data_folder(tmp_path):
    ehr_port, app_port = free_port(), free_port()
    data = tmp_path / "demo-data"
    demo = _demo("--ehr-port", str(ehr_port), "--app-port", str(app_port),
                     "--data-dir", str(data))
    try:
        deadline = time.monotonic() + 60
        app = _answers(f"http://127.0.0.1:{app_port}/healthz", deadline)
        ehr = _answers(f"http://localhost:{ehr_port}/", deadline)
        assert app.json()["status"] == "ok" and ehr.status_code == 200
        assert (data / "sandbox.sqlite3").exists() and (data / "app").is_dir()
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.communicate(timeout=30)


@pytest.mark.parametrize("option", ["--app-port", "--ehr-port"])
def test_a_busy_port_is_named_with_the_option_that_changes_it(tmp_path, option):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        other = "--ehr-port" if option == "--app-port" else "--app-port"
        demo = _demo(option, str(busy), other, str(free_port()),
                         "--data-dir", str(tmp_path))
        _, err = demo.communicate(timeout=60)
    assert demo.returncode != 0
    assert f"Port {busy} is already in use" in err and f"Choose another with {option}" in err
    assert "Traceback" not in err


def test_alliance_serve_names_a_busy_port_too(tmp_path):
    env = {"ALLIANCE_PUBLIC_URL": "http://127.0.0.1:1", "ALLIANCE_CLIENT_ID": "c",
           "ALLIANCE_ALLOWED_ISS": "http://ehr.example/fhir",
           "ALLIANCE_SECRET_KEY": secrets.token_urlsafe(32), "ALLIANCE_DEVELOPMENT": "true",
           "ALLIANCE_DATA_DIR": str(tmp_path)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        serve = _alliance("serve", "--host", "127.0.0.1", "--port", str(busy), env=env)
        _, err = serve.communicate(timeout=60)
    assert serve.returncode == 2
    assert f"Port {busy} is already in use" in err and "--port" in err
    assert "Traceback" not in err


def test_demo_with_a_data_folder_it_cannot_write_says_so(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    demo = _demo("--ehr-port", str(free_port()), "--app-port", str(free_port()),
                     "--data-dir", str(blocker / "demo"))
    _, err = demo.communicate(timeout=60)
    assert demo.returncode != 0 and "--data-dir" in err and "Traceback" not in err


def test_the_root_page_says_what_the_app_is_and_how_to_launch_it(tmp_path):
    client, _ = app_over("https://alliance.example", tmp_path)
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "therapeutic alliance" in text and "from a patient's chart" in text
    assert "https://alliance.example/launch" in text
    assert "https://alliance.example/callback" in text


def test_healthz_answers_what_the_readme_says(tmp_path):
    client, _ = app_over("https://alliance.example", tmp_path)
    answered = client.get("/healthz").get_json()
    documented = re.search(r"`/healthz`\s+answers\s+`(\{[^`]*\})`", README.read_text())
    assert documented, "docs/integrators.md no longer says what /healthz answers"
    assert json.loads(documented.group(1)) == answered
