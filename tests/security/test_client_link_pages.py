"""What the pages of a client's one-time link say (issue 25): the client's form names the
session's date (the client answers before or after it, rarely "today"); answers sent after the
session was rated get a message for someone on their own phone; the clinician's link page
survives a reload without making a second link. Through the security tier's harness (a real
app, a scripted EHR and companion store), as tests/security/test_client_links.py."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask import Response

from tests.support.client_links import ANSWERS, CLIENT, link_from
from tests.support.forms import read_form


def _session_on(app, start: str) -> None:
    """The EHR's Encounter e1 took place on ``start`` (the harness's has no period)."""
    batch = app.fhir._batch

    def dated(request: Any) -> Any:
        answer = batch(request)
        bundle = json.loads(answer.get_data())
        for entry in bundle.get("entry", []):
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "Encounter":
                resource["period"] = {"start": start}
        return Response(json.dumps(bundle), status=answer.status_code,
                        content_type="application/fhir+json")

    app.fhir.server.route("POST", "/fhir", dated)


def test_the_clients_form_names_the_sessions_date_not_today(linked_app):
    app, _store, _ = linked_app()
    _session_on(app, "2026-11-24T10:00:00Z")
    path = link_from(app.clinician, app.launch())
    page = html.unescape(app.browser().get(path).get_data(as_text=True))
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    around_items = re.sub(r"<legend>.*?</legend>", "", page, flags=re.S)
    assert "today" not in around_items.lower()  # (the items' own wording says "today")
    assert heading == "A few questions about your session on 24 Nov 2026"
    assert "your session on 24 Nov 2026" in title


def test_answers_sent_after_the_session_was_rated_tell_the_client_nothing_is_left(
        linked_app):
    app, store, _ = linked_app()
    handle = app.launch()
    path = link_from(app.clinician, handle)
    phone = app.browser()
    opened = read_form(phone.get(path).get_data(as_text=True), f"http://localhost{path}")
    paper = app.clinician.get(f"/panel/{handle}/record/{CLIENT}").get_data(as_text=True)
    form = read_form(paper, f"http://localhost/panel/{handle}/record/{CLIENT}")
    assert app.clinician.post(f"/panel/{handle}/record/{CLIENT}", data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}).status_code == 303
    late = phone.post(path, data={**opened.hidden,
                                  **{f"item-{k}": v for k, v in ANSWERS.items()}})
    text = html.unescape(late.get_data(as_text=True))
    assert late.status_code == 409
    assert "hand the device back" not in text.lower() and "therapist's device" not in text
    assert "answers for this session are already in" in text
    assert "nothing else to do" in text
    assert 'type="radio"' not in text  # no form to send again
    assert len(store.responses()) == 1


def _link_page(app, handle: str):
    chooser = app.clinician.get(f"/panel/{handle}/record").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', chooser).group(1)
    return app.clinician.post(f"/panel/{handle}/links",
                              data={"csrf_token": token, "questionnaire_id": CLIENT})


def test_reloading_the_link_page_makes_no_second_link_and_shows_the_waiting_one(
        linked_app):
    app, _store, _ = linked_app()
    handle = app.launch()
    made = _link_page(app, handle)
    assert made.status_code == 303  # POST, redirect, GET: a reload does not post again
    where = made.headers["Location"]
    shown = html.unescape(app.clinician.get(where).get_data(as_text=True))
    link = re.search(r'id="client-link"[^>]*value="([^"]+)"', shown).group(1)
    capability = link.rsplit("/", 1)[1]
    assert capability not in where  # the link is never in the address bar or history

    reloaded = html.unescape(app.clinician.get(where).get_data(as_text=True))
    assert capability not in reloaded and 'id="client-link"' not in reloaded  # shown once
    assert "A link is waiting" in reloaded and "works until" in reloaded
    assert "Make a new link" in reloaded
    panel = app.clinician.get(f"/panel/{handle}").get_data(as_text=True)
    assert panel.count("<strong>waiting</strong>") == 1  # one link, not two

    # a new link ends the old one
    form = read_form(reloaded, f"http://localhost{where}")
    renewed = app.clinician.post(form.action, data=form.hidden)
    assert renewed.status_code == 303
    fresh = html.unescape(app.clinician.get(renewed.headers["Location"]).get_data(as_text=True))
    new_link = re.search(r'id="client-link"[^>]*value="([^"]+)"', fresh).group(1)
    assert new_link != link
    old = app.browser().get(link.split("127.0.0.1:9", 1)[1])
    assert old.status_code == 410 and 'type="radio"' not in old.get_data(as_text=True)
    panel = app.clinician.get(f"/panel/{handle}").get_data(as_text=True)
    assert panel.count("<strong>waiting</strong>") == 1
    assert "replaced" in panel
