"""Redis must keep what the app writes there: checked when the Redis session store opens.

The session store holds more than open launches: the outbox (saves the clinician was told are
waiting to be stored), drafts of typed answers and corrections in flight. A Redis that forgets
them on a restart loses a clinician's rating. So the app starts only on a Redis that
- appends every write to its log (`appendonly yes`) and flushes it at least every second
  (`appendfsync always`, or `everysec`: a restart or a crash of Redis loses nothing; a crash of
  the whole host may lose the last second with `everysec`, nothing with `always`);
- never evicts a key to make room (`maxmemory-policy noeviction`, or no `maxmemory` at all):
  every value has a TTL, so even the `volatile-*` policies could drop a queued save.

Read with `CONFIG GET`; a Redis that refuses it (some managed services) cannot be verified and
is refused too, with the reason: use PostgreSQL there, or a Redis whose settings can be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

import redis

from plugin.errors import ConfigError

SETTINGS = ("appendonly", "appendfsync", "maxmemory", "maxmemory-policy")
FSYNC_KEPT = ("always", "everysec")


def durability_problems(config: Mapping[str, str]) -> list[str]:
    """What in Redis's settings could lose a queued save, as `setting (found X): fix` lines."""
    problems = []
    if config.get("appendonly") != "yes":
        problems.append(f"appendonly is {config.get('appendonly', 'unset')!r}: set "
                        "`appendonly yes`")
    if config.get("appendfsync") not in FSYNC_KEPT:
        problems.append(f"appendfsync is {config.get('appendfsync', 'unset')!r}: set "
                        "`appendfsync always` (or everysec)")
    if config.get("maxmemory", "0") != "0" and config.get("maxmemory-policy") != "noeviction":
        problems.append(f"maxmemory-policy is {config.get('maxmemory-policy', 'unset')!r} with "
                        "a maxmemory set: set `maxmemory-policy noeviction`")
    return problems


def read_settings(client: redis.Redis) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in SETTINGS:
        answer = cast(Mapping[Any, Any], client.config_get(name))  # sync client: a dict
        for key, value in answer.items():
            found[key.decode() if isinstance(key, bytes) else str(key)] = (
                value.decode() if isinstance(value, bytes) else str(value))
    return found


def verify_durable(client: redis.Redis, url: str) -> None:
    """Raises ConfigError naming each Redis setting that could lose a queued save."""
    parts = urlsplit(url)  # named without its password
    where = f"{parts.scheme}://{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path}"
    try:
        config = read_settings(client)
    except redis.ResponseError as err:
        raise ConfigError(
            f"ALLIANCE_SESSION_STORE_URL: the Redis server at {where} does not let the app read "
            "its persistence settings (CONFIG GET refused), so it cannot be shown to keep queued "
            "saves and drafts across a restart; use PostgreSQL, or a Redis with `appendonly yes`"
            " whose settings can be read (docs/operations.md)") from err
    problems = durability_problems(config)
    if problems:
        raise ConfigError(
            f"ALLIANCE_SESSION_STORE_URL: the Redis server at {where} would lose queued saves and "
            "drafts on a restart; in its redis.conf: " + "; ".join(problems) +
            " (docs/operations.md)")
