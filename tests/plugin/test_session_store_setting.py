"""ALLIANCE_SESSION_STORE_URL: which session store a deployment uses, refused clearly when wrong."""

from __future__ import annotations

import importlib

import pytest

from plugin.config import load_settings
from plugin.errors import ConfigError
from plugin.launch.errors import StoreUnavailable
from plugin.launch.session_store import SqliteSessionStore
from plugin.launch.store_from_url import open_session_store
from plugin.web.errors import reply_for
from tests.support.processes import free_port

GOOD = {
    "public_url": "https://alliance.example.org/",
    "client_id": "alliance",
    "allowed_iss": "https://ehr.example/fhir",
    "secret_key": "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq",
}


def test_unset_means_sqlite_in_the_data_folder(tmp_path):
    settings = load_settings({**GOOD, "data_dir": str(tmp_path)})
    assert settings.session_store_url is None
    store = open_session_store(None, settings.secret_key, settings.data_dir)
    assert isinstance(store, SqliteSessionStore)
    assert (tmp_path / "sessions.sqlite3").exists()


@pytest.mark.parametrize("url", ["postgresql://app:pw@db.example:5432/alliance",
                                 "postgres://db.example/alliance", "redis://cache.example:6379/0",
                                 "rediss://cache.example/1"])
def test_postgres_and_redis_urls_are_accepted(url):
    assert load_settings({**GOOD, "session_store_url": url}).session_store_url == url


@pytest.mark.parametrize("url", ["mysql://app:hunter2@db.example/alliance", "db.example:5432",
                                 "redis://"])
def test_another_url_is_refused_with_the_fix_and_without_its_password(url):
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "session_store_url": url})
    message = err.value.message
    assert "ALLIANCE_SESSION_STORE_URL: not a postgresql:// or redis:// URL" in message
    assert "postgresql://user:password@host:5432/db or redis://host:6379/0" in message
    assert "hunter2" not in message


def test_a_store_that_does_not_answer_is_a_clear_error_without_the_password(
        tmp_path, monkeypatch):
    # PostgreSQL's pool retries a refused connection until its timeout: a second here, not 5.
    postgres = importlib.import_module("plugin.launch.session_store_postgres")
    monkeypatch.setattr(postgres, "CONNECT_TIMEOUT", 1)
    port = free_port()  # nothing listens there
    for url in (f"postgresql://app:hunter2@127.0.0.1:{port}/x", f"redis://:hunter2@127.0.0.1:{port}/0"):
        with pytest.raises(StoreUnavailable) as err:
            open_session_store(url, "k" * 32, tmp_path)
        assert err.value.code == "launch.store_unavailable"
        assert reply_for(err.value)[0] == 503
        assert "hunter2" not in err.value.message and "cannot be reached" in err.value.message
