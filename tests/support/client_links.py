"""A client's one-time link, made as the clinician's browser makes it: from the record page of an
open launch, posting the form. ``make_link`` for the end-to-end and browser tiers (an open launch
of tests/support/launched.py), ``link_from`` for the app in the test's process (a Flask test
client); ``ANSWERS`` fill the client's form."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from flask.testing import FlaskClient

CLIENT = "alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
WITHOUT_RESPONSES = frozenset({"Observation", "Provenance", "Questionnaire"})


def make_link(run, questionnaire_id: str = CLIENT) -> tuple[str, str]:
    """The link made from the record page for ``questionnaire_id``, and the page showing it."""
    chooser = run.get("/record").text
    forms = re.findall(r'<form method="post" action="([^"]+/links)">(.*?)</form>', chooser,
                       re.S)
    assert forms, "the record page offers no client link"
    action, body = next((a, b) for a, b in forms if f'value="{questionnaire_id}"' in b)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    made = run.browser.post(f"{run.dep.app.url}{action}", timeout=20, allow_redirects=False,
                            data={"csrf_token": token, "questionnaire_id": questionnaire_id})
    if made.status_code == 303:  # POST, redirect, GET: a reload makes no second link
        where = made.headers["Location"]
        where = where if "://" in where else f"{run.dep.app.url}{where}"
        made = run.browser.get(where, timeout=20, allow_redirects=False)
    assert made.status_code == 200, made.text[:1500]
    link = html.unescape(re.search(r'id="client-link"[^>]*value="([^"]+)"', made.text).group(1))
    return link, made.text


def link_from(browser: FlaskClient, handle: str) -> str:
    """The path of the link for the client's form that the clinician's `browser` makes for the
    launch `handle`."""
    chooser = browser.get(f"/panel/{handle}/record").get_data(as_text=True)
    assert "/links" in chooser, html.unescape(chooser)[-800:]
    token = re.search(r'name="csrf_token" value="([^"]+)"', chooser)
    assert token, "the record page has no form to post"
    made = browser.post(f"/panel/{handle}/links",
                        data={"csrf_token": token.group(1), "questionnaire_id": CLIENT})
    if made.status_code == 303:  # POST, redirect, GET
        made = browser.get(made.headers["Location"])
    assert made.status_code == 200, made.get_data(as_text=True)[:800]
    link = re.search(r'id="client-link"[^>]*value="([^"]+)"', made.get_data(as_text=True))
    assert link, "the link page shows no link"
    return urlsplit(html.unescape(link.group(1))).path
