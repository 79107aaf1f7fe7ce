"""Start-up configuration: good settings load; bad ones stop start-up naming the fix."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

import pytest

import fhir_profiles
from plugin.config import check_settings, load_settings, read_settings_source
from plugin.errors import ConfigError
from plugin.recording.catalogue import FormCatalogue
from plugin.web import create_app
from plugin.web.services import EXTENSION
from smart_launch.keys import generate_private_key_pem
from tests.support.fake_http import fake_session

EHR = "https://ehr.example/fhir"

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
    with_table = load_settings({**GOOD, "issuers": {EHR: {"client_id": "e",
                                                          "client_secret": "t4ble-s3cret"}}})
    assert "t4ble-s3cret" not in repr(with_table)
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
        ("ops_token", "abcabcabcabcabcabcabcabcabcabcabcabc", "ALLIANCE_OPS_TOKEN: too short or "
         "too predictable"),
    ],
)
def test_a_bad_setting_is_named_with_how_to_fix_it(name, value, words):
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, name: value})
    assert words in err.value.message
    assert "Set it to" in err.value.message


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


def test_every_problem_is_reported_together_unknown_names_among_them():
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "clientid": "typo", "secret_key": "short",
                       "session_hours": "0", "issuers": {EHR: {"access": "forever"}}})
    message = err.value.message
    assert "ALLIANCE_CLIENTID: not a setting Alliance Panel knows" in message
    assert "ALLIANCE_SECRET_KEY" in message
    assert "ALLIANCE_SESSION_HOURS: 0.0 is not a number from 0.1 to 72" in message
    assert f'[issuers."{EHR}"] client_id: missing' in message  # a table's, in the same message
    assert f"[issuers.\"{EHR}\"] access: 'forever' is not one of offline, online" in message


def test_a_data_folder_that_cannot_be_written_stops_start_up_when_checked(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = load_settings({**GOOD, "data_dir": str(blocker),
                              "audit_checkpoint_dir": "/proc/no-such-folder"})
    with pytest.raises(ConfigError) as err:
        check_settings(settings)
    assert "ALLIANCE_DATA_DIR: cannot write to" in err.value.message
    assert "Set it to a writable folder" in err.value.message
    assert "ALLIANCE_AUDIT_CHECKPOINT_DIR: cannot write" in err.value.message
    settings = load_settings({**GOOD, "data_dir": str(tmp_path / "new" / "var")})
    assert not (tmp_path / "new").exists()  # loading writes nothing
    check_settings(settings)
    assert settings.data_dir.is_dir()  # checking makes a missing folder, and tries it


def test_loading_settings_touches_no_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_settings(GOOD)  # the default data folder, ./var
    load_settings({**GOOD, "audit_checkpoint_dir": str(tmp_path / "witness")})
    assert list(tmp_path.iterdir()) == []


def test_loading_reads_none_of_the_files_the_settings_name_and_checking_reads_each(tmp_path):
    opened = []
    sys.addaudithook(lambda event, args: opened.append(args[0]) if event == "open" else None)
    key, bundle = tmp_path / "key.pem", tmp_path / "ca.pem"
    key.write_bytes(generate_private_key_pem("RS384"))
    bundle.write_text("not a certificate")
    named = {"private_key_file": str(key), "ca_bundle": str(bundle),
             "issuers": {EHR: {"client_id": "e", "private_key_file": str(tmp_path / "gone.pem")},
                         "https://other.example/r4": {"client_id": "o",
                                                      "key_dir": str(tmp_path / "no-keys")}}}
    opened.clear()
    settings = load_settings({**GOOD, **named})
    assert not [path for path in opened if str(tmp_path) in str(path)]
    assert settings.private_key_pem is None  # not read yet
    with pytest.raises(ConfigError) as err:
        check_settings(settings)
    message = err.value.message
    assert f"ALLIANCE_CA_BUNDLE: {bundle} holds no PEM certificate" in message
    assert f'[issuers."{EHR}"] private_key_file: cannot read {tmp_path / "gone.pem"}' in message
    assert "key_dir: " in message and "has no keys.json" in message
    assert "ALLIANCE_PRIVATE_KEY_FILE" not in message  # that one is a key
    checked = check_settings(load_settings({**GOOD, "private_key_file": str(key)}))
    assert checked.private_key_pem == key.read_bytes()
    with pytest.raises(ConfigError, match="ALLIANCE_PRIVATE_KEY_FILE: .* is not a PEM private"):
        check_settings(load_settings({**GOOD, "private_key_file": str(bundle)}))


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


def offered(settings):
    return [form.instrument for form in FormCatalogue.from_settings(settings).offered()]


def check(source):
    settings = load_settings(source)
    return check_settings(settings, offered(settings))


def test_a_site_norms_file_is_read_and_validated_at_start_up(tmp_path):
    path = tmp_path / "norms.json"
    path.write_text(json.dumps([{"instrument": SRS, "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34, "source": "local norms, Clinic X 2025"}}}}]))
    settings = check({**GOOD, "data_dir": str(tmp_path), "norms_file": str(path)})
    cutoff = settings.norms.get(SRS, "client").scale("total").cutoff
    assert (cutoff.value, cutoff.source) == (34, "local norms, Clinic X 2025")
    assert check({**GOOD, "data_dir": str(tmp_path)}).norms is None  # the shipped norms


def test_each_instrument_is_built_once_at_start_up(tmp_path, monkeypatch):
    path = tmp_path / "norms.json"
    path.write_text(json.dumps([{"instrument": SRS, "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34, "source": "local norms, Clinic X 2025"}}}}]))
    read = Counter()
    questionnaire = fhir_profiles.questionnaire

    def counted(name):
        read[name] += 1
        return questionnaire(name)

    monkeypatch.setattr(fhir_profiles, "questionnaire", counted)
    app = create_app({**GOOD, "data_dir": str(tmp_path), "norms_file": str(path)},
                     http=fake_session()[0])
    assert services_of(app).settings.norms is not None
    assert read and set(read.values()) == {1}, read


def test_a_bad_site_norms_file_stops_start_up_naming_every_problem(tmp_path):
    path = tmp_path / "norms.json"
    path.write_text(json.dumps([{"instrument": SRS, "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34}, "retest": {"value": 1.5, "source": "x"}}}}]))
    with pytest.raises(ConfigError) as err:
        check({**GOOD, "data_dir": str(tmp_path), "norms_file": str(path)})
    message = err.value.message
    assert "ALLIANCE_NORMS_FILE" in message and "Set it to a JSON file of local norms" in message
    assert "every value needs a source" in message
    assert "a reliability must be at least 0 and under 1, got 1.5" in message
    with pytest.raises(ConfigError) as err:
        check({**GOOD, "data_dir": str(tmp_path), "norms_file": str(tmp_path / "missing.json")})
    assert "ALLIANCE_NORMS_FILE: cannot read" in err.value.message


def services_of(app):
    return app.extensions[EXTENSION]


def test_an_empty_optional_setting_is_left_unset():
    settings = load_settings({**GOOD, "organization": "", "record_store_url": "",
                              "client_secret": ""})
    assert (settings.organization, settings.record_store_url, settings.client_secret) == (
        None, None, None)
