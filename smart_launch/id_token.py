"""OpenID Connect id_token validation for SMART's ``openid fhirUser`` scopes.

Pure: the caller supplies the issuer's JWK Set and the clock. Only asymmetric signature
algorithms are accepted, so an unsigned (``alg: none``) or HMAC-signed token is refused.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.util import urlsafe_b64decode

from .errors import IdTokenError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_LEEWAY",
    "fhir_user_from_claims",
    "read_header",
    "validate_id_token",
]

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384")
DEFAULT_LEEWAY = 60.0


def read_header(id_token: str) -> dict[str, Any]:
    """The decoded JOSE header (unverified), to pick a key and refuse ``none`` early."""
    try:
        segment = id_token.split(".")[0]
        header = json.loads(urlsafe_b64decode(segment.encode("ascii")))
    except (ValueError, UnicodeError) as err:
        raise IdTokenError("id_token is not a compact JWS", code="malformed_id_token") from err
    if not isinstance(header, dict):
        raise IdTokenError("id_token header is not a JSON object", code="malformed_id_token")
    return header


def _audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [a for a in aud if isinstance(a, str)]
    return []


def _check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
    leeway: float,
) -> None:
    iss = claims.get("iss")
    if not isinstance(iss, str) or iss.rstrip("/") != issuer.rstrip("/"):
        raise IdTokenError("id_token iss is not the authorization server", code="invalid_issuer")
    audiences = _audiences(claims)
    if client_id not in audiences:
        raise IdTokenError("id_token aud does not contain this client_id", code="invalid_audience")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is not None and azp != client_id:
        raise IdTokenError("id_token azp is not this client_id", code="invalid_audience")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise IdTokenError("id_token has no numeric exp", code="invalid_expiry")
    if now > exp + leeway:
        raise IdTokenError("id_token has expired", code="expired")
    if nonce is not None:
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
            raise IdTokenError("id_token nonce does not match the one sent", code="invalid_nonce")


def validate_id_token(
    id_token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
    leeway: float = DEFAULT_LEEWAY,
) -> dict[str, Any]:
    """Verify signature (against ``jwks``), iss, aud, exp and nonce; return the claims.

    ``nonce=None`` skips the nonce check (refresh responses carry no new nonce).
    Raises IdTokenError with code ``unknown_key`` when no key matches the ``kid``, so the
    caller may refetch a rotated JWKS once and try again.
    """
    header = read_header(id_token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise IdTokenError(f"id_token alg {alg!r} is not accepted", code="unsigned_or_weak")
    try:
        key_set = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=[alg])
    except InvalidKeyIdError as err:
        raise IdTokenError("no key in the issuer's JWKS matches the kid",
                           code="unknown_key") from err
    except BadSignatureError as err:
        raise IdTokenError("id_token signature does not verify", code="bad_signature") from err
    except (JoseError, ValueError, KeyError, TypeError) as err:
        raise IdTokenError(f"id_token rejected: {type(err).__name__}",
                           code="invalid_id_token") from err
    claims = dict(token.claims)
    _check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now, leeway=leeway)
    return claims


def fhir_user_from_claims(claims: Mapping[str, Any]) -> str | None:
    """The ``fhirUser`` claim, falling back to the older ``profile`` claim."""
    for name in ("fhirUser", "profile"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None
