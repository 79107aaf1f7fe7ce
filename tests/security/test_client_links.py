"""A client's one-time link (issue 25) under attack: replayed, guessed, pointed at another session
or client, used after it expired or after the session was rated, leaked through a Referer, a log
line or the browser's history, and a link and a clinician's handle each tried on the other's
routes. The app writes its records to a companion store (tests/security/companion_store.py), as
links need."""

from __future__ import annotations

import logging
import re
import secrets

from flask.testing import FlaskClient

from plugin.recording.client_links import LATE_SEND_SECONDS
from tests.support.client_links import ANSWERS, CLIENT, link_from
from tests.support.forms import read_form

HOUR = 3600.0


def _answers(phone: FlaskClient, path: str, **forged: str):
    page = phone.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:800]
    form = read_form(page.get_data(as_text=True), f"http://localhost{path}")
    data = {**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}, **forged}
    return phone.post(path, data=data)


def test_a_link_answers_once_and_its_replay_opens_nothing(linked_app):
    app, store, _ = linked_app()
    path = link_from(app.clinician, app.launch())
    phone = app.browser()
    page = phone.get(path)
    form = read_form(page.get_data(as_text=True), f"http://localhost{path}")
    data = {**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}
    assert phone.post(path, data=data).status_code == 200
    assert len(store.responses()) == 1
    # The same page posted again (a double tap, the back button, a replay), the link reopened
    # from the history, or opened in another browser: nothing opens, nothing more is stored.
    assert phone.post(path, data=data).status_code == 410
    for browser in (phone, app.browser()):
        again = browser.get(path)
        assert again.status_code == 410 and 'type="radio"' not in again.get_data(as_text=True)
    assert len(store.responses()) == 1


def test_a_guessed_or_altered_link_opens_nothing(linked_app):
    app, store, _ = linked_app()
    path = link_from(app.clinician, app.launch())
    capability = path.rsplit("/", 1)[1]
    altered = capability[:-2] + ("AA" if capability[-2:] != "AA" else "BB")
    phone = app.browser()
    for guess in (secrets.token_urlsafe(32), altered, capability[:-1], capability + "A",
                  "x" * 5000):
        answer = phone.get(f"/answer/{guess}")
        assert answer.status_code in (404, 410, 414), guess
        assert 'type="radio"' not in answer.get_data(as_text=True)
    assert phone.get(path).status_code == 200  # the real link still works


def test_a_link_writes_only_for_its_own_client_and_session(linked_app):
    app, store, _ = linked_app()
    path = link_from(app.clinician, app.launch())  # the launch's patient p1, session e1
    sent = _answers(app.browser(), path, patient="p2", encounter="e2", subject="Patient/p2",
                    submission_id="00000000-0000-4000-8000-000000000000")
    assert sent.status_code == 200
    [qr] = store.responses()
    ehr = app.ehr.iss
    assert qr["subject"]["reference"] == f"{ehr}/Patient/p1"
    assert qr["encounter"]["reference"] == f"{ehr}/Encounter/e1"
    assert qr["identifier"]["value"] != "00000000-0000-4000-8000-000000000000"


def test_a_link_dies_when_the_site_says(linked_app):
    app, store, clock = linked_app(client_link_hours=2)
    path = link_from(app.clinician, app.launch())
    clock.advance(2 * HOUR - 60)
    assert app.browser().get(path).status_code == 200
    clock.advance(60)
    expired = app.browser().get(path)
    assert expired.status_code == 410 and 'type="radio"' not in expired.get_data(as_text=True)
    assert _post_blind(app.browser(), path).status_code == 410
    assert store.responses() == []


def _opened_then_sent(app, clock, path: str, *, opened_before: float, sent_after: float):
    """The client opens the form ``opened_before`` seconds before the link expires and sends
    it ``sent_after`` seconds after."""
    phone = app.browser()
    clock.advance(2 * HOUR - opened_before)
    page = phone.get(path)
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True), f"http://localhost{path}")
    clock.advance(opened_before + sent_after)
    assert app.browser().get(path).status_code == 410  # opening it now shows nothing
    return phone.post(path, data={**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}})


def test_a_form_opened_before_its_link_expired_still_sends_what_was_typed(linked_app):
    app, store, clock = linked_app(client_link_hours=2)
    path = link_from(app.clinician, app.launch())
    sent = _opened_then_sent(app, clock, path, opened_before=300, sent_after=1800)
    assert sent.status_code == 200 and len(store.responses()) == 1
    assert _post_blind(app.browser(), path).status_code == 410  # and then it is used


