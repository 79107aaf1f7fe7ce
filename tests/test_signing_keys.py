"""The tests' pool of RSA keys (tests/support/signing_keys.py) gives distinct keys to the fake
servers and clients of one test, as fresh keys would: a test where the attacker's server signs
with the honest server's key would pass for the wrong reason."""

from __future__ import annotations

from tests.support.signing_keys import rsa_key

DRAWN = 6  # more than any one test draws: its fake servers, their clients and an attacker


def test_keys_drawn_one_after_another_are_distinct_and_their_own_objects():
    keys = [rsa_key({"kid": "same"}) for _ in range(DRAWN)]
    assert len({key.as_dict(private=False)["n"] for key in keys}) == DRAWN
    assert all(key.kid == "same" for key in keys)
    keys[0].ensure_kid()
    assert rsa_key({"kid": "same"}).kid == "same"  # a new object each call


def test_a_key_made_with_auto_kid_is_named_by_its_thumbprint():
    key = rsa_key(auto_kid=True)
    assert key.kid == key.thumbprint()
    assert key.as_dict(private=True)["d"]  # a private key: it signs
