"""An EHR that refuses batch Bundles: the panel reads with the same searches side by side and
shows the same patient data."""

from __future__ import annotations

import re

import requests

from tests.support.pages import panel_patient_name

REFUSAL = (b'{"resourceType": "OperationOutcome", "issue": [{"severity": "error", '
           b'"code": "not-supported", "diagnostics": "batch is not supported"}]}')


def _shown(page: str) -> tuple[str, list[str]]:
    """The patient's name and the panel's session rows, without the launch's own handle."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    return panel_patient_name(page), [re.sub(r"/panel/[^\"'?]+", "", r) for r in rows]


def test_the_panel_shows_the_same_data_when_the_ehr_refuses_batch(deploy):
    dep = deploy()
    patient = dep.patient_ids()[0]
    with_batch = dep.launch_ehr(dep.browser(), patient)
    assert with_batch.status_code == 200

    def refuse_batch(request: requests.PreparedRequest, response: requests.Response) -> None:
        if request.method == "POST" and request.url == dep.iss and b'"batch"' in (
                request.body or b""):
            response.status_code, response._content = 405, REFUSAL

    dep.http.tamper = refuse_batch
    start = len(dep.http.exchanges)
    without = dep.launch_ehr(dep.browser(), patient)
    assert without.status_code == 200
    assert _shown(without.text) == _shown(with_batch.text)
    assert _shown(without.text)[1], "the panel shows sessions"
    sent = [(e.method, e.url.split("?")[0]) for e in dep.http.exchanges[start:]
            if e.url.startswith(dep.iss)]
    assert ("POST", dep.iss) in sent
    gets = {url[len(dep.iss) + 1:] for method, url in sent if method == "GET"}
    assert {f"Patient/{patient}", "Encounter", "QuestionnaireResponse"} <= gets
