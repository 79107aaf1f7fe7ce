"""The auditor's re-scoring: clean records pass; an altered score, a lost version, a missing
Provenance and an entered-in-error that did not reach the scores are each named."""

from __future__ import annotations

import json

import pytest

import fhir_profiles
from plugin.audit.errors import AuditQueryError
from plugin.audit.verify import RecordAuditor, response_query
from plugin.fhir.client import FhirClient
from plugin.fhir.record_resources import SUBMISSION_SYSTEM, TEXT_PACK_SYSTEM
from tests.plugin.audit.stored import old_version, store, submission
from tests.support.memory_fhir import MemoryFhir


@pytest.fixture
def server() -> MemoryFhir:
    return MemoryFhir()


def audit(server: MemoryFhir, **query) -> list:
    client = FhirClient(server.base, http=server.session, retries=0)
    params = response_query(query.get("patient"), query.get("since"), query.get("until"))
    return RecordAuditor(client).audit(params)


def failures(findings: list) -> list[tuple[str, str, str]]:
    return [(f.record, f.check, f.detail) for f in findings if not f.ok]


def test_clean_records_pass_every_check(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    store(server, submission(2, day=7), 2)
    findings = audit(server, patient="p1")
    assert failures(findings) == []
    assert {f.check for f in findings} == {"score", "versions", "provenance"}
    assert {f.record for f in findings} == {"QuestionnaireResponse/qr1",
                                            "QuestionnaireResponse/qr2"}


def test_an_altered_observation_is_named_with_both_values(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    obs = server.current("Observation", "obs1-total")
    server.put({**obs, "valueQuantity": {**obs["valueQuantity"], "value": 23}})
    [(record, check, detail)] = failures(audit(server, patient="Patient/p1"))
    assert (record, check) == ("QuestionnaireResponse/qr1", "score")
    assert "Observation/obs1-total says 23" in detail and "give 17" in detail


def test_a_missing_score_and_a_missing_provenance_are_found(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    del server.versions[("Observation", "obs1-bond")]
    del server.versions[("Provenance", "prov1")]
    found = failures(audit(server, patient="p1"))
    assert [(c, "bond: no Observation" in d or "0 Provenance" in d) for _, c, d in found] == [
        ("score", True), ("provenance", True)]


def test_a_second_live_score_derived_from_the_response_is_found(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    extra = {**server.current("Observation", "obs1-task"), "id": "stray"}
    del extra["identifier"]
    server.put(extra)
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "score"
    assert detail == "task: two live scores, Observation/obs1-task and Observation/stray"


def test_entered_in_error_must_reach_the_scores(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "entered-in-error"})
    server.put(second_provenance(server))
    for scale in ("total", "goal", "task"):
        obs = server.current("Observation", f"obs1-{scale}")
        server.put({**obs, "status": "entered-in-error"})
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "entered-in-error" and detail.endswith("Observation/obs1-bond is not")


def test_a_correction_must_keep_its_versions_and_add_a_provenance(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "amended"})  # version 2, with no Provenance of its own
    assert [c for _, c, _ in failures(audit(server, patient="p1"))] == ["provenance"]
    server.versions[("QuestionnaireResponse", "qr1")].pop(0)  # version 1 lost
    found = failures(audit(server, patient="p1"))
    assert ("versions", "version(s) 1 of 2 are gone from its history") in [
        (c, d) for _, c, d in found]


def test_an_old_questionnaire_version_scores_its_own_responses(server: MemoryFhir) -> None:
    current = fhir_profiles.questionnaire("alliance-checkin-therapist")
    old = old_version(current, "0.0.9")
    server.put(old)
    store(server, submission(1, questionnaire=old), 1)
    findings = audit(server, patient="p1")
    assert failures(findings) == []
    score = next(f for f in findings if f.check == "score")
    assert score.detail.endswith(f"by {current['url']}|0.0.9")
    # Without that version on the server, nothing can score the response: it is named.
    del server.versions[("Questionnaire", old["id"])]
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "questionnaire" and "|0.0.9" in detail
    # And today's version gives another total for the same answers: the version matters.
    server.put({**current, "version": "0.0.9"})
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "score" and "total" in detail


def test_the_text_pack_named_in_the_provenance_is_reported(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    prov = server.current("Provenance", "prov1")
    server.put({**prov, "entity": [{"role": "source", "what": {"identifier": {
        "system": TEXT_PACK_SYSTEM, "value": "wai-site|sha256:ab12"}}}]})
    [found] = [f for f in audit(server, patient="p1") if f.check == "provenance"]
    assert found.ok and found.detail.endswith("wording from text pack wai-site|sha256:ab12")


def test_a_score_derived_from_another_version_of_the_response_is_named(
        server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "amended"})
    server.put(second_provenance(server))
    obs = server.current("Observation", "obs1-total")
    server.put({**obs, "derivedFrom": [{"reference": "QuestionnaireResponse/qr1/_history/2"}]})
    assert [f.check for f in audit(server, patient="p1") if not f.ok] == []
    server.put({**obs, "derivedFrom": [{"reference": "QuestionnaireResponse/qr1/_history/1"}]})
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "score" and "derived from version 1, the response is at version 2" in detail


def second_provenance(server: MemoryFhir, names: str = "QuestionnaireResponse/qr1",
                      tag: str = "00000000-0000-4000-8000-000000000001/provenance/from-1") -> dict:
    """The Provenance of a change to qr1 (its own tag, naming `names`)."""
    first = server.current("Provenance", "prov1")
    return {**first, "id": "prov1b", "target": [{"reference": names}],
            "meta": {**first["meta"], "tag": [{"system": SUBMISSION_SYSTEM, "code": tag}]}}


def versioned(server: MemoryFhir) -> None:
    """qr1 as a server that keeps versioned references holds it after a correction: each
    Provenance names the version it accounts for."""
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "amended"})
    first = server.current("Provenance", "prov1")
    server.put({**first, "target": [{"reference": "QuestionnaireResponse/qr1/_history/1"}]})
    server.put(second_provenance(server, "QuestionnaireResponse/qr1/_history/2"))


