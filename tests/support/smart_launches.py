"""Launch helpers shared by the smart_launch unit tests and the attack suite: a SmartClient
registered with the fake authorization server (tests/support/smart_server.py), and a launch
played the way the app plays it between /launch and /callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from smart_launch import ClientConfig, LaunchContext, PendingAuthorization, SmartClient

from .smart_server import CLIENT_ID, SmartServer, s256

__all__ = ["CLIENT_ID", "NEEDS", "REDIRECT", "begin", "consent", "launch_with", "query", "s256",
           "smart_client"]

REDIRECT = "https://app.example.org/launch/callback"  # never contacted: the test plays it
NEEDS = {"Patient": "r", "Encounter": "rs", "QuestionnaireResponse": "cruds"}
TIMEOUT = 7.5


def query(url: str) -> dict[str, str]:
    """The parameters of `url`'s query, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def smart_client(http: requests.Session | None = None, *,
                 clock: Callable[[], float] = time.time, discovery_ttl: float = 3600.0,
                 **config: Any) -> SmartClient:
    """A SmartClient registered as CLIENT_ID at REDIRECT; `config` overrides ClientConfig."""
    settings: dict[str, Any] = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, **config}
    return SmartClient(ClientConfig(**settings), http=http or requests.Session(), clock=clock,
                       timeout=TIMEOUT, discovery_ttl=discovery_ttl)


def begin(client: SmartClient, ehr: SmartServer) -> tuple[str, PendingAuthorization]:
    """An EHR launch up to the authorize redirect; the server will sign the launch's nonce."""
    url, pending = client.begin_launch(ehr.iss, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    return url, pending


def consent(ehr: SmartServer, url: str) -> dict[str, str]:
    """The user consents at the authorize `url`: the parameters the EHR redirects back with
    (the code is then bound to that request's PKCE challenge)."""
    status, _, headers = ehr.authorize(query(url))
    assert status == 302, status
    return query(headers["Location"])


def launch_with(client: SmartClient, ehr: SmartServer, **params: str) -> LaunchContext:
    """A whole EHR launch: begin, the user's consent, and the callback (plus `params`)."""
    url, pending = begin(client, ehr)
    return client.complete_launch(pending, {**consent(ehr, url), **params})
