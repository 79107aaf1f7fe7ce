"""PKCE (RFC 7636) with S256 only, plus the random values a launch needs (state, nonce).

SMART 2.x requires S256 from every server, so it is always used whatever
``code_challenge_methods_supported`` says.
"""

from __future__ import annotations

import secrets

from authlib.oauth2.rfc7636 import create_s256_code_challenge

__all__ = ["S256", "create_code_challenge", "generate_code_verifier", "generate_token"]

S256 = "S256"

# 32 random bytes -> 43 base64url characters: 256 bits, inside RFC 7636's 43..128 range.
_VERIFIER_BYTES = 32
# state and nonce: 32 random bytes (256 bits), well above SMART's 128-bit floor.
_TOKEN_BYTES = 32


def generate_code_verifier() -> str:
    """A fresh high-entropy code_verifier."""
    return secrets.token_urlsafe(_VERIFIER_BYTES)


def create_code_challenge(code_verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding, as the S256 method defines."""
    challenge: str = create_s256_code_challenge(code_verifier)
    return challenge


def generate_token(nbytes: int = _TOKEN_BYTES) -> str:
    """A URL-safe random value for ``state`` or ``nonce`` (never fewer than 16 bytes)."""
    return secrets.token_urlsafe(max(nbytes, 16))
