"""Scenario 9 of issue 6: the app's response headers (CSP with frame-ancestors from the
configuration, no inline script) and no token anywhere the browser can see it: page HTML,
scripts, URLs, localStorage, sessionStorage, cookies."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import APP_FRAME, open_chart

pytestmark = pytest.mark.browser

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
# A third-party frame may be denied storage altogether (Chromium here denies it): that is
# recorded as such, and the same origin's storage is read again as a top-level page below.
STORAGE = """() => {
  const read = (name) => { try { return JSON.stringify({...window[name]}); }
                           catch (e) { return 'denied: ' + e.name; } };
  return {local: read('localStorage'), session: read('sessionStorage'),
          cookie: document.cookie};
}"""


def _body(context, response) -> str:
    """The text of a GET the page made; fetched again through the context's own request API
    (same cookies) because Chromium drops bodies of documents navigated away from."""
    try:
        return str(response.text())
    except Exception:  # noqa: BLE001 - Playwright's "no resource with given identifier"
        return str(context.request.get(response.url).text())


def test_headers_and_pages_carry_no_inline_script_and_no_token(dep, context, page):
    responses, requested = [], []
    page.on("response", lambda r: responses.append(r))
    page.on("request", lambda r: requested.append(r.url))
    frame = open_chart(page, dep, dep.patient_ids()[4])
    # Walk the app's pages the clinician can reach from the panel (links inside the frame).
    visited = [frame.url]
    record = page.frame_locator(APP_FRAME).locator("a[href$='/record']")
    if record.count():
        record.first.click()
        # The frame is the same across its navigation: wait until it has loaded the chooser
        # (the panel's own heading would be found before the click has navigated).
        frame.wait_for_url(lambda url: url.split("?")[0].endswith("/record"))
        visited.append(frame.url)
        storage_in_form = frame.evaluate(STORAGE)
    else:
        storage_in_form = {}
    storage = frame.evaluate(STORAGE)
    top = context.new_page()
    top.goto(visited[-1])
    storage_top = top.evaluate(STORAGE)
    assert "denied" not in repr(storage_top)

    tokens = dep.http.secrets_received()
    assert tokens, "the app received no token: the launch did not run"

    app_documents = [r for r in responses
                     if r.url.startswith(dep.app.url) and r.request.resource_type == "document"
                     and r.status == 200]
    assert len(app_documents) >= len(visited)
    for response in app_documents:
        policy = response.headers.get("content-security-policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
        assert dep.ehr.url in directives.get("frame-ancestors", "").split(), policy
        script_src = directives.get("script-src", directives.get("default-src", ""))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, policy
        assert response.headers.get("referrer-policy") == "no-referrer"
        body = _body(context, response)
        assert not INLINE_SCRIPT.search(body), f"inline <script> in {response.url}"
        assert not INLINE_HANDLER.search(body), f"inline event handler in {response.url}"

    app_bodies = [_body(context, r) for r in responses
                  if r.url.startswith(dep.app.url) and r.status == 200
                  and r.request.resource_type in ("document", "script", "stylesheet", "xhr",
                                                  "fetch")]
    seen_by_browser = {
        "page or script": "\n".join(app_bodies),
        "URL": "\n".join([*requested, *visited]),
        "storage": repr(storage) + repr(storage_in_form) + repr(storage_top),
        "cookies": repr(context.cookies()),
    }
    for where, text in seen_by_browser.items():
        for token in tokens:
            assert token not in text, f"a token ({token[:6]}...) is visible in the {where}"
