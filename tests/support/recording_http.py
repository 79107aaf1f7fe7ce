"""A real requests.Session that records every outbound request and answer, for tests that count
round trips, find the tokens the app received, or tamper with an answer like a hostile network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Exchange:
    method: str
    url: str
    body: str
    status: int
    response_text: str


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[Exchange] = []
        self.tamper: Callable[[requests.PreparedRequest, requests.Response], None] | None = None
        # A network that drops these requests before they reach the server.
        self.unreachable: Callable[[requests.PreparedRequest], bool] | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        assert kwargs.get("timeout"), f"request without a timeout: {request.method} {request.url}"
        if self.unreachable and self.unreachable(request):
            self.exchanges.append(Exchange(request.method or "", request.url or "", "", 0, ""))
            raise requests.ConnectionError(f"unreachable: {request.url}")
        response = super().send(request, **kwargs)
        if self.tamper:
            self.tamper(request, response)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        self.exchanges.append(
            Exchange(
                request.method or "", request.url or "", body, response.status_code, response.text
            )
        )
        return response

    def to(self, fragment: str) -> list[Exchange]:
        return [e for e in self.exchanges if fragment in e.url]

    def secrets_received(self) -> set[str]:
        """Every token string the app was handed by a token endpoint."""
        found: set[str] = set()
        for exchange in self.to("/token"):
            try:
                answer = requests.models.complexjson.loads(exchange.response_text)
            except ValueError:
                continue
            for name in ("access_token", "refresh_token", "id_token"):
                if isinstance(answer, dict) and answer.get(name):
                    found.add(answer[name])
        return found
