"""A client's own launch from their patient portal (issue 25), through the security tier's
harness: patient-facing scopes asked, the client's questions (never the panel) opened, the
answers stored for the client's session with channel ``portal`` and the client as the user;
a clinician's launch never opens the client's pages, a client's never the panel; fields forged
on the client's form never point the answers at another client or session."""

from __future__ import annotations

import datetime
import html
import json
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from fhir_profiles import CANONICAL
from tests.support.client_links import ANSWERS, CLIENT
from tests.support.forms import read_form

from .app_harness import AppUnderAttack, searchset
from .smart_ehr import SmartEhr, query

TODAY = datetime.date.today()


def _encounter(eid: str, days: int, status: str = "finished") -> dict[str, Any]:
    start = (TODAY + datetime.timedelta(days=days)).isoformat()
    return {"resourceType": "Encounter", "id": eid, "status": status,
            "period": {"start": f"{start}T10:00:00Z"}}


def _as_patient(app: AppUnderAttack, user: str = "Patient/p1") -> None:
    ehr = app.ehr
    ehr.id_token = lambda **claims: SmartEhr.id_token(  # type: ignore[method-assign]
        ehr, **{"fhirUser": user, **claims})
    ehr.token_extra.update(encounter=None, scope=(
        "launch/patient openid fhirUser patient/Patient.r patient/Encounter.rs "
        "patient/QuestionnaireResponse.crus"))
    app.fhir.searches["Encounter"] = searchset(
        _encounter("e-old", -20), _encounter("e-last", -2), _encounter("e-next", 12, "planned"))


def _portal_launch(app: AppUnderAttack, browser: FlaskClient,
                   seen: dict[str, str] | None = None) -> Any:
    answer = browser.get("/portal/launch", query_string={"iss": app.ehr.iss})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:800]
    location = answer.headers["Location"]
    if location.startswith("/launch/check"):
        answer = browser.get(location)
        assert answer.status_code == 302, "the test browser keeps cookies"
        location = answer.headers["Location"]
    params = query(location)
    app.ehr.nonce = params.get("nonce")
    if seen is not None:
        seen.update(params)
    return app.finish(browser, params)


def _audit_users(tmp_path: Path) -> list[str]:
    users = []
    for log in tmp_path.glob("app/audit/*.jsonl"):
        for line in log.read_text().splitlines():
            event = json.loads(line)
            event = event.get("event", event)
            users += [a["who"].get("reference", "") for a in event.get("agent", [])
                      if a.get("requestor")]
    return users