def test_a_form_opened_in_time_sends_nothing_an_hour_after_its_link_expired(linked_app):
    app, store, clock = linked_app(client_link_hours=2)
    path = link_from(app.clinician, app.launch())
    sent = _opened_then_sent(app, clock, path, opened_before=300, sent_after=LATE_SEND_SECONDS)
    assert sent.status_code == 410 and store.responses() == []


def _post_blind(browser: FlaskClient, path: str):
    return browser.post(path, data={f"item-{k}": v for k, v in ANSWERS.items()})


def test_a_link_opens_nothing_once_the_session_has_the_clients_answers(linked_app):
    app, store, _ = linked_app()
    handle = app.launch()
    path = link_from(app.clinician, handle)
    phone = app.browser()
    page = phone.get(path)  # the client opened it, then the clinician typed in their paper form
    paper = app.clinician.get(f"/panel/{handle}/record/{CLIENT}").get_data(as_text=True)
    form = read_form(paper, f"http://localhost/panel/{handle}/record/{CLIENT}")
    entered = app.clinician.post(f"/panel/{handle}/record/{CLIENT}", data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert entered.status_code == 303
    assert phone.get(path).status_code == 410  # "already answered"
    late = read_form(page.get_data(as_text=True), f"http://localhost{path}")
    refused = phone.post(path, data={**late.hidden,
                                     **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert refused.status_code == 409
    assert len(store.responses()) == 1  # one rating per session, rater and form


def test_the_link_leaves_no_trace_in_referers_caches_or_logs(linked_app, caplog):
    caplog.set_level(logging.DEBUG)
    app, _store, _ = linked_app()
    path = link_from(app.clinician, app.launch())
    capability = path.rsplit("/", 1)[1]
    phone = app.browser()
    page = phone.get(path)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert '<meta name="referrer" content="no-referrer">' in body
    # nothing on the page leads elsewhere carrying the address (no outside link or resource)
    assert not re.findall(r'(?:href|src|action)="https?://', body)
    done = _answers(phone, path)
    assert done.headers["Referrer-Policy"] == "no-referrer"
    app.browser().get(path)  # refused: logged, perhaps, but never with the link
    app.browser().get(f"/answer/{capability}x")
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert capability not in text


def test_a_link_never_opens_the_clinicians_routes_nor_a_handle_the_clients(linked_app):
    app, _store, _ = linked_app()
    handle = app.launch()
    path = link_from(app.clinician, handle)
    capability = path.rsplit("/", 1)[1]
    phone = app.browser()
    for url in (f"/panel/{capability}", f"/panel/{capability}/record",
                f"/panel/{capability}/record/{CLIENT}", f"/panel/{capability}/handoff"):
        answer = phone.get(url)
        assert answer.status_code >= 400, url
        assert "Alliance across sessions" not in answer.get_data(as_text=True)
    # a clinician's handle is no client link, from the clinician's own browser either
    for browser in (phone, app.clinician):
        refused = browser.get(f"/answer/{handle}")
        assert refused.status_code == 410
        assert 'type="radio"' not in refused.get_data(as_text=True)
    # the client's page carries nothing of the clinician's launch
    body = phone.get(path).get_data(as_text=True)
    assert handle not in body and "/panel/" not in body


def test_a_patients_sign_in_never_opens_the_clinicians_panel(linked_app):
    app, _store, _ = linked_app()
    ehr = app.ehr
    for user in (f"{ehr.iss}/Patient/p1", "RelatedPerson/rp1"):
        ehr.user["fhirUser"] = user
        browser = app.browser()
        done = app.finish(browser, app.start(browser))
        assert done.status_code == 303 and "/panel/" not in done.headers["Location"]
        handle = done.headers["Location"].rsplit("/", 1)[1]  # the client's own pages' handle
        for url in (f"/panel/{handle}", f"/panel/{handle}/record",
                    f"/panel/{handle}/record/{CLIENT}"):
            refused = browser.get(url)
            assert refused.status_code == 400, (user, url, refused.status_code)
            text = refused.get_data(as_text=True)
            assert "Alliance across sessions" not in text and "for clinicians" in text
