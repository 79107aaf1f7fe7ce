"""A feature whose optional extra is not installed stops with a message naming the extra (and
the pip command), never an ImportError's traceback. The packages are hidden from the import
system here; tests/packaging/test_wheel.py checks the same in a venv that truly lacks them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from plugin.cli import main
from plugin.errors import MissingExtra
from plugin.launch.store_from_url import open_session_store
from plugin.ops import metrics, readiness

SECRET = "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq"


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name in modules else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize(("url", "module", "extra"), [
    ("redis://127.0.0.1:9/0", "redis", "redis"),
    ("postgresql://u@127.0.0.1:9/db", "psycopg_pool", "postgres")])
def test_a_shared_session_store_names_its_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                url: str, module: str, extra: str) -> None:
    hide(monkeypatch, module)
    with pytest.raises(MissingExtra) as missing:
        open_session_store(url, SECRET, tmp_path)
    assert f"pip install 'alliance-panel[{extra}]'" in missing.value.message


def test_several_workers_name_the_gunicorn_extra(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    hide(monkeypatch, "gunicorn")
    assert main(["serve", "--workers", "2", "--log-format", "text"]) == 2
    assert "--workers above 1 needs the 'gunicorn' extra" in capsys.readouterr().err


def test_metrics_without_their_extra_say_so_and_leave_the_instance_ready(
        monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "prometheus_client")
    monkeypatch.setattr(readiness, "METRICS_AVAILABLE", False)
    with pytest.raises(MissingExtra) as missing:
        metrics.exposition()
    assert "pip install 'alliance-panel[metrics]'" in missing.value.message
    check = readiness.check_metrics()
    assert check.ok and "not installed" in check.detail
