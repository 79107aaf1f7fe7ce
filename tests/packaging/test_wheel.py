"""The product as a hospital installs it: the wheel built from this checkout holds the product
only, and `pip install` of it without extras, in a fresh venv, gives a working `alliance`;
each optional feature, asked for without its extra, stops with a message naming the extra.

Building the wheel fetches setuptools (build isolation) and installing it fetches the
dependencies: from pip's cache when warm, else from PyPI. Without either the module skips
loudly (fails under CI=true). About 50 s on a quiet two-core machine.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

import plugin
from tests.support.processes import ManagedProcess, children, require_tools

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[2]
PIP_DEADLINE = 300  # seconds for a build or an install: a cold cache on a slow network


@dataclass(frozen=True)
class Installed:
    wheel: Path
    source: Path  # the checkout's copy the wheel was built from
    venv: Path
    workdir: Path  # outside the checkout: nothing of the repository is importable from here

    def run(self, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.workdir,
                              env=env or _clean_env(), capture_output=True, text=True,
                              timeout=60, check=False)


def _clean_env() -> dict[str, str]:
    """No ALLIANCE_* or PYTHONPATH from the test run: the fresh venv sees only itself."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("ALLIANCE_", "PYTHON", "PROMETHEUS_"))}


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([*args], cwd=cwd, capture_output=True, text=True,
                          timeout=PIP_DEADLINE, check=False, env=_clean_env())
    if done.returncode != 0:
        unreachable = ("Could not find a version", "No matching distribution",
                       "Failed to establish a new connection", "Temporary failure in name")
        if any(words in done.stderr for words in unreachable):
            require_tools("packaging test", [f"PyPI or a warm pip cache ({done.stderr[-300:]})"])
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _checkout_copy(into: Path) -> Path:
    """The checkout's files (tracked or new, not ignored) in a fresh folder: a build there
    sees no build/ left over from an earlier one and leaves none in the checkout."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True, timeout=60)
    for name in listed.stdout.splitlines():
        source = REPO / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("packaging")
    source = _checkout_copy(root / "source")
    _pip(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"),
         str(source), cwd=root)
    (wheel,) = (root / "dist").glob("alliance_panel-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    _pip(str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
         "--no-compile", str(wheel), cwd=root)  # no .pyc for fhir.resources' models: ~15 s
    workdir = root / "work"
    workdir.mkdir()
    yield Installed(wheel, source, venv, workdir)


def test_the_wheel_holds_the_product_only(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"app_errors", "plugin", "smart_launch", "fhir_profiles",
                   f"alliance_panel-{plugin.__version__}.dist-info"}, top
    assert not [n for n in names if "ehr_sandbox" in n or n.startswith("tests/")]
    # the FHIR package's data, the pages' templates and static files travel with the code
    shipped = {p.relative_to(REPO).as_posix() for folder in ("norms", "balp", "previous")
               for p in (REPO / "fhir_profiles" / folder).glob("*.json")}
    assert shipped and shipped <= set(names), sorted(shipped - set(names))
    assert [n for n in names if re.fullmatch(r"fhir_profiles/.+\.json", n)
            and "/norms/" not in n]
    assert [n for n in names if n.startswith("plugin/web/templates/")]
    assert [n for n in names if n.startswith("plugin/web/static/")]


def test_the_version_is_written_once_and_read_by_the_package_metadata(
        installed: Installed) -> None:
    shown = installed.run("python", "-c", "from importlib import metadata; "
                          "print(metadata.version('alliance-panel'))")
    assert shown.stdout.strip() == plugin.__version__
    pyproject = (REPO / "pyproject.toml").read_text()
    assert not re.search(r"^version\s*=\s*\"", pyproject, re.MULTILINE)


def test_the_wheel_carries_the_licence_and_says_posix_only(installed: Installed) -> None:
    info = f"alliance_panel-{plugin.__version__}.dist-info"
    wheel = zipfile.ZipFile(installed.wheel)
    metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    classifiers = metadata.get_all("Classifier") or []
    for expected in ("Operating System :: POSIX", "Framework :: Flask",
                     "Programming Language :: Python :: 3.11",
                     "Intended Audience :: Healthcare Industry"):
        assert expected in classifiers, classifiers
    assert not [c for c in classifiers if "Windows" in c or "OS Independent" in c]
    licence = wheel.read(f"{info}/licenses/LICENSE").decode()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert licence == (REPO / "LICENSE").read_text()


def test_the_source_distribution_carries_the_licence(installed: Installed,
                                                      tmp_path: Path) -> None:
    """Built with the setuptools the wheel's build used (pyproject's build-system)."""
    backend = tmp_path / "backend"
    _pip(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(backend), "setuptools>=77", cwd=tmp_path)
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; "
         "print(build_meta.build_sdist(sys.argv[1]))", str(dist)],
        cwd=installed.source, env={**_clean_env(), "PYTHONPATH": str(backend)},
        capture_output=True, text=True, timeout=PIP_DEADLINE, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    name = done.stdout.strip().splitlines()[-1]
    with tarfile.open(dist / name) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert "LICENSE" in members
    assert "PKG-INFO" in members


def test_the_installed_command_runs_without_extras_or_the_checkout(
        installed: Installed) -> None:
    for args in (("alliance", "--help"), ("alliance", "check", "--help")):
        done = installed.run(*args)
        assert done.returncode == 0, (args, done.stderr)
        assert "usage: alliance" in done.stdout
    extras = installed.run("python", "-c", "import importlib.util as u; print([m for m in "
                           "('psycopg', 'redis', 'gunicorn', 'prometheus_client', 'ehr_sandbox',"
                           " 'pytest') if u.find_spec(m)])")
    assert extras.stdout.strip() == "[]"
    commands = installed.run("alliance", "--help").stdout
    for command in ("serve", "check", "install", "audit", "keys"):
        assert command in commands
    demo = installed.run("alliance", "demo")  # the demo lives with the sandbox, in the checkout
    assert demo.returncode == 2
    assert "invalid choice: 'demo'" in demo.stderr


def _settings(tmp: Path) -> dict[str, str]:
    return {**_clean_env(), "ALLIANCE_PUBLIC_URL": "http://127.0.0.1:8080",
            "ALLIANCE_CLIENT_ID": "alliance", "ALLIANCE_ALLOWED_ISS": "http://127.0.0.1:9/fhir",
            "ALLIANCE_SECRET_KEY": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
            "ALLIANCE_DEVELOPMENT": "true", "ALLIANCE_DATA_DIR": str(tmp / "data")}


def test_each_optional_feature_names_its_extra(installed: Installed, tmp_path: Path) -> None:
    env = _settings(tmp_path)
    workers = installed.run("alliance", "serve", "--workers", "2", "--port", "0", env=env)
    assert workers.returncode == 2
    assert "pip install 'alliance-panel[gunicorn]'" in workers.stderr
    for url, extra in (("redis://127.0.0.1:9/0", "redis"),
                       ("postgresql://u@127.0.0.1:9/db", "postgres")):
        stores = installed.run("alliance", "serve", "--port", "0",
                               env={**env, "ALLIANCE_SESSION_STORE_URL": url})
        assert stores.returncode == 2, stores.stderr
        assert f"pip install 'alliance-panel[{extra}]'" in stores.stderr
        assert "Traceback" not in stores.stderr


def test_serve_answers_without_extras_and_metrics_names_its_extra(
        installed: Installed, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [str(installed.venv / "bin" / "alliance"), "serve",
                                               "--host", "127.0.0.1", "--port", "0"], log,
                            cwd=installed.workdir, env=_settings(tmp_path))
    try:
        found: list[str] = []

        def listening() -> bool:
            found[:] = re.findall(r"listening on (http://\S+)", log.read_text(errors="replace"))
            return bool(found)

        server.wait_until(listening, 60)
        base = found[0]
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        metrics = requests.get(f"{base}/metrics", timeout=10)
        assert metrics.status_code == 501
        assert "pip install 'alliance-panel[metrics]'" in metrics.text
        ready = requests.get(f"{base}/readyz", timeout=10).json()
        assert ready["checks"]["metrics"]["ok"] is True, ready
    finally:
        server.stop()


def test_workers_without_the_metrics_extra_serve_and_survive_a_worker_exit(
        installed: Installed, tmp_path: Path) -> None:
    """Runs last: it adds the gunicorn extra to the venv (the others need it absent)."""
    _pip(str(installed.venv / "bin" / "pip"), "install", "--quiet", "--no-compile",
         "--disable-pip-version-check", "-c", str(REPO / "constraints.txt"),
         f"{installed.wheel}[gunicorn]", cwd=installed.workdir)
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        str(installed.venv / "bin" / "alliance"), "serve", "--host", "127.0.0.1", "--port", "0",
        "--workers", "2", "--threads", "2"], log, cwd=installed.workdir,
        env=_settings(tmp_path))
    try:
        found: list[str] = []

        def booted(count: int) -> bool:
            text = log.read_text(errors="replace")
            found[:] = re.findall(r"listening on (http://\S+)", text)
            return bool(found) and text.count("Booting worker") >= count

        server.wait_until(lambda: booted(2), 60)
        # the master replaces it, with no metrics to mark dead
        os.kill(children(server.pid)[0], signal.SIGTERM)
        server.wait_until(lambda: booted(3), 60)
        assert requests.get(f"{found[0]}/healthz", timeout=10).status_code == 200
        assert requests.get(f"{found[0]}/metrics", timeout=10).status_code == 501
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        server.stop()
