"""A client's own launch from their patient portal (issue 25) against servers nobody on this
project wrote: oidc-provider signs the client in (their ``fhirUser`` a Patient) and HAPI FHIR
keeps the chart and the records. The client makes a SMART standalone launch, sees only the form
due for their session, answers, and the answers are stored in HAPI with the client's own token
(QuestionnaireResponse tagged ``portal``, its Provenance; the AuditEvent names the client as the
user, and validates in HAPI); a clinician's launch then shows them on the panel. A second client
opens the app with an EHR launch from the portal; a parent (``fhirUser`` a RelatedPerson) answers
for the client they relate to. Refused: the client's sign-in on the panel,
and fields forged to point the answers at another client's session.

One module-scoped scenario, steps as tests in order (each needs the ones before it)."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from ehr_sandbox.cohort import build_cohort
from ehr_sandbox.settings import SandboxSettings
from fhir_profiles import CANONICAL
from plugin.audit.sink import read_events
from plugin.deploy.install import package_resources
from plugin.web import create_app
from tests.support.forms import read_form
from tests.support.hapi_records import ANSWERS, CLIENT, FHIR_JSON, entries, put_all, validate
from tests.support.interop import CLIENT_IDS, Servers
from tests.support.servers import LiveServer

pytestmark = pytest.mark.interop

CHANNEL = f"{CANONICAL}/CodeSystem/alliance-answer-channel"
FIRST, SECOND, THIRD, FOURTH = 4, 5, 6, 7  # cohort clients of their own (the workflow test
# loads 1 to 3)


@dataclass
class Client:
    patient: str
    encounter: str  # their session of today, the nearest one
    practitioner: str
    browser: requests.Session = field(default_factory=requests.Session)  # their own phone
    home: str = ""  # the app's address of their page, once launched


@dataclass
class Portal:
    servers: Servers
    app: object
    app_url: str
    first: Client
    second: Client
    third: Client
    fourth: Client
    related: str  # RelatedPerson/<id>: the fourth client's parent, in HAPI
    stored: dict[str, dict] = field(default_factory=dict)

    def fhir(self, path: str, **params: str) -> dict:
        answer = requests.get(f"{self.servers.hapi}/{path}", params=params, timeout=30,
                              headers=FHIR_JSON)
        answer.raise_for_status()
        return answer.json()

    def responses_of(self, client: Client) -> list[dict]:
        return entries(self.fhir("QuestionnaireResponse", subject=f"Patient/{client.patient}",
                                 encounter=f"Encounter/{client.encounter}"))


@pytest.fixture(scope="module")
def portal(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Portal:
    put_all(servers.hapi, package_resources(with_balp_standins=True))
    cohort = build_cohort(SandboxSettings.seed, time.time())
    starts = [i for i, r in enumerate(cohort.resources) if r["resourceType"] == "Patient"]
    put_all(servers.hapi, [*cohort.resources[:starts[0]],
                           *cohort.resources[starts[FIRST]:starts[FOURTH + 1]]])
    first, second, third, fourth = (
        Client(p.patient_id, p.today.encounter_id, p.practitioner_id)
        for p in (cohort.patients[i] for i in (FIRST, SECOND, THIRD, FOURTH)))
    parent = {"resourceType": "RelatedPerson", "id": f"parent-{fourth.patient}",
              "active": True, "patient": {"reference": f"Patient/{fourth.patient}"},
              "relationship": [{"coding": [{
                  "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                  "code": "PRN", "display": "parent"}]}],
              "name": [{"family": "Interop", "given": ["Parent"]}]}
    put_all(servers.hapi, [parent])
    # Its own port (registered with oidc-provider): the workflow test's app has the main one.
    server = LiveServer(port=servers.spare_ports[3])
    app = create_app({
        "public_url": server.url, "client_id": CLIENT_IDS["public"], "allowed_iss": servers.hapi,
        "secret_key": "interop-portal-" + "Hq7w-2LcX9pVn4bR8tYd3kJm6sZf1gEa5uOi",
        "development": True, "data_dir": str(tmp_path_factory.mktemp("interop-portal-app")),
    })
    server.start(app)
    return Portal(servers, app, server.url, first, second, third, fourth,
                  f"RelatedPerson/{parent['id']}")


def form_links(page: requests.Response) -> list[str]:
    return re.findall(r'href="([^"]*/form/[^"]+)"', page.text)


def answer(portal: Portal, client: Client, extra: dict[str, str] | None = None) -> str:
    [link] = form_links(client.browser.get(portal.app_url + client.home, timeout=30))
    page = client.browser.get(portal.app_url + link, timeout=30)
    assert page.status_code == 200, page.text[:1500]
    form = read_form(page.text, page.url)
    sent = client.browser.post(form.action, timeout=60, data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}, **(extra or {})})
    assert sent.status_code == 200, sent.text[:1500]
    return html.unescape(sent.text)


def test_a_standalone_patient_launch_through_oidc_provider_opens_only_the_form_due(
        portal: Portal):
    client = portal.first
    portal.servers.set_standalone_context(
        {"patient": client.patient, "fhirUser": f"Patient/{client.patient}"})
    opened = client.browser.get(f"{portal.app_url}/portal/launch",
                                params={"iss": portal.servers.hapi}, timeout=60)
    assert opened.status_code == 200, opened.text[:2000]
    assert urlsplit(opened.url).path.startswith("/client/")
    client.home = urlsplit(opened.url).path
    [authorize] = [r.url for r in opened.history if urlsplit(r.url).path == "/auth"]
    asked = requests.utils.unquote(authorize)
    assert "launch/patient" in asked and "patient/QuestionnaireResponse.crus" in asked
    assert "user/" not in asked and "launch/encounter" not in asked
    text = html.unescape(opened.text)
    assert "A few questions about your session on " in text
    assert [link.rsplit("/", 1)[1] for link in form_links(opened)] == [CLIENT]
    for clinicians_words in ("Alliance across sessions", "Latest ratings", "score"):
        assert clinicians_words not in text


def test_the_answers_are_stored_in_hapi_with_the_clients_own_token(portal: Portal):
    client = portal.first
    assert portal.responses_of(client) == []
    thanks = answer(portal, client)
    assert "Thank you" in thanks and "saved for your therapist" in thanks
    [qr] = portal.responses_of(client)
    portal.stored["qr"] = qr
    assert qr["author"]["reference"] == f"Patient/{client.patient}"
    assert qr["questionnaire"].split("|")[0].endswith(f"/Questionnaire/{CLIENT}")
    assert [t["code"] for t in qr["meta"]["tag"] if t["system"] == CHANNEL] == ["portal"]
    [provenance] = entries(portal.fhir("Provenance", target=f"QuestionnaireResponse/{qr['id']}"))
    portal.stored["provenance"] = provenance
    assert provenance["agent"][0]["who"]["reference"] == f"Patient/{client.patient}"
    observations = entries(portal.fhir(
        "Observation", **{"derived-from": f"QuestionnaireResponse/{qr['id']}"}))
    assert {o["code"]["coding"][0]["code"] for o in observations} == {
        "goal", "task", "bond", "total"}
    # The form is answered: the client's page offers nothing more for this session.
    again = client.browser.get(portal.app_url + client.home, timeout=30)
    assert form_links(again) == []


def test_the_audit_event_names_the_client_as_the_user_and_everything_validates_in_hapi(
        portal: Portal):
    client = portal.first
    settings = portal.app.extensions["alliance"].settings  # type: ignore[attr-defined]
    events = list(read_events(settings.data_dir / "audit" / "audit.jsonl"))
    qr_ref = f"QuestionnaireResponse/{portal.stored['qr']['id']}"
    [created] = [e for e in events if e["action"] == "C" and any(
        entity.get("what", {}).get("reference", "").endswith(qr_ref) for entity in e["entity"])]
    users = {a["who"].get("reference") for e in events for a in e["agent"] if a["requestor"]}
    assert users == {f"{portal.servers.hapi}/Patient/{client.patient}"}
    written = [portal.stored["qr"], portal.stored["provenance"], {**created, "id": "portal-c"}]
    failures = {r["resourceType"]: validate(portal.servers.hapi, r) for r in written}
    assert not any(failures.values()), failures


def test_a_clinicians_launch_then_shows_the_answers_as_come_from_the_portal(portal: Portal):
    client = portal.first
    launch = portal.servers.new_launch({
        "patient": client.patient, "encounter": client.encounter,
        "fhirUser": f"Practitioner/{client.practitioner}", "need_patient_banner": True})
    panel = requests.Session().get(f"{portal.app_url}/launch",
                                   params={"iss": portal.servers.hapi, "launch": launch},
                                   timeout=60)
    assert panel.status_code == 200 and "/panel/" in panel.url, panel.text[:2000]
    mine = re.search(r'<ul class="client-answer-list">(.*?)</ul>', panel.text, re.S)
    assert mine, panel.text[:3000]
    assert "on their own device, from their patient portal" in html.unescape(mine.group(1))


def test_the_clients_sign_in_never_opens_the_panel(portal: Portal):
    client = portal.first
    handle = client.home.split("/")[2]
    for path in (f"/panel/{handle}", f"/panel/{handle}/record/{CLIENT}"):
        refused = client.browser.get(portal.app_url + path, timeout=30)
        assert refused.status_code == 400, (path, refused.status_code)
        assert "Alliance across sessions" not in refused.text
        assert "this sign-in is a patient's" in html.unescape(refused.text)


def test_an_ehr_launch_from_the_portal_answers_only_for_its_own_clients_session(
        portal: Portal):
    """The second client opens the app from the portal (an EHR launch, user their Patient) and
    sends the answers with fields naming the first client and their session: HAPI gets them
    for the second client's own session, and the first client's session is untouched."""
    first, client = portal.first, portal.second
    launch = portal.servers.new_launch({"patient": client.patient,
                                        "fhirUser": f"Patient/{client.patient}"})
    opened = client.browser.get(f"{portal.app_url}/portal/launch",
                                params={"iss": portal.servers.hapi, "launch": launch},
                                timeout=60)
    assert opened.status_code == 200 and "/client/" in opened.url, opened.text[:2000]
    client.home = urlsplit(opened.url).path
    assert [link.rsplit("/", 1)[1] for link in form_links(opened)] == [CLIENT]
    forged = {"patient": first.patient, "subject": f"Patient/{first.patient}",
              "encounter": first.encounter, "author": f"Patient/{first.patient}"}
    assert "Thank you" in answer(portal, client, forged)
    [qr] = portal.responses_of(client)
    assert qr["author"]["reference"] == f"Patient/{client.patient}"
    [theirs] = portal.responses_of(first)
    assert theirs["id"] == portal.stored["qr"]["id"]  # still one, and still the first's own
    # The first client's page in the second client's browser opens nothing.
    stranger = client.browser.get(portal.app_url + first.home, timeout=30)
    assert stranger.status_code >= 400 and form_links(stranger) == []


def test_a_patient_launch_in_smart_v1_syntax_is_granted_and_answers_too(
        portal: Portal, tmp_path: Path):
    """An EHR whose registration says v1 (the issuer's scope_syntax): the app asks
    ``patient/Encounter.read`` and ``patient/QuestionnaireResponse.*``; oidc-provider grants
    them and the client's own token writes the answers to HAPI."""
    client, servers = portal.third, portal.servers
    server = LiveServer(port=servers.spare_ports[4])
    app = create_app({
        "public_url": server.url, "secret_key": "interop-portal-v1-" + "Tq8e-3NbW7mKc5vR2yHd",
        "development": True, "data_dir": str(tmp_path / "app"),
        "issuers": {servers.hapi: {"client_id": CLIENT_IDS["public"], "scope_syntax": "v1"}},
    })
    server.start(app)
    try:
        servers.set_standalone_context(
            {"patient": client.patient, "fhirUser": f"Patient/{client.patient}"})
        opened = client.browser.get(f"{server.url}/portal/launch", params={"iss": servers.hapi},
                                    timeout=60)
        assert opened.status_code == 200 and "/client/" in opened.url, opened.text[:2000]
        [authorize] = [r.url for r in opened.history if urlsplit(r.url).path == "/auth"]
        asked = requests.utils.unquote(authorize).replace("+", " ")
        assert "patient/Encounter.read" in asked and "patient/QuestionnaireResponse.*" in asked
        assert ".rs" not in asked and ".crus" not in asked
        client.home = urlsplit(opened.url).path
        v1 = Portal(servers, app, server.url, client, client, client, client, portal.related)
        assert "Thank you" in answer(v1, client)
        [qr] = portal.responses_of(client)
        assert [t["code"] for t in qr["meta"]["tag"] if t["system"] == CHANNEL] == ["portal"]
    finally:
        server.stop()


def test_a_related_person_signs_in_and_answers_for_the_client_they_relate_to(portal: Portal):
    """A parent signs in to the portal (oidc-provider's fhirUser a RelatedPerson of the fourth
    client, the launch's patient that client): the app opens the client's form, and HAPI keeps
    the answers as the client's rating of their own session, given by the parent (author and
    Provenance agent the RelatedPerson), tagged ``portal``; the records and the AuditEvent,
    whose user is the parent, validate in HAPI."""
    client = portal.fourth
    portal.servers.set_standalone_context({"patient": client.patient, "fhirUser": portal.related})
    opened = client.browser.get(f"{portal.app_url}/portal/launch",
                                params={"iss": portal.servers.hapi}, timeout=60)
    assert opened.status_code == 200 and "/client/" in opened.url, opened.text[:2000]
    client.home = urlsplit(opened.url).path
    assert [link.rsplit("/", 1)[1] for link in form_links(opened)] == [CLIENT]
    assert "Thank you" in answer(portal, client)
    [qr] = portal.responses_of(client)
    assert qr["subject"]["reference"] == f"Patient/{client.patient}"
    assert qr["author"]["reference"] == portal.related
    assert [t["code"] for t in qr["meta"]["tag"] if t["system"] == CHANNEL] == ["portal"]
    [provenance] = entries(portal.fhir("Provenance", target=f"QuestionnaireResponse/{qr['id']}"))
    assert provenance["agent"][0]["who"]["reference"] == portal.related
    settings = portal.app.extensions["alliance"].settings  # type: ignore[attr-defined]
    events = list(read_events(settings.data_dir / "audit" / "audit.jsonl"))
    [created] = [e for e in events if e["action"] == "C" and any(
        entity.get("what", {}).get("reference", "").endswith(f"QuestionnaireResponse/{qr['id']}")
        for entity in e["entity"])]
    assert [a["who"].get("reference") for a in created["agent"] if a["requestor"]] == [
        f"{portal.servers.hapi}/{portal.related}"]
    failures = {r["resourceType"]: validate(portal.servers.hapi, r)
                for r in (qr, provenance, {**created, "id": "portal-rp"})}
    assert not any(failures.values()), failures
    # The parent's sign-in opens the client's page only, never the panel.
    handle = client.home.split("/")[2]
    refused = client.browser.get(f"{portal.app_url}/panel/{handle}", timeout=30)
    assert refused.status_code == 400 and "Alliance across sessions" not in refused.text
