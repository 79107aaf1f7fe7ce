"""Key rotation: several keys with distinct kids, signing with the newest active one, new keys
published ahead, retired keys published through a grace period; a token endpoint that caches
the app's JWKS never sees an assertion signed by a key it has not fetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from smart_launch import ClientConfig, SmartClient
from smart_launch.errors import ConfigurationError, TokenRequestError
from smart_launch.keys import KeyRing, RingKey, generate_private_key_pem, load_signing_key
from smart_launch.keystore import KeyStore
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import ISS, TOKEN
from tests.support.smart_launches import CLIENT_ID, REDIRECT
from tests.support.smart_server import SmartServer

HOUR = 3600.0


def ring_key(created: float, active: float, retired: float | None = None) -> RingKey:
    key = load_signing_key(generate_private_key_pem("ES384"), "ES384")
    return RingKey(key, created, active, retired)


def test_the_ring_signs_with_the_newest_active_key_and_publishes_pending_and_grace() -> None:
    old, current, pending = ring_key(0, 0, retired=10 * HOUR), ring_key(5 * HOUR, 6 * HOUR), \
        ring_key(20 * HOUR, 30 * HOUR)
    ring = KeyRing([pending, old, current], grace=24 * HOUR)
    assert ring.signing_key(1 * HOUR) is old.key
    assert ring.signing_key(7 * HOUR) is current.key
    assert ring.signing_key(31 * HOUR) is pending.key
    kids = lambda now: [k["kid"] for k in ring.jwks(now)["keys"]]  # noqa: E731
    assert kids(25 * HOUR) == [old.key.kid, current.key.kid, pending.key.kid]
    assert kids(35 * HOUR) == [current.key.kid, pending.key.kid]
    assert len(set(kids(25 * HOUR))) == 3


def test_a_ring_without_an_active_key_or_with_a_duplicate_kid_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="alliance keys add"):
        KeyRing([ring_key(0, HOUR)], grace=0).signing_key(0)
    same = ring_key(0, 0)
    with pytest.raises(ConfigurationError, match="share a kid"):
        KeyRing([same, same], grace=0)


def test_the_key_folder_adds_retires_lists_and_is_reread_when_changed(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    store = KeyStore(tmp_path / "keys", clock)
    first = store.add("RS384")
    reader = KeyStore(tmp_path / "keys", clock)  # another process, e.g. the running app
    assert reader.signing_key(clock()).kid == first.kid
    with pytest.raises(ConfigurationError, match="only active key"):
        store.retire(first.kid)
    second = store.add("ES384", publish_ahead=HOUR)
    assert [k.kid for k in reader.published(clock())] == [first.kid, second.kid]
    assert reader.signing_key(clock()).kid == first.kid
    clock.advance(HOUR)
    assert reader.signing_key(clock()).kid == second.kid
    store.retire(first.kid)
    states = {row["kid"]: row["state"] for row in reader.describe(clock())}
    assert states == {first.kid: "retired (published)", second.kid: "signing"}
    clock.advance(8 * 24 * HOUR)
    assert [k.kid for k in reader.published(clock())] == [second.kid]
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in (tmp_path / "keys").iterdir())
    with pytest.raises(ConfigurationError, match="no key 'nope'"):
        store.retire("nope")


class CachingVerifier:
    """A token endpoint that verifies private_key_jwt against the app's JWKS, fetched from the
    app and cached for ``ttl`` seconds (as oidc-provider and EHRs do)."""

    def __init__(self, client: SmartClient, clock: FakeClock, ttl: float) -> None:
        self.client, self.clock, self.ttl = client, clock, ttl
        self.cached: tuple[float, dict[str, Any]] | None = None
        self.refused: list[str] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, Any]:
        form = dict(p.split("=", 1) for p in str(request.body).split("&"))
        if self.cached is None or self.cached[0] + self.ttl <= self.clock():
            self.cached = (self.clock(), self.client.public_jwks())
        try:
            jws.deserialize_compact(form["client_assertion"],
                                    KeySet.import_key_set(self.cached[1]),
                                    algorithms=["RS384", "ES384"])
        except (JoseError, ValueError) as err:
            self.refused.append(type(err).__name__)
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": "t", "token_type": "Bearer", "expires_in": 60}


@pytest.mark.parametrize(("publish_ahead", "failures"), [(2 * HOUR, 0), (0.0, 1)])
def test_rotation_against_a_caching_verifier(tmp_path: Path, http: requests.Session,
                                             transport: FakeTransport, ehr: SmartServer,
                                             publish_ahead: float, failures: int) -> None:
    clock = ehr.clock
    store = KeyStore(tmp_path, clock)
    store.add("RS384")
    client = SmartClient(ClientConfig(client_id=CLIENT_ID, redirect_uri=REDIRECT), http=http,
                         clock=clock, keys=store)
    verifier = CachingVerifier(client, clock, ttl=HOUR)
    transport.add("POST", TOKEN, verifier)
    outcomes = []
    for step in range(12):  # a token request every 15 minutes through the rotation
        if step == 2:
            store.add("RS384", publish_ahead=publish_ahead)
        try:  # tokens live 60 s, less than the renewal margin: every step asks anew
            client.backend_token(ISS, ["system/Observation.rs"])
            outcomes.append("ok")
        except TokenRequestError:
            outcomes.append("refused")
        clock.advance(HOUR / 4)
    assert len(verifier.refused) == outcomes.count("refused")
    if failures:  # signing at once with an unpublished key fails until the cache expires
        assert outcomes[2] == "refused"
    else:
        assert outcomes == ["ok"] * 12
    assert len(client.public_jwks()["keys"]) == 2
