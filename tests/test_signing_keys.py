"""The tests' pool of RSA keys (tests/support/signing_keys.py) gives distinct keys to the fake
servers and clients of one test, as fresh keys would: a test where the attacker's server signs
with the honest server's key would pass for the wrong reason."""

from __future__ import annotations

import pytest
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from ehr_sandbox.settings import SandboxSettings
from tests.support.signing_keys import private_key_pem, rsa_key, sandbox_auth

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


def test_the_sandboxes_and_key_files_of_one_deployment_get_distinct_keys(tmp_path):
    """A deployment's EHR, its companion store and the app's key file draw one after another:
    a token of one EHR must not verify at the other for the pool's sake."""
    ehrs = [sandbox_auth(SandboxSettings(base_url=f"http://ehr-{n}.test",
                                         app_launch_url="http://app.test/launch", clients=(),
                                         db_path=tmp_path / f"ehr-{n}.sqlite3"), directory=None)
            for n in range(2)]
    app_key = RSAKey.import_key(private_key_pem("RS384"))
    moduli = {ehr.key.jwks()["keys"][0]["n"] for ehr in ehrs}
    assert len(moduli | {app_key.as_dict(private=False)["n"]}) == 3
    with pytest.raises(JoseError):
        ehrs[1].key.verify(ehrs[0].key.sign({"sub": "someone"}))
