"""The app's own signing keys (for private_key_jwt): generate, load from PEM, publish as JWKS.

Only RS384 and ES384 are offered: the two algorithms every SMART server must accept.
The ``kid`` defaults to the RFC 7638 thumbprint of the public key, so it is stable across
restarts for the same PEM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from .errors import ConfigurationError

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "SigningKey",
    "generate_private_key_pem",
    "load_signing_key",
    "public_jwks",
]

SUPPORTED_ALGORITHMS = ("RS384", "ES384")
_RSA_BITS = 2048
_EC_CURVE = "P-384"


@dataclass(frozen=True)
class SigningKey:
    """A private key ready to sign client assertions; ``repr`` never shows key material."""

    alg: str
    kid: str
    key: RSAKey | ECKey = field(repr=False, compare=False)

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK with kid, alg, use=sig and key_ops=[verify]."""
        jwk = dict(self.key.as_dict(private=False))
        jwk.update({"kid": self.kid, "alg": self.alg, "use": "sig", "key_ops": ["verify"]})
        return jwk


def _check_alg(alg: str) -> None:
    if alg not in SUPPORTED_ALGORITHMS:
        raise ConfigurationError(
            f"private_key_alg {alg!r} is not supported; use one of {SUPPORTED_ALGORITHMS}",
            code="unsupported_algorithm",
        )


def generate_private_key_pem(alg: str = "RS384") -> bytes:
    """A fresh private key in PKCS#8 PEM: RSA 2048 for RS384, P-384 for ES384."""
    _check_alg(alg)
    key: RSAKey | ECKey = (
        RSAKey.generate_key(_RSA_BITS) if alg == "RS384" else ECKey.generate_key(_EC_CURVE)
    )
    pem: bytes = key.as_pem(private=True)
    return pem


def load_signing_key(pem: bytes, alg: str = "RS384", kid: str | None = None) -> SigningKey:
    """Load a private key PEM for ``alg``; refuse a public key or one of the wrong type."""
    _check_alg(alg)
    try:
        key: RSAKey | ECKey = RSAKey.import_key(pem) if alg == "RS384" else ECKey.import_key(pem)
    except (JoseError, ValueError, TypeError) as err:
        raise ConfigurationError(
            f"private_key_pem is not a private key usable with {alg}", code="invalid_private_key"
        ) from err
    if not key.is_private:
        raise ConfigurationError("private_key_pem holds a public key only",
                                 code="invalid_private_key")
    if isinstance(key, ECKey) and key.curve_name != _EC_CURVE:
        raise ConfigurationError(f"ES384 needs a {_EC_CURVE} key", code="invalid_private_key")
    return SigningKey(alg=alg, kid=kid or key.thumbprint(), key=key)


def public_jwks(keys: Iterable[SigningKey]) -> dict[str, Any]:
    """``{"keys": [...]}`` to serve at the app's jwks_uri."""
    return {"keys": [key.public_jwk() for key in keys]}


@dataclass(frozen=True)
class RingKey:
    """A key in a rotation: it signs from ``active_from`` until ``retired``, and stays in the
    published JWKS from the moment it is added until ``retired`` plus the ring's grace period."""

    key: SigningKey
    created: float
    active_from: float
    retired: float | None = None


class KeyRing:
    """Several keys with distinct ``kid``s: sign with the newest active one, publish the rest.

    A new key is published before it signs (``active_from`` in the future) so that a server
    that caches the JWKS has seen it before the first assertion it signs arrives; a retired
    key stays published for ``grace`` seconds so assertions already signed still verify.
    """

    def __init__(self, keys: Iterable[RingKey], grace: float) -> None:
        self.keys = tuple(sorted(keys, key=lambda k: (k.active_from, k.created)))
        kids = [k.key.kid for k in self.keys]
        if len(set(kids)) != len(kids):
            raise ConfigurationError("two keys in the ring share a kid", code="duplicate_kid")
        self.grace = grace

    def signing_key(self, now: float) -> SigningKey:
        """The newest key that is active at ``now`` and not retired."""
        usable = [k for k in self.keys
                  if k.active_from <= now and (k.retired is None or k.retired > now)]
        if not usable:
            raise ConfigurationError(
                "no signing key is active: add one with `alliance keys add`", code="no_active_key")
        return usable[-1].key

    def published(self, now: float) -> list[SigningKey]:
        """Every key a verifier may meet: pending, active, and retired within the grace."""
        return [k.key for k in self.keys if k.retired is None or k.retired + self.grace > now]

    def jwks(self, now: float) -> dict[str, Any]:
        return public_jwks(self.published(now))
