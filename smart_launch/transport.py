"""The thin HTTP layer: GET a JSON document with a timeout, mapping failures to errors.

Everything else in the package is pure; this is the only module besides token.py that
touches the network, and both go through the ``requests.Session`` the caller injected.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from .errors import DiscoveryError, TransportError

__all__ = ["get_json", "describe_transport_failure"]

log = logging.getLogger(__name__)


def describe_transport_failure(err: requests.RequestException, url: str) -> TransportError:
    """Turn a requests exception into a TransportError that names the URL, not secrets."""
    code = "timeout" if isinstance(err, requests.Timeout) else "network_error"
    return TransportError(code, f"request to {url} failed: {type(err).__name__}")


def get_json(
    http: requests.Session,
    url: str,
    *,
    timeout: float,
    accept: str = "application/json",
) -> dict[str, Any]:
    """GET ``url`` and return its JSON object body.

    Raises TransportError when the request cannot be made and DiscoveryError when the
    server answers with a non-200 status or with something that is not a JSON object.
    """
    try:
        response = http.get(url, headers={"Accept": accept}, timeout=timeout)
    except requests.RequestException as err:
        raise describe_transport_failure(err, url) from err
    if response.status_code != 200:
        log.info("GET %s answered HTTP %s", url, response.status_code)
        raise DiscoveryError("http_status", f"GET {url} answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as err:
        raise DiscoveryError("invalid_json", f"GET {url} did not return JSON") from err
    if not isinstance(body, dict):
        raise DiscoveryError("invalid_json", f"GET {url} did not return a JSON object")
    return body
