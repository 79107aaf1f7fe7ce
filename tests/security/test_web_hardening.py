"""Attacks that already failed before issue 10, kept as assertions: script in every FHIR text
the panel shows, CSRF on every POST, clickjacking, and caching of pages with health data."""

from __future__ import annotations

import re

from .app_harness import app_under_attack, searchset

PAYLOADS = ('<script>alert("x")</script>', '"><img src=x onerror=alert(1)>',
            "javascript:alert(1)", "</textarea><svg onload=alert(1)>", "{{ 7*7 }}")


def _hostile_resources() -> tuple[dict, list[dict], list[dict]]:
    p = PAYLOADS
    patient = {"resourceType": "Patient", "id": "p1", "gender": p[0], "birthDate": "1980-01-01",
               "name": [{"use": "official", "text": p[0] + p[1]}],
               "identifier": [{"type": {"text": p[1]}, "value": p[3]}]}
    encounters = [{"resourceType": "Encounter", "id": f"e{i}", "status": "finished",
                   "class": {"code": p[1], "display": p[0]},
                   "type": [{"text": p[i % len(p)], "coding": [{"display": p[1]}]}],
                   "serviceType": {"text": p[3]},
                   "period": {"start": f"2026-11-{10 + i:02d}T10:00:00Z",
                              "end": f"2026-11-{10 + i:02d}T11:00:00Z"}}
                  for i in range(1, 4)]
    appointments = [{"resourceType": "Appointment", "id": "a1", "status": "noshow",
                     "appointmentType": {"text": p[0]}, "serviceType": [{"text": p[1]}],
                     "description": p[3], "start": "2026-11-20T10:00:00Z"}]
    return patient, encounters, appointments


def test_script_in_any_fhir_text_is_shown_as_text(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    patient, encounters, appointments = _hostile_resources()
    app.fhir.searches["Encounter"] = searchset(*encounters)
    app.fhir.searches["Appointment"] = searchset(*appointments)
    app.fhir.patient = patient
    handle = app.launch()

    page = app.clinician.get(f"/panel/{handle}").get_data(as_text=True)

    for payload in PAYLOADS[:2] + PAYLOADS[3:4]:
        assert payload not in page, payload
    assert "&lt;script&gt;alert(" in page  # the text is there, escaped
    assert not re.search(r"<(script|img|svg)\b(?![^>]*\bsrc=\"/static/)", page, re.I)
    assert 'href="javascript:' not in page.lower()


def test_every_post_refuses_a_missing_or_foreign_csrf_token(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    handle, other = app.launch(), app.launch(app.browser())
    saved_before = len(app.fhir.saved)
    posts = [rule for rule in app.flask.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert {r.endpoint for r in posts} >= {"handoff.start", "handoff.unlock", "record.record",
                                           "record.correct", "record.entered_in_error"}
    checked = 0
    for rule in posts:
        if rule.endpoint in ("launch.callback", "handoff.client"):
            continue  # bound by state and page value / by the capability: tested elsewhere
        url = rule.rule.replace("<handle>", handle).replace(
            "<questionnaire_id>", "alliance-checkin-therapist").replace("<qr_id>", "r1")
        for token in (None, "forged", _token_of(app, other)):
            data = {"questionnaire_id": "alliance-checkin-client", "code": "123456",
                    "item-goal-1": "3", "reason": "because"}
            if token:
                data["csrf_token"] = token
            answer = app.clinician.post(url, data=data)
            assert 300 <= answer.status_code < 500, (url, token, answer.status_code)
            checked += 1
    assert checked >= 15
    assert len(app.fhir.saved) == saved_before  # nothing was written
    assert app.clinician.get(f"/panel/{handle}").status_code == 200  # no hand-off was started


def _token_of(app, handle: str) -> str:
    from plugin.web.csrf import csrf_token

    with app.flask.app_context():
        return csrf_token(handle)


def test_every_page_refuses_framing_outside_the_ehr_and_health_data_is_never_cached(
        hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path, frame_ancestors="https://ehr.example.org")
    handle = app.launch()
    for path in (f"/panel/{handle}", f"/panel/{handle}/record",
                 f"/panel/{handle}/record/alliance-checkin-therapist",
                 f"/panel/{handle}/responses/r1", "/panel/unknown", "/launch", "/healthz"):
        answer = app.clinician.get(path)
        csp = answer.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors https://ehr.example.org" in csp, path
        assert "*" not in csp.split("frame-ancestors", 1)[1].split(";")[0], path
        if path.startswith("/panel/"):
            assert answer.headers.get("Cache-Control") == "no-store", path
            assert answer.headers.get("Referrer-Policy") == "no-referrer", path
