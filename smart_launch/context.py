"""The launch context: who and what the app was launched for, plus the tokens.

LaunchContext is immutable and JSON-safe through to_dict()/from_dict() so the app can keep
it server-side; its repr never shows a token. The ``patient`` and ``encounter`` ids of a token
response go into FHIR URLs, so they must match FHIR's id syntax (letters, digits, `-`, `.`;
1 to 64 long):
``x%3F...`` or ``../Other/1`` would turn a read into a search or into a read of something else.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import StateError, TokenRequestError
from .scopes import GrantedScopes
from .token import BEARER, TokenSet

__all__ = ["FHIR_ID", "LaunchContext", "build_launch_context", "refreshed_context"]

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 datatype id


@dataclass(frozen=True, kw_only=True)
class LaunchContext:
    iss: str  # the FHIR base URL
    patient: str | None = None
    encounter: str | None = None
    fhir_user: str | None = None
    fhir_context: tuple[dict[str, Any], ...] = ()
    need_patient_banner: bool = True
    smart_style_url: str | None = None
    intent: str | None = None
    tenant: str | None = None
    scopes: GrantedScopes = GrantedScopes(())
    expires_at: float
    token_type: str = BEARER
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    token_endpoint: str
    issuer: str | None = None  # the authorization server's issuer, when known

    def is_expired(self, now: float, margin: float = 60.0) -> bool:
        """True when the access token expires within ``margin`` seconds of ``now``."""
        return now >= self.expires_at - margin

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["scopes"] = str(self.scopes)
        data["fhir_context"] = [dict(item) for item in self.fhir_context]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LaunchContext:
        """Rebuild from ``to_dict()``; refuse anything malformed with StateError."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            values[f.name] = data[f.name]
        try:
            values["scopes"] = GrantedScopes.parse(_text(data, "scopes") or "")
            values["fhir_context"] = _contexts(data.get("fhir_context", []), strict=True)
            values["expires_at"] = float(data["expires_at"])
            for name in ("iss", "access_token", "token_endpoint", "token_type"):
                if not isinstance(data.get(name), str):
                    raise ValueError(name)
            for name in ("patient", "encounter", "fhir_user", "smart_style_url", "intent",
                         "tenant", "refresh_token", "id_token", "issuer"):
                _text(data, name)
            if not isinstance(data.get("need_patient_banner", True), bool):
                raise ValueError("need_patient_banner")
        except (KeyError, TypeError, ValueError) as err:
            raise StateError(f"launch context: bad {err}", code="invalid_stored_state") from err
        return cls(**values)


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(name)
    return value


def _contexts(value: object, *, strict: bool = False) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        if strict:
            raise ValueError("fhir_context")
        return ()
    items = [dict(item) for item in value if isinstance(item, dict)]
    if strict and len(items) != len(value):
        raise ValueError("fhir_context")
    return tuple(items)


def _banner(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return True  # absent or unreadable: show the banner, the safe choice


def _param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) and value else None


def _id_param(params: Mapping[str, Any], name: str) -> str | None:
    """A ``patient`` or ``encounter`` id; refused unless it is a FHIR id."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not FHIR_ID.fullmatch(value):
        raise TokenRequestError(
            f"the token response's {name} is not a FHIR id; launch refused", code="invalid_context"
        )
    return value


def build_launch_context(
    tokens: TokenSet,
    *,
    iss: str,
    token_endpoint: str,
    issuer: str | None,
    fhir_user: str | None,
) -> LaunchContext:
    """Read SMART's launch context parameters out of a token response."""
    params = tokens.params
    return LaunchContext(
        iss=iss,
        patient=_id_param(params, "patient"),
        encounter=_id_param(params, "encounter"),
        fhir_user=fhir_user,
        fhir_context=_contexts(params.get("fhirContext")),
        need_patient_banner=_banner(params.get("need_patient_banner")),
        smart_style_url=_param(params, "smart_style_url"),
        intent=_param(params, "intent"),
        tenant=_param(params, "tenant"),
        scopes=tokens.scopes,
        expires_at=tokens.expires_at,
        token_type=tokens.token_type,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        id_token=tokens.id_token,
        token_endpoint=token_endpoint,
        issuer=issuer,
    )


def refreshed_context(
    context: LaunchContext, tokens: TokenSet, *, fhir_user: str | None
) -> LaunchContext:
    """The context after a refresh: new tokens; the old refresh token kept only when the
    server sent no new one; launch parameters updated only where the response has them."""
    params = tokens.params
    return dataclasses.replace(
        context,
        access_token=tokens.access_token,
        token_type=tokens.token_type,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes,
        refresh_token=tokens.refresh_token or context.refresh_token,
        id_token=tokens.id_token or context.id_token,
        fhir_user=fhir_user or context.fhir_user,
        patient=_id_param(params, "patient") or context.patient,
        encounter=_id_param(params, "encounter") or context.encounter,
    )
