"""Start-up configuration: good settings load; bad ones stop start-up naming the fix."""

from __future__ import annotations

import json
import os

import pytest

from plugin.config import load_settings, read_settings_source
from plugin.errors import ConfigError

GOOD = {
    "public_url": "https://alliance.example.org/",
    "client_id": "alliance",
    "allowed_iss": "https://ehr.example/fhir/, https://other.example/r4",
    "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
}


def test_good_settings_load_with_defaults():
    settings = load_settings(GOOD)
    assert settings.redirect_uri == "https://alliance.example.org/callback"
    assert settings.allowed_iss == ("https://ehr.example/fhir", "https://other.example/r4")
    assert settings.secure_cookies and str(settings.data_dir) == "var"
    assert GOOD["secret_key"] not in repr(settings)
    assert settings.ops_token is None and settings.audit_checkpoint_dir is None


def test_the_operator_token_and_audit_folders_load_and_the_token_is_not_shown(tmp_path):
    token = "Zk2-u8QwPn4rTb7yHs1LcX9vMd3jGf6aEo0i5R"
    settings = load_settings({**GOOD, "ops_token": token, "audit_key_dir": "/srv/keys/audit",
                              "audit_checkpoint_dir": str(tmp_path / "elsewhere")})
    assert settings.ops_token == token and token not in repr(settings)
    assert str(settings.audit_key_dir) == "/srv/keys/audit"
    assert settings.audit_checkpoint_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("public_url", "alliance.example.org", "ALLIANCE_PUBLIC_URL: not an http(s) URL"),
        ("allowed_iss", " , ", "ALLIANCE_ALLOWED_ISS: no FHIR base URL given"),
        ("allowed_iss", "ftp://x", "ALLIANCE_ALLOWED_ISS: not an http(s) URL"),
        ("secret_key", "short", "ALLIANCE_SECRET_KEY"),
        ("private_key_alg", "HS256", "ALLIANCE_PRIVATE_KEY_ALG"),
        ("private_key_file", "/nonexistent/key.pem", "cannot read /nonexistent/key.pem"),
        ("audit_checkpoint_dir", "/proc/no-such-folder", "ALLIANCE_AUDIT_CHECKPOINT_DIR: cannot "
         "write"),
        ("ops_token", "abcabcabcabcabcabcabcabcabcabcabcabc", "ALLIANCE_OPS_TOKEN: too short or "
         "too predictable"),
    ],
)
def test_a_bad_setting_is_named_with_how_to_fix_it(name, value, words):
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, name: value})
    assert words in err.value.message
    assert "Set it to" in err.value.message or "cannot read" in err.value.message


def test_missing_required_settings_are_all_listed():
    with pytest.raises(ConfigError) as err:
        load_settings({})
    for name in ("PUBLIC_URL", "CLIENT_ID", "ALLOWED_ISS", "SECRET_KEY"):
        assert f"ALLIANCE_{name}" in err.value.message


def test_unknown_setting_is_refused_rather_than_ignored():
    with pytest.raises(ConfigError, match="ALLIANCE_CLIENTID"):
        load_settings({**GOOD, "clientid": "typo"})


def test_toml_file_then_environment_over_it(tmp_path):
    config = tmp_path / "alliance.toml"
    config.write_text('client_id = "from-file"\npublic_url = "https://file.example"\n')
    raw = read_settings_source(
        {"ALLIANCE_CONFIG": str(config), "ALLIANCE_CLIENT_ID": "from-env", "HOME": "/root"}
    )
    assert raw == {"client_id": "from-env", "public_url": "https://file.example"}


def test_unreadable_toml_file_names_the_variable(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="ALLIANCE_CONFIG"):
        read_settings_source({"ALLIANCE_CONFIG": str(bad)})


def test_every_problem_is_reported_together_unknown_names_among_them(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "clientid": "typo", "secret_key": "short",
                       "data_dir": str(blocker / "var")})
    message = err.value.message
    assert "ALLIANCE_CLIENTID: not a setting Alliance Panel knows" in message
    assert "ALLIANCE_SECRET_KEY" in message
    assert f"ALLIANCE_DATA_DIR: cannot write to {blocker / 'var'}" in message


def test_a_data_folder_that_cannot_be_written_stops_start_up(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="ALLIANCE_DATA_DIR: cannot write to .*a writable"):
        load_settings({**GOOD, "data_dir": str(blocker)})
    settings = load_settings({**GOOD, "data_dir": str(tmp_path / "new" / "var")})
    assert settings.data_dir.is_dir()  # a missing folder is made, and found writable


def test_a_toml_key_is_named_as_written_in_its_file(tmp_path):
    config = tmp_path / "alliance.toml"
    config.write_text('secret_key = "short"\nclinet_id = "typo"\n')
    environ = {"ALLIANCE_CONFIG": str(config), "ALLIANCE_PUBLIC_URL": "nope"}
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("ALLIANCE_")]:
            patch.delenv(key)
        for key, value in environ.items():
            patch.setenv(key, value)
        with pytest.raises(ConfigError) as err:
            load_settings()
    message = err.value.message
    assert f"secret_key (in {config}):" in message
    assert f"clinet_id (in {config}): not a setting" in message
    assert "ALLIANCE_PUBLIC_URL: not an http(s) URL" in message  # the environment's own name
    assert "ALLIANCE_SECRET_KEY" not in message and "ALLIANCE_CLINET_ID" not in message


SRS = "https://alliance-panel.org/fhir/Questionnaire/srs"


def test_a_site_norms_file_is_read_and_validated_at_start_up(tmp_path):
    path = tmp_path / "norms.json"
    path.write_text(json.dumps([{"instrument": SRS, "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34, "source": "local norms, Clinic X 2025"}}}}]))
    settings = load_settings({**GOOD, "norms_file": str(path)})
    cutoff = settings.norms.get(SRS, "client").scale("total").cutoff
    assert (cutoff.value, cutoff.source) == (34, "local norms, Clinic X 2025")
    assert load_settings(GOOD).norms is None  # without a file: the shipped norms


def test_a_bad_site_norms_file_stops_start_up_naming_every_problem(tmp_path):
    path = tmp_path / "norms.json"
    path.write_text(json.dumps([{"instrument": SRS, "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34}, "retest": {"value": 1.5, "source": "x"}}}}]))
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "norms_file": str(path)})
    message = err.value.message
    assert "ALLIANCE_NORMS_FILE" in message and "Set it to a JSON file of local norms" in message
    assert "every value needs a source" in message
    assert "a reliability must be at least 0 and under 1, got 1.5" in message
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "norms_file": str(tmp_path / "missing.json")})
    assert "ALLIANCE_NORMS_FILE: cannot read" in err.value.message
