"""Fake HTTP at the transport only: a requests adapter answering from a list of routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import BaseAdapter

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]] | Exception


class FakeTransport(BaseAdapter):
    """Routes are (method, url prefix) -> an answer or a callable(request) -> answer.
    A list of answers is consumed one per call (the last one repeats)."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: list[tuple[str, str, Any]] = []
        self.sent: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    def add(self, method: str, url: str, answer: Any) -> FakeTransport:
        self.routes.append((method, url, answer))
        return self

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        self.timeouts.append(kwargs.get("timeout"))
        for method, prefix, answer in self.routes:
            if request.method == method and (request.url or "").startswith(prefix):
                if isinstance(answer, list):
                    answer = answer.pop(0) if len(answer) > 1 else answer[0]
                if callable(answer) and not isinstance(answer, Exception):
                    answer = answer(request)
                return self._respond(request, answer)
        return self._respond(
            request,
            (
                404,
                {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "error",
                            "code": "not-found",
                            "diagnostics": f"no route {request.url}",
                        }
                    ],
                },
            ),
        )

    @staticmethod
    def _respond(request: requests.PreparedRequest, answer: Answer) -> requests.Response:
        if isinstance(answer, Exception):
            raise answer
        status, body, *rest = answer
        response = requests.Response()
        response.status_code = status
        response.headers.update(rest[0] if rest else {})
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return


def fake_session() -> tuple[requests.Session, FakeTransport]:
    transport = FakeTransport()
    session = requests.Session()
    session.mount("http://", transport)
    session.mount("https://", transport)
    return session, transport


def body_of(request: requests.PreparedRequest) -> Any:
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body
    return json.loads(raw or "null")


Route = Callable[[requests.PreparedRequest], Answer]
