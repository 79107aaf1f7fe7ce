"""The one fake HTTP transport of the test suite: a requests adapter answering from routes.

Unit tests of smart_launch and of plugin mount it on a real requests.Session, so everything
above the transport (timeouts, redirects refused, headers, JSON decoding) runs for real.

A route is (method, URL). It answers a request whose URL without its query equals the route's
URL, else the route with the longest URL that the request's URL starts with (a FHIR base answers
every search under it). Adding a route again replaces it. An answer is ``(status, body)`` or
``(status, body, headers)``; a list of answers, used one per call (the last one repeats); a
callable(request) returning an answer; or an exception, raised as the network would. A str or
bytes body is sent as text/html, anything else as JSON. A request no route answers gets a 404
OperationOutcome. Every request is kept, in order, in ``requests``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Route = Answer | list[Answer] | Callable[[requests.PreparedRequest], Answer] | BaseException

NOT_FOUND: dict[str, Any] = {"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "not-found", "diagnostics": "no route for this URL"}]}


@dataclass
class Recorded:
    """One request as the transport received it."""

    method: str
    url: str
    headers: dict[str, str]
    body: str
    timeout: Any
    prepared: requests.PreparedRequest

    @property
    def path_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body, keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body or "null")


class FakeTransport(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Recorded] = []

    def add(self, method: str, url: str, answer: Route) -> FakeTransport:
        self.routes[(method, url)] = answer
        return self

    def calls(self, method: str, url: str) -> list[Recorded]:
        """The requests sent to exactly this URL (query aside)."""
        return [r for r in self.requests if r.method == method and r.path_url == url]

    @property
    def sent(self) -> list[requests.PreparedRequest]:
        return [r.prepared for r in self.requests]

    @property
    def timeouts(self) -> list[Any]:
        return [r.timeout for r in self.requests]

    def _route(self, method: str, url: str) -> Route | None:
        path_url = Recorded(method, url, {}, "", None, requests.PreparedRequest()).path_url
        exact = self.routes.get((method, path_url))
        if exact is not None:
            return exact
        prefixes = [u for (m, u) in self.routes if m == method and url.startswith(u)]
        return self.routes[(method, max(prefixes, key=len))] if prefixes else None

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        body = request.body or ""
        text = body.decode() if isinstance(body, bytes) else str(body)
        self.requests.append(Recorded(str(request.method), str(request.url),
                                      dict(request.headers), text, timeout, request))
        route = self._route(str(request.method), str(request.url))
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if callable(route):
            route = route(request)
        if isinstance(route, BaseException):
            raise route
        return self._respond(request, (404, NOT_FOUND) if route is None else route)

    @staticmethod
    def _respond(request: requests.PreparedRequest, answer: Answer) -> requests.Response:
        status, payload, *rest = answer
        response = requests.Response()
        response.status_code = status
        if isinstance(payload, str | bytes):
            response._content = payload.encode() if isinstance(payload, str) else payload
            response.headers["Content-Type"] = "text/html"
        else:
            response._content = json.dumps(payload).encode()
            response.headers["Content-Type"] = "application/json"
        response.headers.update(rest[0] if rest else {})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return


def fake_session() -> tuple[requests.Session, FakeTransport]:
    """A real requests.Session whose every request the fake transport answers."""
    transport = FakeTransport()
    session = requests.Session()
    session.mount("http://", transport)
    session.mount("https://", transport)
    return session, transport


def body_of(request: requests.PreparedRequest) -> Any:
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body
    return json.loads(raw or "null")
