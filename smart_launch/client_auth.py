"""Client authentication at the token endpoint: public (client_id in the body),
client_secret_basic, and private_key_jwt (RFC 7523 client assertion, SMART's profile).

The pure functions build the header or assertion; ``token_endpoint_auth`` adapts them to
authlib's client-auth hook signature ``(auth, method, uri, headers, body)``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any

from authlib.common.urls import add_params_to_qs
from joserfc import jwt

from .keys import SigningKey

__all__ = [
    "ASSERTION_LIFETIME",
    "CLIENT_ASSERTION_TYPE",
    "AuthHook",
    "basic_authorization",
    "build_client_assertion",
    "token_endpoint_auth",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300.0  # SMART: exp no more than five minutes in the future

# authlib calls (auth, method, uri, headers, body) and expects (uri, headers, body) back.
AuthHook = Callable[[Any, str, str, dict[str, str], str], tuple[str, dict[str, str], str]]


def basic_authorization(client_id: str, client_secret: str) -> str:
    """``Basic base64(client_id:client_secret)`` with no URL-encoding, as SMART words it."""
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def build_client_assertion(
    key: SigningKey,
    *,
    client_id: str,
    token_endpoint: str,
    now: float,
    jti: str | None = None,
    lifetime: float = ASSERTION_LIFETIME,
) -> str:
    """A signed JWT with iss = sub = client_id, aud = token endpoint, unique jti, short exp."""
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint,
        "jti": jti or secrets.token_urlsafe(32),
        "iat": int(now),
        "exp": int(now + min(lifetime, ASSERTION_LIFETIME)),
    }
    header = {"alg": key.alg, "kid": key.kid, "typ": "JWT"}
    token: str = jwt.encode(header, claims, key.key, algorithms=[key.alg])
    return token


def _append(body: str, params: list[tuple[str, str]], headers: dict[str, str]) -> str:
    new_body: str = add_params_to_qs(body or "", params)
    if "Content-Length" in headers:
        headers["Content-Length"] = str(len(new_body))
    return new_body


def token_endpoint_auth(
    client_id: str,
    *,
    client_secret: str | None,
    signing_key: SigningKey | Callable[[float], SigningKey] | None,
    clock: Callable[[], float],
) -> tuple[str, AuthHook]:
    """The (method name, authlib hook) for this client's way of authenticating.

    ``signing_key`` may be a callable ``(now) -> SigningKey`` (a key ring): it is asked for the
    key at each request, so a rotation takes effect without rebuilding the client."""
    if signing_key is not None:
        key_at = signing_key if callable(signing_key) else (lambda _now: signing_key)

        def private_key_jwt(
            _auth: Any, _method: str, uri: str, headers: dict[str, str], body: str
        ) -> tuple[str, dict[str, str], str]:
            now = clock()
            assertion = build_client_assertion(
                key_at(now), client_id=client_id, token_endpoint=uri, now=now
            )
            params = [("client_assertion_type", CLIENT_ASSERTION_TYPE),
                      ("client_assertion", assertion)]
            return uri, headers, _append(body, params, headers)

        return "smart_private_key_jwt", private_key_jwt

    if client_secret is not None:
        authorization = basic_authorization(client_id, client_secret)

        def client_secret_basic(
            _auth: Any, _method: str, uri: str, headers: dict[str, str], body: str
        ) -> tuple[str, dict[str, str], str]:
            return uri, {**headers, "Authorization": authorization}, body

        return "smart_client_secret_basic", client_secret_basic

    def public(
        _auth: Any, _method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        return uri, headers, _append(body, [("client_id", client_id)], headers)

    return "smart_public", public
