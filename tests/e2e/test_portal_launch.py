"""A client's own launch from the sandbox EHR's patient portal, with real servers: the client
signs in to the portal, opens the app from it (an EHR launch whose user is their Patient), answers
their session's questions on their own browser, and the clinician's panel shows the answers as
having come from the patient portal."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

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


def test_the_portal_link_makes_a_standalone_launch_the_client_confirms(deploy) -> None:
    """The portal page's second way in: a plain link to the app's /portal/launch with `iss`
    only. The app asks `launch/patient`; the sandbox's authorization server sees the client
    signed in to the portal and asks them to confirm themselves; their answers reach the
    clinician's panel like the EHR launch's."""
    dep = deploy()
    run = open_launch(dep)
    phone = dep.browser()
    home = phone.post(f"{dep.ehr.url}/portal/sign-in", data={"patient": run.patient},
                      timeout=20)
    link = html.unescape(re.search(r'<a class="standalone" href="([^"]+)"', home.text).group(1))
    assert urlsplit(link).path == "/portal/launch" and "launch=" not in link
    assert f"iss={dep.iss}" in unquote(link)
    confirm = phone.get(link, timeout=20)
    assert confirm.status_code == 200 and "signed in to the patient portal as" in confirm.text
    asked = unquote(confirm.url)
    assert "launch/patient" in asked and "launch=" not in asked
    assert "patient/QuestionnaireResponse" in asked and "user/" not in asked
    form = read_form(confirm.text, confirm.url)
    opened = phone.post(form.action, data={**form.hidden, "decision": "patient"}, timeout=20)
    assert opened.status_code == 200, opened.text[:1500]
    assert urlsplit(opened.url).path.startswith("/client/")
    form_url = re.search(r'href="([^"]*/form/' + CLIENT + ')"', opened.text).group(1)
    page = phone.get(f"{dep.app.url}{form_url}", timeout=20)
    answers = read_form(page.text, page.url)
    sent = phone.post(answers.action, timeout=20, data={
        **answers.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}})
    assert sent.status_code == 200 and "Thank you" in sent.text, sent.text[:1500]
    panel = html.unescape(run.get("").text)
    assert "on their own device, from their patient portal" in panel
