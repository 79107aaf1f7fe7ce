"""The two ways a test serves the one fake authorization server (tests/support/smart_server.py).

`on_transport`: behind the suite's fake transport (tests/support/fake_http.py), at a made-up
https origin, for unit tests with a fake clock. `on_socket`: on a HostileServer's real loopback
socket, for the attack suite. Either way each of the server's routes is added to the transport
or the socket server, so a test replaces one answer the way it replaces any other route there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from werkzeug.wrappers import Request, Response

from .fake_http import Answer, FakeTransport
from .hostile import HostileServer, json_response
from .smart_server import ROUTES, SmartServer

ORIGIN = "https://ehr.example.org"  # where `on_transport` serves by default, and its endpoints:
ISSUER = ORIGIN
ISS = f"{ORIGIN}/fhir"
AUTHORIZE = f"{ORIGIN}/auth/authorize"
TOKEN = f"{ORIGIN}/token"
JWKS = f"{ORIGIN}/jwks"


def _flat(encoded: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(encoded).items()}


def serve_on_transport(ehr: SmartServer, transport: FakeTransport) -> SmartServer:
    """Route `ehr`'s endpoints on `transport` (again: undoes a test's replacements)."""

    def handle(request: requests.PreparedRequest) -> Answer:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        parts = urlsplit(str(request.url))
        params = _flat(body if request.method == "POST" else parts.query)
        reply = ehr.answer(str(request.method), parts.path, params)
        assert reply is not None, request.url
        return reply

    for method, path in ROUTES:
        transport.add(method, f"{ehr.origin}{path}", handle)
    ehr.server = transport
    return ehr


def on_transport(transport: FakeTransport, origin: str = ORIGIN, **options: Any) -> SmartServer:
    """A new SmartServer at `origin`, answered by `transport`."""
    return serve_on_transport(SmartServer(origin, **options), transport)


def serve_on_socket(ehr: SmartServer, server: HostileServer) -> SmartServer:
    """Route `ehr`'s endpoints on `server` (again: undoes a test's replacements)."""

    def handle(request: Request) -> Response:
        params = _flat(request.get_data(as_text=True) if request.method == "POST"
                       else request.query_string.decode())
        reply = ehr.answer(request.method, request.path, params)
        assert reply is not None, request.path
        status, body, headers = reply
        if isinstance(body, str):
            return Response(body, status=status, headers=headers)
        return json_response(body, status, headers)

    for method, path in ROUTES:
        server.route(method, path, handle)
    ehr.server = server
    return ehr


def on_socket(server: HostileServer, **options: Any) -> SmartServer:
    """A new SmartServer at `server`'s address, answered by it."""
    return serve_on_socket(SmartServer(server.url, **options), server)
