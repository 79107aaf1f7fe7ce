from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlsplit

from ehr_sandbox.fhir.directory import StoreDirectory

from .harness import FHIR, Sandbox


def _iframe_src(html: str) -> str:
    start = html.index('<iframe src="') + len('<iframe src="')
    return unescape(html[start:html.index('"', start)])


def test_healthz(sandbox: Sandbox) -> None:
    got = sandbox.client.get("/healthz")
    assert got.status_code == 200 and got.json == {"status": "ok"}


def test_patient_list_shows_names_and_birth_dates(sandbox: Sandbox) -> None:
    got = sandbox.client.get("/")
    html = got.data.decode()
    assert got.status_code == 200
    for plan in sandbox.cohort.patients:
        assert plan.patient["birthDate"] in html
        assert f"/chart/{plan.patient_id}" in html
    assert '<label for="practitioner">' in html


def test_chart_embeds_the_app_with_an_ehr_launch(sandbox: Sandbox) -> None:
    plan = sandbox.cohort.patients[2]
    practitioner = sandbox.cohort.practitioners[1]["id"]
    got = sandbox.client.get(f"/chart/{plan.patient_id}?practitioner={practitioner}")
    assert got.status_code == 200
    assert got.headers["Cache-Control"] == "no-store"
    src = urlsplit(_iframe_src(got.data.decode()))
    assert f"{src.scheme}://{src.netloc}{src.path}" == "http://app.test/launch"
    query = parse_qs(src.query)
    assert query == {"iss": [FHIR], "launch": ["launch-1"]}
    assert sandbox.auth.launches == [(plan.patient_id, plan.today.encounter_id, practitioner)]


def test_every_chart_load_creates_a_fresh_launch_and_remembers_the_clinician(
    sandbox: Sandbox
) -> None:
    plan = sandbox.cohort.patients[2]
    practitioner = sandbox.cohort.practitioners[2]["id"]
    sandbox.client.get(f"/?practitioner={practitioner}")
    first = _iframe_src(sandbox.client.get(f"/chart/{plan.patient_id}").data.decode())
    second = _iframe_src(sandbox.client.get(f"/chart/{plan.patient_id}").data.decode())
    assert first != second
    assert [launch[2] for launch in sandbox.auth.launches] == [practitioner, practitioner]


def test_chart_escapes_patient_data(sandbox: Sandbox) -> None:
    evil = {"resourceType": "Patient", "id": "evil",
            "name": [{"family": "<script>alert(1)</script>", "given": ['"onload="x']}],
            "birthDate": "1990-01-01"}
    sandbox.store.create(evil, patient="evil", keep_id=True)
    html = sandbox.client.get("/chart/evil").data.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"onload="x' not in html
    assert "<script>" not in sandbox.client.get("/").data.decode()
    assert sandbox.auth.launches[-1] == ("evil", None, sandbox.auth.launches[-1][2])


def test_unknown_chart_is_404(sandbox: Sandbox) -> None:
    assert sandbox.client.get("/chart/nobody").status_code == 404


def test_chart_lists_appointments_with_their_status(sandbox: Sandbox) -> None:
    plan = sandbox.cohort.patients[3]  # decline-dropout: the last two were no-shows
    html = sandbox.client.get(f"/chart/{plan.patient_id}").data.decode()
    assert html.count('class="status-noshow"') >= 2
    assert "Session in progress since" in html


def test_directory_lists_people_and_encounters(sandbox: Sandbox) -> None:
    directory = StoreDirectory(sandbox.store)
    patients = directory.patients()
    assert len(patients) == len(sandbox.cohort.patients)
    assert all(name and " " in name for _, name in patients)
    assert len(directory.practitioners()) == 3
    plan = sandbox.cohort.patients[0]
    encounters = directory.encounters(plan.patient_id)
    assert encounters[0][0] == plan.today.encounter_id
    assert encounters[0][1].startswith("2026-11-25")
    assert len(encounters) == len(plan.attended)
