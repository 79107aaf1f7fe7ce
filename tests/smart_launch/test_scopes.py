from __future__ import annotations

import pytest

from smart_launch import ConfigurationError, GrantedScopes, InsufficientScope, SmartClient
from smart_launch.scopes import build_scope_list, resource_scopes
from tests.support.smart_bindings import ISS
from tests.support.smart_launches import NEEDS, query
from tests.support.smart_server import SmartServer


def test_v2_scopes_when_server_lists_permission_v2() -> None:
    assert resource_scopes(NEEDS, v2=True) == [
        "patient/Patient.r", "patient/Encounter.rs", "patient/QuestionnaireResponse.cruds"]
    assert resource_scopes({"Observation": "sr"}, v2=True) == ["patient/Observation.rs"]


def test_v1_scopes_otherwise() -> None:
    assert resource_scopes(NEEDS, v2=False) == [
        "patient/Patient.read", "patient/Encounter.read", "patient/QuestionnaireResponse.*"]
    assert resource_scopes({"QuestionnaireResponse": "cu"}, v2=False) == [
        "patient/QuestionnaireResponse.write"]


def test_launch_scopes_ehr_vs_standalone() -> None:
    ehr = build_scope_list({"Patient": "r"}, v2=True, ehr_launch=True, extra=["openid", "launch"])
    assert ehr == ["launch", "patient/Patient.r", "openid"]
    alone = build_scope_list({"Patient": "r"}, v2=True, ehr_launch=False)
    assert alone == ["launch/patient", "launch/encounter", "patient/Patient.r"]


@pytest.mark.parametrize("needs", [{"Patient": "x"}, {"patient": "r"}, {"Patient": ""}])
def test_bad_needs_are_refused(needs: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        resource_scopes(needs, v2=True)


def test_client_picks_syntax_from_capabilities(client: SmartClient, ehr: SmartServer) -> None:
    url, _ = client.begin_launch(ISS, launch="L", needs=NEEDS)
    assert "patient/Encounter.rs" in query(url)["scope"].split()
    ehr.config["capabilities"] = ["launch-ehr"]
    client._configs.discard(ISS)  # noqa: SLF001 - force rediscovery for the v1 server
    url, _ = client.begin_launch(ISS, launch="L", needs=NEEDS)
    scope = query(url)["scope"].split()
    assert "patient/Encounter.read" in scope
    assert "patient/QuestionnaireResponse.*" in scope


def test_a_scope_syntax_override_beats_discovery(client: SmartClient, ehr: SmartServer) -> None:
    """Some servers list permission-v2 yet grant only v1 scopes: the site forces v1."""
    url, _ = client.begin_launch(ISS, launch="L", needs=NEEDS, scope_syntax="v1")
    assert "patient/Encounter.read" in query(url)["scope"].split()
    ehr.config["capabilities"] = ["launch-ehr"]
    client._configs.discard(ISS)  # noqa: SLF001 - force rediscovery for the v1 server
    url, _ = client.begin_launch(ISS, launch="L", needs=NEEDS, scope_syntax="v2")
    assert "patient/Encounter.rs" in query(url)["scope"].split()
    with pytest.raises(ConfigurationError, match="auto, v1 or v2"):
        client.begin_launch(ISS, launch="L", needs=NEEDS, scope_syntax="v3")


def test_granted_v1_scopes() -> None:
    granted = GrantedScopes.parse("openid patient/Encounter.read user/Observation.write")
    assert granted.allows("Encounter", "r") and granted.allows("Encounter", "s")
    assert not granted.allows("Encounter", "c")
    assert granted.allows("Observation", "u") and not granted.allows("Observation", "r")
    assert not granted.allows("Patient", "r")
    assert "openid" in granted


def test_granted_v2_scopes_and_wildcards() -> None:
    granted = GrantedScopes.parse("patient/*.rs system/QuestionnaireResponse.cu user/Patient.*")
    assert granted.allows("Anything", "r") and granted.allows("Encounter", "s")
    assert not granted.allows("Encounter", "d")
    assert granted.allows("QuestionnaireResponse", "c")
    assert granted.allows("Patient", "d")


def test_granular_scope_does_not_grant_everything() -> None:
    granted = GrantedScopes.parse("patient/Observation.rs?category=vital-signs")
    assert not granted.allows("Observation", "r")


def test_missing_lists_what_was_not_granted() -> None:
    granted = GrantedScopes.parse("patient/Patient.read patient/Encounter.rs "
                                  "patient/QuestionnaireResponse.rs")
    assert granted.missing(NEEDS) == ["QuestionnaireResponse.cud"]
    assert GrantedScopes.parse("patient/*.*").missing(NEEDS) == []
    with pytest.raises(InsufficientScope) as info:
        granted.require(NEEDS)
    assert info.value.code == "insufficient_scope"
    assert info.value.missing == ["QuestionnaireResponse.cud"]


def test_str_round_trips() -> None:
    text = "launch openid patient/Patient.r"
    assert str(GrantedScopes.parse(text)) == text
    assert GrantedScopes.parse(str(GrantedScopes.parse(text))) == GrantedScopes.parse(text)


def test_a_patients_standalone_launch_asks_only_launch_patient():
    needs = {"Encounter": "rs", "QuestionnaireResponse": "cu"}
    v1 = build_scope_list(needs, v2=False, ehr_launch=False, standalone=("launch/patient",))
    assert v1 == ["launch/patient", "patient/Encounter.read",
                  "patient/QuestionnaireResponse.write"]
    v2 = build_scope_list(needs, v2=True, ehr_launch=False, standalone=("launch/patient",))
    assert v2 == ["launch/patient", "patient/Encounter.rs", "patient/QuestionnaireResponse.cu"]
    from_portal = build_scope_list(needs, v2=True, ehr_launch=True, standalone=("launch/patient",))
    assert from_portal[0] == "launch" and "launch/patient" not in from_portal
