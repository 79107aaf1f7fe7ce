"""RSA signing keys for the tests' fake servers and clients, without a new key each time.

Generating a 2048-bit RSA key costs 0.1 to 0.3 s of CPU; the unit and security tiers made about
250 of them, one per fake server or client. A test that needs keys to differ still gets them
different: each call takes the next raw key of a small pool, in turn, so up to ``POOL_SIZE``
keys drawn one after another (within one test) are all distinct; and each call returns a new
JWK object around its raw key, so nothing one test sets on a key reaches another. A key that
must be a stranger to every server of the run (an attacker's) is still made by the test itself
with ``RSAKey.generate_key``.

The sandbox EHRs that tests start (``sandbox_auth``) and the app's key files that tests write
(``private_key_pem``) take their RSA keys from the same pool.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from joserfc.jwk import RSAKey

from ehr_sandbox.auth import AuthServer, Directory
from ehr_sandbox.auth.tokens import SigningKey
from ehr_sandbox.settings import SandboxSettings
from smart_launch.keys import generate_private_key_pem

__all__ = ["POOL_SIZE", "private_key_pem", "rsa_key", "sandbox_auth"]

POOL_SIZE = 8  # more than any one test draws (its fake servers and clients)

_lock = threading.Lock()
_turn = itertools.count()
_pool: dict[int, Any] = {}


def rsa_key(parameters: dict[str, Any] | None = None, *, auto_kid: bool = False) -> RSAKey:
    """What ``RSAKey.generate_key(2048, parameters=..., auto_kid=...)`` returns, from the pool."""
    with _lock:
        slot = next(_turn) % POOL_SIZE
        if slot not in _pool:
            _pool[slot] = RSAKey.binding.generate_private_key(2048)
        raw = _pool[slot]
    key = RSAKey(raw, raw, dict(parameters) if parameters else None)  # type: ignore[arg-type]
    if auto_kid:
        key.ensure_kid()
    return key


def private_key_pem(alg: str = "RS384") -> bytes:
    """What ``generate_private_key_pem(alg)`` returns; an RSA key from the pool."""
    if alg != "RS384":
        return generate_private_key_pem(alg)  # an EC key takes about a millisecond
    pem: bytes = rsa_key().as_pem(private=True)
    return pem


def sandbox_auth(settings: SandboxSettings, directory: Directory) -> AuthServer:
    """The sandbox's authorization server with its signing key from the pool: pass it to
    ``create_sandbox`` as ``auth_factory``."""
    def make_key() -> RSAKey:
        return rsa_key({"use": "sig", "alg": SigningKey.ALG}, auto_kid=True)

    return AuthServer(settings, directory, make_key=make_key)
