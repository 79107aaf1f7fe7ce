"""The thin HTTP layer: a session that keeps no cookies, GETs of JSON documents with a timeout
and no redirects, and the mapping of transport failures to errors.

Everything else in the package is pure; this module and token.py are the only ones that touch
the network, both through the ``requests.Session`` the caller injected. ``harden_session``
switches that session's cookie jar off (one jar shared by every launch would replay a cookie
that one EHR's server, balancer or WAF set during launch A on launch B's requests), and every
request is sent with ``allow_redirects=False``: a redirect would carry a code, a verifier, a
client assertion or a bearer token to wherever the server pointed, so it is an error instead.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests

from .deadline import deadline, enforce_deadlines
from .errors import DiscoveryError, RedirectRefused, TransportError
from .limits import DEFAULT_LIMITS, ReadLimits, check_shape
from .reading import ACCEPT_ENCODING, close, read_body, too_slow

__all__ = [
    "REDIRECT_STATUSES",
    "REFUSED_LOCATION",
    "describe_transport_failure",
    "get_json",
    "harden_session",
    "refuse_redirect",
]

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that neither stores nor returns any cookie."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


REFUSED_LOCATION = "X-Refused-Location"


def _unfollowable(response: requests.Response, *_args: Any, **_kwargs: Any) -> requests.Response:
    """Response hook: take the ``Location`` off a redirect so that requests cannot follow it,
    even for a caller that forgot ``allow_redirects=False``; the status stays for the caller."""
    if response.status_code in REDIRECT_STATUSES and "Location" in response.headers:
        response.headers[REFUSED_LOCATION] = response.headers.pop("Location")
    return response


def harden_session(http: requests.Session) -> requests.Session:
    """Switch off ``http``'s cookie jar (and empty it), make redirects unfollowable on it, and
    let a ``deadline`` cut its requests (deadline.enforce_deadlines), for every user of the
    session; returns the same session. Idempotent."""
    enforce_deadlines(http)
    http.cookies.set_policy(_NoCookies())
    http.cookies.clear()
    hooks = http.hooks.setdefault("response", [])
    if _unfollowable not in hooks:
        hooks.append(_unfollowable)
    return http


def refuse_redirect(response: requests.Response, url: str) -> None:
    """Raise RedirectRefused when ``response`` is a redirect; never follow it."""
    if response.status_code in REDIRECT_STATUSES:
        location = response.headers.get("Location") or response.headers.get(REFUSED_LOCATION)
        target = urlsplit(location or "")
        where = f" to {target.scheme}://{target.netloc}" if target.netloc else ""
        log.warning("%s answered a redirect (HTTP %s); not followed", url, response.status_code)
        raise RedirectRefused(
            f"{url} answered with a redirect (HTTP {response.status_code}{where}); redirects "
            "are not followed, so configure the server's final address instead",
            code="redirect_refused",
        )


def describe_transport_failure(err: requests.RequestException, url: str) -> TransportError:
    """Turn a requests exception into a TransportError that names the URL, not secrets."""
    if isinstance(err, requests.exceptions.SSLError):
        return TransportError(f"request to {url} failed: its TLS certificate "
                              "could not be verified (SSLError)", code="tls_untrusted")
    code = "timeout" if isinstance(err, requests.Timeout) else "network_error"
    return TransportError(f"request to {url} failed: {type(err).__name__}", code=code)


def get_json(
    http: requests.Session,
    url: str,
    *,
    timeout: float,
    accept: str = "application/json",
    limits: ReadLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """GET ``url`` and return its JSON object body, read within ``limits`` (its bytes, its
    depth, and a deadline for the whole request; ``timeout`` bounds each read).

    Raises TransportError when the request cannot be made, RedirectRefused (a TransportError)
    when the server answers with a redirect, ResponseLimitExceeded (a TransportError) when the
    answer passes a bound, and DiscoveryError when it answers with another non-200 status or
    with something that is not a JSON object.
    """
    with deadline(limits.deadline) as scope:
        try:
            response = http.get(
                url, headers={"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING},
                timeout=scope.timeout(timeout), allow_redirects=False, stream=True,
            )
        except requests.RequestException as err:
            if scope.passed:
                raise too_slow(scope, url) from err
            raise describe_transport_failure(err, url) from err
        try:
            refuse_redirect(response, url)
            if response.status_code != 200:
                log.info("GET %s answered HTTP %s", url, response.status_code)
                raise DiscoveryError(
                    f"GET {url} answered HTTP {response.status_code}", code="http_status")
            try:
                data = read_body(response, limits, scope, url)
            except requests.RequestException as err:
                raise describe_transport_failure(err, url) from err
        finally:
            close(response)
    check_shape(data, limits, url)
    try:
        body = json.loads(data)
    except ValueError as err:  # a UnicodeDecodeError is a ValueError too
        raise DiscoveryError(f"GET {url} did not return JSON", code="invalid_json") from err
    if not isinstance(body, dict):
        raise DiscoveryError(f"GET {url} did not return a JSON object", code="invalid_json")
    return body