def test_a_client_launches_from_their_portal_and_answers_for_their_session(linked_app, tmp_path):
    app, store, _ = linked_app()
    _as_patient(app)
    phone, asked = app.browser(), {}
    done = _portal_launch(app, phone, asked)
    scopes = asked["scope"].split()
    assert "launch/patient" in scopes and "launch/encounter" not in scopes
    assert "patient/QuestionnaireResponse.crus" in scopes  # v2, as discovery says
    assert not any(s.startswith("user/") for s in scopes)
    assert done.status_code == 303 and "/client/" in done.headers["Location"]
    home = phone.get(done.headers["Location"])
    text = html.unescape(home.get_data(as_text=True))
    assert home.status_code == 200, text[:800]
    last = f"{(TODAY - datetime.timedelta(days=2)).day} "
    assert "A few questions about your session on " + last in text
    assert "Alliance across sessions" not in text and "score" not in text.lower()
    answer_url = re.search(r'href="([^"]*/form/' + CLIENT + ')"', text).group(1)

    form_page = phone.get(answer_url)
    form = read_form(form_page.get_data(as_text=True), f"http://localhost{answer_url}")
    sent = phone.post(answer_url, data={**form.hidden,
                                        **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    [qr] = store.responses()
    assert qr["subject"]["reference"] == f"{app.ehr.iss}/Patient/p1"
    assert qr["encounter"]["reference"] == f"{app.ehr.iss}/Encounter/e-last"
    assert {"system": f"{CANONICAL}/CodeSystem/alliance-answer-channel", "code": "portal"} in [
        {k: t[k] for k in ("system", "code")} for t in qr["meta"].get("tag", [])]
    users = _audit_users(tmp_path)
    assert users and all(u.endswith("Patient/p1") for u in users)

    again = html.unescape(phone.get(done.headers["Location"]).get_data(as_text=True))
    assert "already in" in again and "/form/" not in again
    resent = phone.post(answer_url, data={**form.hidden,
                                          **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert resent.status_code == 409 and len(store.responses()) == 1


def test_a_clients_launch_never_opens_the_panel_nor_a_clinicians_the_clients_pages(
        linked_app):
    app, _store, _ = linked_app()
    clinician = app.launch()  # a Practitioner's launch
    for url in (f"/client/{clinician}", f"/client/{clinician}/form/{CLIENT}"):
        refused = app.clinician.get(url)
        assert refused.status_code == 400, (url, refused.status_code)
        assert 'type="radio"' not in refused.get_data(as_text=True)
    _as_patient(app)
    phone = app.browser()
    done = _portal_launch(app, phone)
    handle = done.headers["Location"].rsplit("/client/", 1)[1]
    for url in (f"/panel/{handle}", f"/panel/{handle}/record",
                f"/panel/{handle}/record/{CLIENT}", f"/panel/{handle}/links"):
        refused = phone.get(url) if not url.endswith("/links") else phone.post(url)
        assert refused.status_code in (400, 403, 405), (url, refused.status_code)
        assert "Alliance across sessions" not in refused.get_data(as_text=True)


def test_forged_fields_never_point_a_clients_answers_at_another_client_or_session(
        linked_app):
    app, store, _ = linked_app()
    _as_patient(app)
    phone = app.browser()
    done = _portal_launch(app, phone)
    handle = done.headers["Location"].rsplit("/client/", 1)[1]
    url = f"/client/{handle}/form/{CLIENT}"
    form = read_form(phone.get(url).get_data(as_text=True), f"http://localhost{url}")
    sent = phone.post(url, data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()},
        "patient": "p2", "encounter": "e2", "subject": "Patient/p2",
        "questionnaire_id": "alliance-checkin-therapist"})
    assert sent.status_code == 200
    [qr] = store.responses()
    assert qr["subject"]["reference"] == f"{app.ehr.iss}/Patient/p1"
    assert qr["encounter"]["reference"] == f"{app.ehr.iss}/Encounter/e-last"
    assert "checkin-client" in qr["questionnaire"]
    # another client's session by address, with this client's sign-in: no form of theirs
    other = phone.get(f"/client/{handle}/form/alliance-checkin-therapist")
    assert 'type="radio"' not in other.get_data(as_text=True)


def test_a_clients_pages_open_only_in_the_browser_that_launched_and_leave_no_trace(
        linked_app):
    app, _store, _ = linked_app()
    _as_patient(app)
    phone = app.browser()
    done = _portal_launch(app, phone)
    url = done.headers["Location"]
    handle = url.rsplit("/client/", 1)[1]
    page = phone.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert not re.findall(r'(?:href|src|action)="https?://', body)  # nothing leads elsewhere
    for stranger in (app.browser(), app.clinician):  # the handle leaked to another browser
        refused = stranger.get(url)
        assert refused.status_code >= 400
        assert "/form/" not in refused.get_data(as_text=True)
        assert stranger.get(f"/client/{handle}/form/{CLIENT}").status_code >= 400


def test_a_relative_signed_in_answers_for_the_patient_in_context_and_is_the_author(
        linked_app, tmp_path):
    app, store, _ = linked_app()
    _as_patient(app, user="RelatedPerson/rp1")
    phone = app.browser()
    done = _portal_launch(app, phone)
    url = f"{done.headers['Location']}/form/{CLIENT}"
    form = read_form(phone.get(url).get_data(as_text=True), f"http://localhost{url}")
    assert phone.post(url, data={**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()},
                                 "author": "Patient/p2"}).status_code == 200
    [qr] = store.responses()
    assert qr["subject"]["reference"] == f"{app.ehr.iss}/Patient/p1"
    assert qr["author"]["reference"] == f"{app.ehr.iss}/RelatedPerson/rp1"
    users = _audit_users(tmp_path)
    assert users and all(u.endswith("RelatedPerson/rp1") for u in users)
