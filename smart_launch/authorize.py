"""The authorization request and its return: PendingAuthorization, the authorize URL, and
checking the redirect back (expiry, state, ``iss`` mix-up defense, OAuth ``error``).

Everything here is pure; the clock's value is passed in.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

from .errors import AuthorizationDenied, AuthorizationError, IssuerMismatch, StateError
from .pkce import S256, create_code_challenge

__all__ = [
    "PENDING_LIFETIME",
    "PendingAuthorization",
    "build_authorization_url",
    "validate_callback",
]

PENDING_LIFETIME = 600.0  # ten minutes from redirect to return


@dataclass(frozen=True)
class PendingAuthorization:
    """What the app keeps server-side between the redirect and the return (JSON-safe)."""

    state: str
    code_verifier: str = field(repr=False)
    nonce: str | None = field(repr=False)
    iss: str  # the FHIR base the launch is for
    issuer: str | None  # the authorization server's issuer from discovery, when published
    authorization_endpoint: str
    token_endpoint: str
    client_id: str
    redirect_uri: str
    scope: str
    launch: str | None
    created_at: float
    iss_required: bool = False  # discovery advertised authorization_response_iss_parameter

    @property
    def expires_at(self) -> float:
        return self.created_at + PENDING_LIFETIME

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingAuthorization:
        """Rebuild from ``to_dict()``; refuse anything malformed with StateError."""
        optional = {"nonce", "issuer", "launch"}
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if f.name == "iss_required":
                value = False if value is None else value
                ok = isinstance(value, bool)
            elif f.name == "created_at":
                ok = isinstance(value, int | float) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str) or (value is None and f.name in optional)
            if not ok:
                raise StateError(f"pending authorization: bad {f.name}",
                                 code="invalid_stored_state")
            values[f.name] = value
        return cls(**values)


def build_authorization_url(pending: PendingAuthorization) -> str:
    """The authorize URL: code flow, PKCE S256, aud = FHIR base, launch and nonce if any."""
    extra: dict[str, str] = {
        "aud": pending.iss,
        "code_challenge": create_code_challenge(pending.code_verifier),
        "code_challenge_method": S256,
    }
    if pending.launch is not None:
        extra["launch"] = pending.launch
    if pending.nonce is not None:
        extra["nonce"] = pending.nonce
    url: str = prepare_grant_uri(
        pending.authorization_endpoint,
        client_id=pending.client_id,
        response_type="code",
        redirect_uri=pending.redirect_uri,
        scope=pending.scope,
        state=pending.state,
        **extra,
    )
    return url


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _check_iss(pending: PendingAuthorization, returned: str) -> None:
    """RFC 9207: a returned ``iss`` must name the server we sent the user to.

    Lenient, because SMART servers differ in what they send: the discovery ``issuer`` and
    the FHIR base are both accepted; anything else is a mix-up and refused.
    """
    accepted = {pending.iss.rstrip("/")}
    if pending.issuer:
        accepted.add(pending.issuer.rstrip("/"))
    if returned.rstrip("/") not in accepted:
        raise IssuerMismatch(
            "the authorization response came from an unexpected issuer", code="issuer_mismatch"
        )


def validate_callback(
    pending: PendingAuthorization, params: Mapping[str, str], *, now: float
) -> str:
    """Check the redirect's query parameters and return the authorization code."""
    if pending.is_expired(now):
        raise StateError("the launch took longer than ten minutes", code="authorization_expired")
    error = params.get("error")
    state = params.get("state")
    if state is None and error:
        state = pending.state  # some servers omit state on errors; the error is shown only
    if not state:
        raise StateError("the authorization response has no state", code="missing_state")
    if not _same(state, pending.state):
        raise StateError("the authorization response state does not match", code="state_mismatch")
    returned_iss = params.get("iss")
    if returned_iss is not None:
        _check_iss(pending, returned_iss)
    elif pending.iss_required:
        raise IssuerMismatch(
            "the authorization response has no iss, though this server promises one on every "
            "response (authorization_response_iss_parameter_supported); it may come from "
            "another server",
            code="missing_iss",
        )
    if error:
        raise AuthorizationDenied(
            params.get("error_description") or f"the authorization server answered {error}",
            code=error,
            error_uri=params.get("error_uri"),
        )
    code = params.get("code")
    if not code:
        raise AuthorizationError("the authorization response has no code", code="missing_code")
    return code
