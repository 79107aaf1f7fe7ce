"""Token endpoint requests (authorization_code, refresh_token, client_credentials) through
authlib's OAuth2Client on the caller's requests.Session, and the pure parsing of the answer.

The request is sent with ``allow_redirects=False`` and a redirect is an error: following a 307
would re-post the code, the code_verifier and a fresh client assertion to another address and
accept whatever token response that address sends. The answer is read within ReadLimits (its
bytes, its depth, a deadline for the whole request) before authlib decodes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client.oauth2_session import OAuth2ClientAuth
from authlib.oauth2.client import OAuth2Client

from .client_auth import AuthHook
from .deadline import Deadline, deadline
from .errors import TokenRequestError
from .limits import DEFAULT_LIMITS, ReadLimits, check_shape
from .reading import ACCEPT_ENCODING, close, read_body, too_slow
from .scopes import GrantedScopes
from .transport import describe_transport_failure, refuse_redirect

__all__ = [
    "ASSUMED_LIFETIME",
    "BEARER",
    "TOKEN_FIELDS",
    "TokenSet",
    "parse_token_response",
    "request_token",
]

log = logging.getLogger(__name__)

# When the server omits expires_in, assume a short life: the app refreshes (or relaunches)
# early rather than sending a token the server already considers dead.
ASSUMED_LIFETIME = 300.0
BEARER = "Bearer"  # noqa: S105 - a token type name, not a secret
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})


@dataclass(frozen=True)
class TokenSet:
    """A token response. ``params`` holds the other, non-secret response parameters."""

    access_token: str = field(repr=False)
    token_type: str
    expires_at: float
    scopes: GrantedScopes
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def is_expired(self, now: float, margin: float = 60.0) -> bool:
        return now >= self.expires_at - margin


def _optional_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TokenRequestError(f"token response field {name} is not a string",
                                code="invalid_response")
    return value


def parse_token_response(
    body: Mapping[str, Any], *, now: float, requested_scope: str
) -> TokenSet:
    """Check and type a token response; with no ``scope`` the requested scope was granted."""
    access_token = _optional_str(body, "access_token")
    if access_token is None:
        raise TokenRequestError("token response has no access_token", code="invalid_response")
    token_type = _optional_str(body, "token_type") or ""
    if token_type.lower() != "bearer":
        raise TokenRequestError(
            f"token_type {token_type!r} is not Bearer", code="unsupported_token_type"
        )
    expires_in = body.get("expires_in")
    try:
        lifetime = float(expires_in) if expires_in is not None else ASSUMED_LIFETIME
    except (TypeError, ValueError) as err:
        raise TokenRequestError("expires_in is not a number", code="invalid_response") from err
    scope = _optional_str(body, "scope")
    params = {k: v for k, v in body.items() if k not in TOKEN_FIELDS and k != "expires_at"}
    return TokenSet(
        access_token=access_token,
        token_type=BEARER,
        expires_at=now + lifetime,
        scopes=GrantedScopes.parse(scope if scope is not None else requested_scope),
        refresh_token=_optional_str(body, "refresh_token"),
        id_token=_optional_str(body, "id_token"),
        params=params,
    )


TOKEN_HEADERS = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING,
                 "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


def _read_answer(limits: ReadLimits, scope: Deadline) -> Callable[[requests.Response],
                                                                  requests.Response]:
    """authlib compliance hook: read the body within ``limits``, then refuse a redirect (as
    RedirectRefused) or an HTTP error (as a TokenRequestError with its OAuth code)."""

    def hook(response: requests.Response) -> requests.Response:
        url = str(response.request.url) if response.request else "the token endpoint"
        try:
            refuse_redirect(response, url)
            data = read_body(response, limits, scope, url)
        finally:
            close(response)
        check_shape(data, limits, url)
        if response.status_code < 400:
            return response
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        raise TokenRequestError(
            description if isinstance(description, str) and description
            else f"token endpoint answered HTTP {response.status_code}",
            code=error if isinstance(error, str) and error else "http_status",
            status_code=response.status_code,
        )

    return hook


class _TokenClient(OAuth2Client):  # type: ignore[misc]
    """authlib's protocol client bound to an injected requests.Session."""

    client_auth_class = OAuth2ClientAuth
    oauth_error_class = OAuthError
    SESSION_REQUEST_PARAMS = ("timeout", "allow_redirects", "stream")


def request_token(
    http: requests.Session,
    token_endpoint: str,
    *,
    client_id: str,
    auth: tuple[str, AuthHook],
    grant_type: str,
    params: Mapping[str, str],
    timeout: float,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """POST to the token endpoint; return the JSON response or raise a typed error.
    ``timeout`` bounds each read, ``limits`` the answer and the whole request."""
    client = _TokenClient(http, client_id=client_id, token_endpoint_auth_method=auth[0])
    client.register_client_auth_method(auth)
    with deadline(limits.deadline) as scope:
        read = _read_answer(limits, scope)
        client.register_compliance_hook("access_token_response", read)
        client.register_compliance_hook("refresh_token_response", read)
        send = {"timeout": scope.timeout(timeout), "allow_redirects": False, "stream": True,
                "headers": dict(TOKEN_HEADERS)}
        try:
            if grant_type == "refresh_token":
                extra = {k: v for k, v in params.items() if k != "refresh_token"}
                token = client.refresh_token(
                    token_endpoint, refresh_token=params["refresh_token"], **send, **extra)
            else:
                token = client.fetch_token(
                    token_endpoint, grant_type=grant_type, **send, **params)
        except OAuthError as err:
            raise TokenRequestError(str(err.description or err.error), code=str(err.error)) from err
        except requests.HTTPError as err:
            status = err.response.status_code if err.response is not None else None
            raise TokenRequestError(
                f"token endpoint answered HTTP {status}", code="http_status", status_code=status
            ) from err
        except requests.RequestException as err:
            if scope.passed:
                raise too_slow(scope, token_endpoint) from err
            raise describe_transport_failure(err, token_endpoint) from err
        except ValueError as err:
            raise TokenRequestError(
                "token response is not a JSON object", code="invalid_response") from err
    log.info("token %s grant succeeded at %s", grant_type, token_endpoint)
    return dict(token)
