"""A client's one-time link in the end-to-end and browser tiers: the clinician makes it from the
record page of an open launch (tests/support/launched.py), as a browser posts the form."""

from __future__ import annotations

import html
import re

CLIENT = "alliance-checkin-client"
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
