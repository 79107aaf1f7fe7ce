"""The session store on Redis (redis-py), for several app instances sharing launches.

Same contract as the SQLite store (see plugin/launch/session_store.py). Each value lives under
`alliance:v:<sha256 of kind and key>`, Fernet-encrypted, with a Redis TTL: Redis itself forgets
an expired value, so no instance can read one. `values(kind)` reads a per-kind index, a sorted
set `alliance:i:<kind>` of key hashes scored by their expiry; `values` trims the index of
expired members and reads the live ones, so a value whose key is gone is never listed.

Atomic operations map onto single Redis commands or MULTI/EXEC blocks:
- `take` is GETDEL (two instances racing for one `state`: one gets it, the other None);
- `add` is SET NX PX (a live value is never replaced);
- `incr` is SET NX PX followed by INCR in one transaction; INCR keeps the TTL, so counting
  never extends a counter's life. Counters hold a count, never a secret, so they are stored
  as plain integers (what INCR needs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from plugin.launch.errors import StoreUnavailable
from plugin.launch.redis_durability import verify_durable
from plugin.launch.sealing import Sealer, hash_key

PREFIX = "alliance"
TIMEOUT = 5.0  # seconds, for connecting and for each command


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisSessionStore:
    def __init__(
        self, url: str, secret_key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._sealer = Sealer(secret_key)
        self._clock = clock  # only scores the per-kind index; Redis TTLs decide expiry
        self._redis = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
            health_check_interval=30, retry_on_timeout=True,
        )
        self._call(self._redis.ping)
        # Only a Redis that keeps every write across a restart: the outbox and drafts live here.
        self._call(verify_durable, self._redis, url)

    def close(self) -> None:
        self._redis.close()

    def _call(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return operation(*args, **kwargs)
        except (redis.RedisError, OSError) as err:
            raise StoreUnavailable.wrap("Redis", err) from err

    def _key(self, kind: str, key: str) -> str:
        return f"{PREFIX}:v:{hash_key(kind, key)}"

    def _index(self, kind: str) -> str:
        return f"{PREFIX}:i:{kind}"

    def _seal(self, kind: str, key: str, value: dict[str, Any]) -> bytes:
        return self._sealer.seal(kind, hash_key(kind, key), value)

    def _open(self, kind: str, name: str | bytes, blob: bytes | None) -> dict[str, Any] | None:
        """``name``: the value's Redis key, ``{PREFIX}:v:<hash_key(kind, key)>``."""
        if blob is None:
            return None
        if blob.isdigit():  # a counter (sealed values never are all digits)
            return {"n": int(blob)}
        text = name.decode() if isinstance(name, bytes) else name
        return self._sealer.open(kind, text.rsplit(":", 1)[-1], blob)

    def _write(self, kind: str, key: str, blob: bytes, ttl: float, *, only_new: bool) -> bool:
        name = self._key(kind, key)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(name, blob, px=_ms(ttl), nx=only_new)
        pipe.zadd(self._index(kind), {name: self._clock() + ttl})
        stored, _ = self._call(pipe.execute)
        if not stored and only_new:
            # The ZADD ran anyway; put the live value's own expiry back into the index.
            self._rescore(kind, name)
        return bool(stored)

    def _rescore(self, kind: str, name: str) -> None:
        left_ms = self._call(self._redis.pttl, name)
        if left_ms and left_ms > 0:
            self._call(self._redis.zadd, self._index(kind), {name: self._clock() + left_ms / 1000})

    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None:
        self._write(kind, key, self._seal(kind, key, value), ttl, only_new=False)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        name = self._key(kind, key)
        return self._open(kind, name, self._call(self._redis.get, name))

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        name = self._key(kind, key)
        pipe = self._redis.pipeline(transaction=True)
        pipe.getdel(name)
        pipe.zrem(self._index(kind), name)
        blob, _ = self._call(pipe.execute)
        return self._open(kind, name, blob)

    def delete(self, kind: str, key: str) -> None:
        name = self._key(kind, key)
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(name)
        pipe.zrem(self._index(kind), name)
        self._call(pipe.execute)

    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool:
        return self._write(kind, key, self._seal(kind, key, value), ttl, only_new=True)

    def incr(self, kind: str, key: str, ttl: float) -> int:
        """Adds one to a counter and returns it; a new counter expires `ttl` from now, and
        counting never extends that."""
        name = self._key(kind, key)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(name, 0, px=_ms(ttl), nx=True)
        pipe.incr(name)
        created, count = self._call(pipe.execute)
        if created:
            self._call(self._redis.zadd, self._index(kind), {name: self._clock() + ttl})
        return int(count)

    def values(self, kind: str) -> list[dict[str, Any]]:
        index = self._index(kind)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(index, "-inf", f"({self._clock()}")
        pipe.zrange(index, 0, -1)
        _, names = self._call(pipe.execute)
        if not names:
            return []
        blobs = self._call(self._redis.mget, names)
        opened = (self._open(kind, name, blob) for name, blob in zip(names, blobs, strict=True))
        return [value for value in opened if value is not None]
