"""Real HTTP servers on loopback for end-to-end tests: bind first, mount the app after.

Binding first lets a test know a server's own address before the app that needs it exists
(the sandbox must know its base URL, the app must know the sandbox's).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # URLs carry codes; keep them out
        return


class LiveServer:
    def __init__(
        self, hostname: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None,
        port: int = 0,
    ) -> None:
        self._app: Callable[..., Any] | None = None
        self._server = make_server(
            "127.0.0.1", port, self._dispatch, threaded=True, request_handler=_QuietHandler,
            ssl_context=ssl_context,
        )
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://{hostname}:{self._server.server_port}"
        # A short poll: stop() waits for the loop to notice, and tests stop servers by the hundred.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def _dispatch(self, environ: dict, start_response: Callable[..., Any]) -> Any:
        assert self._app is not None, "mount an app before sending requests"
        return self._app(environ, start_response)

    def start(self, app: Callable[..., Any]) -> LiveServer:
        self._app = app
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers started as processes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
