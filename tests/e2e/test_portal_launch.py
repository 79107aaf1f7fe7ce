"""A client's own launch from the sandbox EHR's patient portal, with real servers: the client
signs in to the portal, opens the app from it (an EHR launch whose user is their Patient), answers
their session's questions on their own browser, and the clinician's panel shows the answers as
having come from the patient portal."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from tests.support.client_links import WITHOUT_RESPONSES
from tests.support.forms import read_form
from tests.support.launched import ANSWERS, CLIENT, open_launch


def test_the_client_answers_from_the_portal_and_the_panel_shows_it(deploy) -> None:
    dep = deploy(client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES, companion=True)
    run = open_launch(dep)  # the clinician's chart, for the session of today

    phone = dep.browser()  # the client's own device: no cookie of the clinician's
    home = phone.post(f"{dep.ehr.url}/portal/sign-in", data={"patient": run.patient},
                      timeout=20)
    assert home.status_code == 200 and "Answer your therapist's questions" in home.text
    opened = phone.post(f"{dep.ehr.url}/portal/open", timeout=20)
    assert opened.status_code == 200, opened.text[:1500]
    assert urlsplit(opened.url).path.startswith("/client/")
    authorize = [r.url for r in opened.history if urlsplit(r.url).path.endswith("/authorize")]
    assert authorize and "patient%2FQuestionnaireResponse" in authorize[0]
    text = html.unescape(opened.text)
    assert "A few questions about your session on " in text
    assert "Alliance across sessions" not in text

    form_url = re.search(r'href="([^"]*/form/' + CLIENT + ')"', text).group(1)
    form_url = f"{dep.app.url}{form_url}"
    page = phone.get(form_url, timeout=20)
    form = read_form(page.text, page.url)
    sent = phone.post(form.action, timeout=20, data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert sent.status_code == 200 and "Thank you" in sent.text, sent.text[:1500]

    companion = dep.flask_companion.extensions["ehr_sandbox"]["store"]
    [qr] = [r for r in companion.scan("QuestionnaireResponse")
            if r["subject"]["reference"] == f"{dep.iss}/Patient/{run.patient}"]
    assert qr["encounter"]["reference"] == f"{dep.iss}/Encounter/{run.encounter}"

    panel = html.unescape(run.get("").text)
    mine = re.search(r'<ul class="client-answer-list">(.*?)</ul>', panel, re.S).group(1)
    assert "on their own device, from their patient portal" in mine


def test_where_the_ehr_keeps_the_records_the_clients_own_token_writes_them(deploy) -> None:
    dep = deploy()  # `make demo`'s shape: the EHR takes the records, no companion store
    run = open_launch(dep)
    phone = dep.browser()
    phone.post(f"{dep.ehr.url}/portal/sign-in", data={"patient": run.patient}, timeout=20)
    opened = phone.post(f"{dep.ehr.url}/portal/open", timeout=20)
    assert opened.status_code == 200, opened.text[:1500]
    form_url = re.search(r'href="([^"]*/form/' + CLIENT + ')"', opened.text).group(1)
    page = phone.get(f"{dep.app.url}{form_url}", timeout=20)
    form = read_form(page.text, page.url)
    sent = phone.post(form.action, timeout=20, data={
        **form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert sent.status_code == 200 and "saved for your therapist" in sent.text, sent.text[:1500]
    ehr = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    [qr] = [r for r in ehr.scan("QuestionnaireResponse", run.patient)
            if any(t.get("code") == "portal" for t in r.get("meta", {}).get("tag", []))]
    assert qr["encounter"]["reference"].endswith(f"Encounter/{run.encounter}")
    writes = [c for c in dep.http.exchanges if c.method == "POST" and c.url.startswith(dep.iss)
              and "QuestionnaireResponse" in (c.body or "")]
    assert writes  # sent to the EHR itself, with the client's token (no backend client here)
    panel = html.unescape(run.get("").text)
    assert "on their own device, from their patient portal" in panel
