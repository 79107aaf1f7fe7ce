"""A small threaded HTTP reverse proxy that asks, request by request, what to do with it.

The 503 injector in tests/support/toxiproxy.py is built on it: `decide(method, path)` returns
"forward" (relay the request, relay the answer), "refuse" (answer 503 without forwarding) or
"after" (relay the request, drop the upstream's answer, answer 503). Standard library only,
so that it has nothing of the app under test in it.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

UPSTREAM_TIMEOUT = 30.0
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "content-length"}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that reset its connection (a toxic did) is not our error


class Relay:
    def __init__(self, upstream: str, decide: Callable[[str, str], str], *,
                 retry_after: int = 1) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.decide, self.retry_after = decide, retry_after
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # URLs may carry codes

            def do_GET(self) -> None:  # noqa: N802
                relay.handle(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET  # noqa: N815

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}{self.prefix}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Relay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        action = self.decide(request.command, request.path)
        if action == "refuse":
            self._answer_503(request)
            return
        try:
            status, reason, headers, payload = self._forward(request, body)
        except OSError as err:  # the upstream (or a toxic in front of it) cut the connection
            self._send(request, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                       f"relay: upstream failed: {type(err).__name__}".encode())
            return
        if action == "after":
            self._answer_503(request)
            return
        self._send(request, status, reason, headers, payload)

    def _forward(self, request: BaseHTTPRequestHandler,
                 body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=UPSTREAM_TIMEOUT)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(request.command, request.path, body=body or None,
                               headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            return answer.status, answer.reason, kept, payload
        finally:
            connection.close()

    def _answer_503(self, request: BaseHTTPRequestHandler) -> None:
        self._send(request, 503, "Service Unavailable",
                   [("Content-Type", "text/plain"), ("Retry-After", str(self.retry_after))],
                   b"injected 503: the server is busy, try again later")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, reason: str,
              headers: list[tuple[str, str]], payload: bytes) -> None:
        request.send_response(status, reason)
        for name, value in headers:
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)