def test_each_version_named_by_its_own_provenance_passes(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    versioned(server)
    [found] = [f for f in audit(server, patient="p1") if f.check == "provenance"]
    assert found.ok and "each naming the version it accounts for" in found.detail


def test_without_versions_in_references_the_count_stands_in_and_says_so(
        server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "amended"})
    server.put(second_provenance(server))
    [found] = [f for f in audit(server, patient="p1") if f.check == "provenance"]
    assert found.ok and "naming no version (the server keeps references" in found.detail


def test_a_version_accounted_for_twice_is_named(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    versioned(server)
    twice = {**second_provenance(server, "QuestionnaireResponse/qr1/_history/2", tag="other"),
             "id": "prov1c"}
    server.put(twice)
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "provenance"
    assert "version 2 is accounted for twice: Provenance/prov1b, Provenance/prov1c" in detail


def test_a_change_stored_twice_is_named_even_without_versions(server: MemoryFhir) -> None:
    """A resend that stored a second Provenance for the same change (the same tag)."""
    store(server, submission(1), 1)
    qr = server.current("QuestionnaireResponse", "qr1")
    server.put({**qr, "status": "amended"})
    server.put(second_provenance(server))
    server.put({**second_provenance(server), "id": "prov1c"})
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "provenance"
    assert detail == "one change recorded twice: Provenance/prov1b, Provenance/prov1c"


def test_a_provenance_naming_a_version_that_never_was_is_named(server: MemoryFhir) -> None:
    store(server, submission(1), 1)
    first = server.current("Provenance", "prov1")
    server.put({**first, "target": [{"reference": "QuestionnaireResponse/qr1/_history/3"}]})
    [(_, check, detail)] = failures(audit(server, patient="p1"))
    assert check == "provenance"
    assert "names version 3, which the response (at version 1) never had" in detail


def test_a_date_range_selects_by_authored(server: MemoryFhir) -> None:
    store(server, submission(1, patient="Patient/a"), 1)
    store(server, submission(2, patient="Patient/b", day=10), 2)
    findings = audit(server, since="2026-11-25", until="2026-12-31")
    assert {f.record for f in findings} == {"QuestionnaireResponse/qr2"}


def test_a_query_needs_a_patient_or_dates_and_real_dates() -> None:
    with pytest.raises(AuditQueryError, match="name a patient"):
        response_query(None, None, None)
    with pytest.raises(AuditQueryError, match="--since must be a date"):
        response_query(None, "last week", None)


def test_a_response_to_a_previous_shipped_version_is_scored_without_a_server_copy(
        server: MemoryFhir) -> None:
    """A site's responses stored under 0.1.0 of the check-in, on a server where no one ever
    installed a Questionnaire: the package's own 0.1.0 re-scores them."""
    url = fhir_profiles.questionnaire("alliance-checkin-therapist")["url"]
    old = json.loads((fhir_profiles.PACKAGE_DIR / "previous"
                      / "Questionnaire-alliance-checkin-therapist-0.1.0.json").read_text())
    store(server, submission(1, questionnaire=old), 1)
    assert server.current("QuestionnaireResponse", "qr1")["questionnaire"] == f"{url}|0.1.0"
    findings = audit(server, patient="p1")
    assert failures(findings) == []
    score = next(f for f in findings if f.check == "score")
    assert score.detail.endswith(f"by {url}|0.1.0")
