"""`alliance install`: every package resource lands once; a second run changes nothing; an
older version of a canonical resource on the server is never overwritten."""

from __future__ import annotations

import pytest

import fhir_profiles
from plugin.deploy.errors import InstallRefused
from plugin.deploy.install import install_package, package_resources
from plugin.fhir.client import FhirClient
from tests.support.memory_fhir import MemoryFhir


def client(server: MemoryFhir) -> FhirClient:
    return FhirClient(server.base, http=server.session, retries=0)


def test_installing_twice_leaves_one_copy_of_each() -> None:
    server = MemoryFhir()
    resources = package_resources()
    first = install_package(client(server), resources)
    assert {i.action for i in first} == {"created"} and len(first) == len(resources)
    writes = len(server.writes)
    second = install_package(client(server), resources)
    assert {i.action for i in second} == {"unchanged"}
    assert len(server.writes) == writes
    urls = [(r["url"], r.get("version")) for t in {r["resourceType"] for r in resources}
            for r in server.all(t)]
    assert len(urls) == len(set(urls)) == len(resources)


def test_terminology_goes_before_profiles_and_forms() -> None:
    kinds = [r["resourceType"] for r in package_resources(with_balp_standins=True)]
    assert kinds.index("CodeSystem") < kinds.index("StructureDefinition") < kinds.index(
        "Questionnaire")
    assert kinds.count("StructureDefinition") == len(
        [r for r in fhir_profiles.load_resources() if r["resourceType"] == "StructureDefinition"]
    ) + 5


def test_a_changed_resource_is_updated_in_place() -> None:
    server = MemoryFhir()
    install_package(client(server), package_resources())
    changed = fhir_profiles.questionnaire("srs")
    changed["title"] = "SRS (site wording)"
    [done] = install_package(client(server), [changed])
    assert (done.action, done.reference) == ("updated", "Questionnaire/srs")
    assert server.current("Questionnaire", "srs")["meta"]["versionId"] == "2"


def test_an_older_version_under_the_same_id_is_kept() -> None:
    server = MemoryFhir()
    older = {**fhir_profiles.questionnaire("srs"), "version": "0.0.9"}
    server.put(older)
    [done] = install_package(client(server), [fhir_profiles.questionnaire("srs")])
    assert done.action == "created" and done.reference != "Questionnaire/srs"
    assert server.current("Questionnaire", "srs")["version"] == "0.0.9"


def test_duplicates_on_the_server_are_refused_by_name() -> None:
    server = MemoryFhir()
    srs = fhir_profiles.questionnaire("srs")
    server.put(srs)
    server.put({**srs, "id": "srs-copy"})
    with pytest.raises(InstallRefused, match="2 times .*Questionnaire/srs-copy"):
        install_package(client(server), [srs])


def test_each_shipped_version_of_a_questionnaire_is_installed_the_current_one_under_its_id(
        ) -> None:
    """A site's responses name 0.1.0 or 0.2.0 of the check-in: both go to the server, so any
    tool that resolves a response's questionnaire there finds the version it names."""
    server = MemoryFhir()
    installed = install_package(client(server), package_resources())
    url = f"{fhir_profiles.CANONICAL}/Questionnaire/alliance-checkin-client"
    on_server = {q["version"]: q["id"] for q in server.all("Questionnaire") if q["url"] == url}
    assert set(on_server) == {"0.1.0", "0.2.0"}
    assert on_server == {"0.2.0": "alliance-checkin-client",
                         "0.1.0": "alliance-checkin-client-0.1.0"}
    assert {i.canonical for i in installed} >= {f"{url}|0.1.0", f"{url}|0.2.0"}
    assert install_package(client(server), package_resources())[-1].action == "unchanged"
