"""A client's one-time link, with real servers: the clinician makes it from the record page, the
client answers on their own browser, the answers land in the companion store through the app's
backend-services access, and the clinician's panel shows them and the link's state."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import requests

from fhir_profiles import CANONICAL
from tests.support.client_links import WITHOUT_RESPONSES, make_link
from tests.support.forms import read_form
from tests.support.launched import ANSWERS, CLIENT, filled, open_launch


def answer(phone: requests.Session, link: str) -> requests.Response:
    page = phone.get(link, timeout=20)
    assert page.status_code == 200, page.text[:1500]
    form = read_form(page.text, page.url)
    data = {**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}
    return phone.post(form.action, data=data, timeout=20, allow_redirects=False)


def _audit_events(tmp_path: Path) -> list[dict]:
    events = []
    for log in tmp_path.glob("app-*/audit/audit.jsonl"):
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            events.append(entry.get("event", entry))
    return events


def test_the_client_answers_with_a_link_and_the_panel_shows_it(deploy, tmp_path) -> None:
    dep = deploy(client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES, companion=True)
    run = open_launch(dep)
    link, made = make_link(run)
    assert link.startswith(f"{dep.app.url}/answer/") and run.handle not in link
    assert "<svg" in made and "QR code of the client" in made  # the same link, to scan
    assert "works once" in made

    panel = run.get("").text
    assert "Links sent to the client" in panel and "waiting" in panel
    assert "No answers from the client for this session yet" in panel

    phone = requests.Session()  # the client's own phone: no cookie of the clinician's
    form_page = phone.get(link, timeout=20)
    assert form_page.headers["Referrer-Policy"] == "no-referrer"
    assert form_page.headers["Cache-Control"] == "no-store"
    text = form_page.text
    assert "A few questions" in text and 'type="radio"' in text
    assert run.handle not in text and "/panel/" not in text  # nothing of the clinician's
    sent = answer(phone, link)
    assert sent.status_code == 200 and "Thank you" in sent.text, sent.text[:1500]
    assert "saved for your therapist" in sent.text

    companion = dep.flask_companion.extensions["ehr_sandbox"]["store"]
    stored = [qr for qr in companion.scan("QuestionnaireResponse")
              if qr["subject"]["reference"] == f"{dep.iss}/Patient/{run.patient}"]
    assert len(stored) == 1
    qr = stored[0]
    assert qr["encounter"]["reference"] == f"{dep.iss}/Encounter/{run.encounter}"
    assert qr["author"]["reference"] == f"{dep.iss}/Patient/{run.patient}"
    assert {"system": f"{CANONICAL}/CodeSystem/alliance-answer-channel", "code": "link"} in [
        {k: t[k] for k in ("system", "code")} for t in qr["meta"].get("tag", [])]
    ehr = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    assert not ehr.scan("QuestionnaireResponse", run.patient) or all(
        r.get("identifier", {}).get("value") != qr["identifier"]["value"]
        for r in ehr.scan("QuestionnaireResponse", run.patient))
    token_calls = dep.http.to(f"{dep.companion.url}/auth/token")
    assert token_calls and all("client_credentials" in c.body for c in token_calls)

    written = [e for e in _audit_events(tmp_path) if e.get("action") == "C"
               and any(en.get("what", {}).get("reference") == f"QuestionnaireResponse/{qr['id']}"
                       for en in e.get("entity", []))]
    assert written, "no AuditEvent for the client's answers"
    requestor = next(a for a in written[0]["agent"] if a.get("requestor"))
    assert requestor["who"] == {"reference": f"Patient/{run.patient}"}  # the client is the user
    searched = [e for e in _audit_events(tmp_path) if e.get("action") == "E" and any(
        a.get("requestor") and a["who"] == {"reference": f"Patient/{run.patient}"}
        for a in e["agent"])]
    assert searched, "no AuditEvent for the search the client's page made"

    again = phone.get(link, timeout=20)  # the same link from the phone's history
    assert again.status_code == 410 and 'type="radio"' not in again.text

    panel = html.unescape(run.get("").text)
    assert "used</strong>: answered with the link" in panel
    mine = re.search(r'<ul class="client-answer-list">(.*?)</ul>', panel, re.S).group(1)
    assert "on their own phone, with a link" in mine and "answered " in mine
    status = re.search(r'<p class="current">(.*?)</p>', panel, re.S).group(1)
    assert "client" in status.lower()  # counted in the status line like any other rating


def test_without_backend_access_the_record_page_offers_no_link_and_says_why(deploy) -> None:
    dep = deploy()  # the EHR takes the records with the clinician's own token: no companion
    run = open_launch(dep)
    chooser = run.get("/record").text
    assert "/links" not in chooser
    assert "Links for the client's own phone are off for this EHR" in html.unescape(chooser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', chooser).group(1)
    refused = run.post("/links", {"csrf_token": token, "questionnaire_id": CLIENT})
    assert refused.status_code >= 400 and "/answer/" not in refused.text


def test_a_paper_form_typed_in_is_listed_as_paper(deploy) -> None:
    dep = deploy()
    run = open_launch(dep)
    form = run.get(f"/record/{CLIENT}")
    saved = run.post(f"/record/{CLIENT}", filled(form))
    assert saved.status_code == 303, saved.text[:1500]
    panel = html.unescape(run.get("").text)
    mine = re.search(r'<ul class="client-answer-list">(.*?)</ul>', panel, re.S).group(1)
    assert "on a paper form, typed in" in mine
