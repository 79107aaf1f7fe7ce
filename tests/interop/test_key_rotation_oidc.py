"""Key rotation against oidc-provider, which fetches a client's JWKS from its jwks_uri and caches
it (for at least 60 s, longer when Cache-Control allows): a backend-services client rotates
from one key to the next with `KeyStore.add(publish_ahead=...)` and not one token request fails
on the way; signing at once with a key published a moment ago does fail, which shows the cache
is real. Runs for about 70 s of real time: the cache's minimum lifetime is oidc-provider's. It
needs oidc-provider only (`oidc_servers`), so `make servers` runs it beside the tests that need
HAPI."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from smart_launch import ClientConfig, SmartClient, TokenRequestError
from smart_launch.keystore import KeyStore
from tests.support.interop import CLIENT_IDS, TEST_REDIRECT, Servers

pytestmark = pytest.mark.interop

CACHE_SECONDS = 60  # what the JWKS says in Cache-Control; oidc-provider keeps at least 60
PUBLISH_AHEAD = CACHE_SECONDS + 5.0
PACE = 2.0  # seconds between token requests while the rotation runs
DEADLINE = 150.0


def test_rotation_never_fails_a_token_request(oidc_servers: Servers, tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    first = store.add("RS384")
    fetches: list[tuple[float, list[str]]] = []

    def jwks_uri(environ, start_response):
        jwks = SmartClient(ClientConfig(client_id="x", redirect_uri=TEST_REDIRECT),
                           keys=store).public_jwks()
        fetches.append((time.time(), [k["kid"] for k in jwks["keys"]]))
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Cache-Control", f"max-age={CACHE_SECONDS}")])
        return [json.dumps(jwks).encode()]

    assert oidc_servers.jwks_server is not None
    oidc_servers.jwks_server.start(jwks_uri)

    def token_request() -> str:
        """One client_credentials request, signed with the key the store says is current."""
        client = SmartClient(ClientConfig(client_id=CLIENT_IDS["rotating"],
                                          redirect_uri=TEST_REDIRECT), keys=store)
        kid = store.signing_key(time.time()).kid
        client.backend_token(oidc_servers.oidc, [])
        return kid

    assert token_request() == first.kid
    second = store.add("RS384", publish_ahead=PUBLISH_AHEAD)
    signed_by: list[str] = []
    pacer = threading.Event()
    end = time.monotonic() + DEADLINE
    while signed_by.count(second.kid) < 3 and time.monotonic() < end:
        signed_by.append(token_request())  # raises, failing the test, if one is refused
        pacer.wait(PACE)
    assert signed_by.count(second.kid) >= 3, "the new key never became the signing key"
    assert signed_by[0] == first.kid and signed_by[-1] == second.kid
    switched = signed_by.index(second.kid)
    assert set(signed_by[switched:]) == {second.kid}  # never back to the old key
    assert len(fetches) >= 2 and second.kid in fetches[-1][1]
    assert first.kid in fetches[-1][1]  # still published: assertions in flight verify

    # Control: a key that signs the moment it is added is refused while the cache holds.
    store.add("RS384", publish_ahead=0)
    with pytest.raises(TokenRequestError):
        token_request()
