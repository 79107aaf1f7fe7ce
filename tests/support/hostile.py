"""Misbehaving servers for the attack suite: real werkzeug servers on free loopback ports whose
every answer is written by the test, and which record every request they receive.

`HostileServer.route(method, path, handler)`: handler(request) -> werkzeug Response (or a
(status, json) tuple). Unknown paths answer 404. `received` lists what reached the server, so
a test can assert that a code, a verifier or a token never arrived somewhere.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.support.servers import LiveServer

Handler = Callable[[Request], Response | tuple[int, Any]]


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str

    @property
    def cookie(self) -> str | None:
        return self.headers.get("Cookie")


@dataclass
class HostileServer:
    server: LiveServer = field(default_factory=LiveServer)
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server.start(self._wsgi)

    @property
    def url(self) -> str:
        return self.server.url

    def route(self, method: str, path: str, handler: Handler) -> HostileServer:
        self.routes[(method, path)] = handler
        return self

    def json(self, method: str, path: str, body: Any, status: int = 200,
             headers: dict[str, str] | None = None) -> HostileServer:
        return self.route(method, path, lambda _r: json_response(body, status, headers))

    def redirect(self, method: str, path: str, location: str, status: int = 307) -> HostileServer:
        return self.route(
            method, path, lambda _r: Response("", status=status, headers={"Location": location})
        )

    def stop(self) -> None:
        self.server.stop()

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data(as_text=True)
        with self._lock:
            self.received.append(Received(
                request.method, request.path, request.query_string.decode(),
                dict(request.headers), body))
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            answer: Response | tuple[int, Any] = json_response({"error": "not_found"}, 404)
        else:
            answer = handler(request)
        if isinstance(answer, tuple):
            answer = json_response(answer[1], answer[0])
        return answer(environ, start_response)

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def anything_containing(self, secret: str) -> list[Received]:
        """Every request that carried `secret` anywhere (path, query, headers, body)."""
        with self._lock:
            return [r for r in self.received
                    if secret in f"{r.path}?{r.query} {r.headers} {r.body}"]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers=headers or {})
