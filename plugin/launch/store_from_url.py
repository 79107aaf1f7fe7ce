"""The session store this deployment uses, opened from one setting: ALLIANCE_SESSION_STORE_URL.

- unset: SQLite in `data_dir` (one instance; the default, nothing to run beside the app);
- `postgresql://user:password@host:5432/db` (or `postgres://`): PostgreSQL;
- `redis://host:6379/0` (or `rediss://` for TLS): Redis.

Several instances behind a balancer must share one PostgreSQL or Redis store: a launch started
on one instance finishes on another, and a `state` is used once across all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from plugin.config.checks import POSTGRES_SCHEMES, REDIS_SCHEMES
from plugin.errors import ConfigError, require_extra
from plugin.launch.session_store import SessionStore, SqliteSessionStore


def describe_store_url(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def open_session_store(
    url: str | None,
    secret_key: str,
    data_dir: Path,
    *,
    clock: Callable[[], float] = time.time,
) -> SessionStore:
    """Opens (and for PostgreSQL, creates the table of) the store the URL names."""
    if not url:
        return SqliteSessionStore(data_dir / "sessions.sqlite3", secret_key, clock=clock)
    scheme = urlsplit(url).scheme
    if scheme in POSTGRES_SCHEMES:
        require_extra("psycopg_pool", "postgres", "ALLIANCE_SESSION_STORE_URL=postgresql://...")
        from plugin.launch.session_store_postgres import PostgresSessionStore

        return PostgresSessionStore(url, secret_key, clock=clock)
    if scheme in REDIS_SCHEMES:
        require_extra("redis", "redis", "ALLIANCE_SESSION_STORE_URL=redis://...")
        from plugin.launch.session_store_redis import RedisSessionStore

        return RedisSessionStore(url, secret_key, clock=clock)
    raise ConfigError(
        f"ALLIANCE_SESSION_STORE_URL: unknown scheme {scheme!r} in {describe_store_url(url)}; "
        "use postgresql://... or redis://..., or unset it for SQLite"
    )
