"""deploy/: the systemd unit, its settings file and the Containerfile, checked for what they
would do (no container engine runs here, so the image itself is not built): each runs a valid
`alliance serve` command line, as a user that is not root, with settings the app's own loader
accepts, and the unit's hardening and restart policy are the ones docs/operations.md states.
`systemd-analyze verify` checks the unit where systemd is installed."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from plugin.cli import build_parser
from plugin.config import load_settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def unit_entries() -> dict[str, dict[str, list[str]]]:
    """The unit file as systemd reads it: section -> key -> values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / "alliance.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def env_file() -> dict[str, str]:
    """deploy/alliance.env's settings (commented ones left out), as lower-case names."""
    found = {}
    for line in (DEPLOY / "alliance.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def settings_checked(env: dict[str, str], tmp_path: Path) -> None:
    """The settings through the app's loader, with the two things only a host has supplied:
    a real secret and a writable data folder (the sample's folder is checked to be the one
    the unit or image lets the app write)."""
    source = {k.removeprefix("ALLIANCE_").lower(): v for k, v in env.items()
              if k.startswith("ALLIANCE_")}
    source["secret_key"] = secrets.token_urlsafe(32)
    source["data_dir"] = str(tmp_path / "data")
    load_settings(source)


def serve_arguments(argv: list[str]) -> dict[str, object]:
    assert Path(argv[0]).name == "alliance", argv
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve"
    return vars(args)


def test_the_unit_runs_serve_hardened_as_its_own_user(tmp_path: Path) -> None:
    unit = unit_entries()
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["User"] not in ("root", "0") and service["Group"] == service["User"]
    serve = serve_arguments(shlex.split(service["ExecStart"]))
    assert serve["log_format"] == "json" and serve["host"] == "127.0.0.1"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"  # gunicorn's graceful reload
    assert service["Restart"] == "on-failure"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
                       "UMask": "0077"}.items():
        assert service[key] == value, key
    settings = env_file()
    assert service["EnvironmentFile"].endswith("/alliance.env")
    data_dir = settings["ALLIANCE_DATA_DIR"]
    assert data_dir in service["ReadWritePaths"].split()
    assert data_dir == f"/var/lib/{service['StateDirectory']}"
    settings_checked(settings, tmp_path)


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit is checked by parsing only")
    # The unit as installed, with its command pointing at this checkout's `alliance`
    # (systemd-analyze checks that the program exists).
    here = Path(sys.executable).with_name("alliance")
    text = (DEPLOY / "alliance.service").read_text().replace("/opt/alliance/bin/alliance",
                                                            str(here))
    (tmp_path / "alliance.service").write_text(text)
    done = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "alliance.service")],
                          capture_output=True, text=True, timeout=60, check=False)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 0 and not problems, problems


def containerfile() -> list[tuple[str, str]]:
    """The Containerfile's instructions (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Containerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_installs_the_wheel_with_extras_and_serves_as_a_user(tmp_path: Path) -> None:
    steps = containerfile()
    bases = [value.split()[0] for kind, value in steps if kind == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases)
    final = steps[max(i for i, (kind, _) in enumerate(steps) if kind == "FROM"):]
    runs = [value for kind, value in final if kind == "RUN"]
    install = next(run for run in runs if "pip install" in run)
    assert "-c /tmp/constraints.txt" in install
    extras = set(re.search(r"alliance_panel-\*\.whl\)\[([a-z,]+)\]", install).group(1).split(","))
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert extras <= set(pyproject["project"]["optional-dependencies"]), extras
    users = [value for kind, value in final if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any("--uid" in run and users[-1] in run for run in runs)  # made, not assumed
    (cmd,) = [value for kind, value in final if kind == "CMD"]
    serve = serve_arguments(json.loads(cmd))
    assert serve["log_format"] == "json"
    if int(str(serve["workers"])) > 1:
        assert "gunicorn" in extras
    env = dict(re.findall(r"(\w+)=(\S+)", next(v for k, v in final if k == "ENV")))
    (volume,) = [value for kind, value in final if kind == "VOLUME"]
    assert env["ALLIANCE_DATA_DIR"] == volume
    settings_checked({**env_file(), **env}, tmp_path)
    wheel_stage = steps[:max(i for i, (kind, _) in enumerate(steps) if kind == "FROM")]
    assert any("pip wheel" in value and "--no-deps" in value for kind, value in wheel_stage
               if kind == "RUN")  # the build tests/packaging/test_wheel.py runs
