"""Every outbound call carries the request id, and its latency is measured per server and
interaction. Wraps the adapters already mounted on the app's requests.Session (the real one,
or a test's fake transport) rather than replacing them."""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies

from plugin.ops import metrics
from plugin.ops.request_ids import HEADER, current_request_id

_AUTH_PATHS = ("/token", "/authorize", "/.well-known/", "/jwks", "/register", "/introspect")


def interaction(method: str, url: str, body: bytes | str | None) -> str:
    """The FHIR interaction a request is (or `auth` for SMART/OAuth calls), from its shape:
    a bounded label set, whatever the URL holds."""
    path = urlsplit(url).path.rstrip("/")
    if any(part in path for part in _AUTH_PATHS):
        return "auth"
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""
    if last.startswith("$"):
        return "operation"
    if method == "POST" and (not last[:1].isupper() or last == "fhir"):
        text = body.decode(errors="replace") if isinstance(body, bytes) else body or ""
        return "transaction" if '"transaction"' in text[:400] else "batch"
    if last == "metadata":
        return "capabilities"
    resource_at_end = bool(last[:1].isupper())
    if method == "GET":
        return "search" if resource_at_end else "read"
    return {"POST": "create", "PUT": "update", "DELETE": "delete", "PATCH": "patch"}.get(
        method, "other")


class ObservedAdapter(BaseAdapter):
    def __init__(self, inner: BaseAdapter) -> None:
        super().__init__()
        self.inner = inner

    def send(  # type: ignore[override]  # passes every argument through unchanged
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        request_id = current_request_id()
        if request_id:
            request.headers[HEADER] = request_id
        url = request.url or ""
        parts = urlsplit(url)
        server = f"{parts.scheme}://{parts.netloc}"
        started = time.perf_counter()
        try:
            return self.inner.send(request, **kwargs)
        finally:
            metrics.FHIR_SECONDS.labels(
                server=server, interaction=interaction(request.method or "GET", url, request.body)
            ).observe(time.perf_counter() - started)

    def close(self) -> None:
        self.inner.close()


def _proxies_read_once(http: requests.Session) -> None:
    """requests reads every environment variable (twice) for each request to find its proxy:
    about 0.15 ms a request, a tenth of the panel's budget over a paged read. The environment
    does not change while the app runs, so this session reads it once per server (scheme,
    host, port, no_proxy); the rest is merged as requests merges it."""
    if getattr(http.merge_environment_settings, "reads_environment_once", False):
        return
    merge: Any = http.merge_environment_settings
    setting: Any = merge_setting  # untyped in requests
    found: dict[tuple[str, str | None], dict[str, str]] = {}

    def merge_environment_settings(url: str, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        if not http.trust_env or len(found) > 256:
            return merge(url, proxies, stream, verify, cert)
        if proxies is not None:
            parts = urlsplit(url)
            key = (f"{parts.scheme}://{parts.netloc}/", proxies.get("no_proxy"))
            if key not in found:
                found[key] = dict(get_environ_proxies(key[0], no_proxy=key[1]))
            for name, value in found[key].items():
                proxies.setdefault(name, value)
        # The environment's bundle only where the session names none of its own: a bundle set
        # on the session (ALLIANCE_CA_BUNDLE, plugin.fhir.sessions) wins.
        if (verify is True or verify is None) and http.verify is True:
            verify = (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                      or verify)
        return {"proxies": setting(proxies, http.proxies), "stream": setting(stream, http.stream),
                "verify": setting(verify, http.verify), "cert": setting(cert, http.cert)}

    merge_environment_settings.reads_environment_once = True  # type: ignore[attr-defined]
    http.merge_environment_settings = merge_environment_settings  # type: ignore[method-assign,assignment]


def observe(http: requests.Session) -> requests.Session:
    """Wraps each adapter of `http` once; returns the same session."""
    for prefix, adapter in list(http.adapters.items()):
        if not isinstance(adapter, ObservedAdapter):
            http.adapters[prefix] = ObservedAdapter(adapter)
    _proxies_read_once(http)
    return http
