"""Issue 22 in Chromium, at 320, 360 and 1280 px: what was only seen over HTTP in tests/e2e.

After a client's hand-off with a comment typed in it: today first (the session in context leads
the panel with its ratings and a next step), the client's comment on the panel (on today's card
and in the session list, marked as the client's words), and a refused correction of the client's
rating (the page says whose answers they are, offers removal and a new rating, no editing). On
each: what a clinician reads is visible, not clipped and not over other text, the page does not
scroll sideways, and axe finds nothing serious. Screenshots go to tests/artifacts/ (and
tests/browser/test_docs_screenshots.py makes the docs' own from the same state)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import APP_FRAME, axe_violations, describe, open_chart, shoot
from tests.support.launched import CLIENT, filled, form_fields, open_launch

pytestmark = pytest.mark.browser

WIDTHS = (320, 360, 1280)
SAID = "I felt rushed today and I am not sure this is helping"
LOW = {"goal-1": "1", "goal-2": "1", "task-1": "1", "task-2": "1", "bond-1": "1",
       "bond-2": "1"}

# Each element: on the page, inside the viewport's width, its text not cut off by its own box;
# and no two of them covering each other.
PLACED = """(selectors) => {
  const width = document.documentElement.clientWidth;
  const found = selectors.map(s => [s, document.querySelector(s)]);
  const problems = [];
  const boxes = [];
  for (const [selector, el] of found) {
    if (!el) { problems.push(`${selector}: missing`); continue; }
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) problems.push(`${selector}: not shown`);
    if (box.left < -1 || box.right > width + 1) problems.push(`${selector}: outside the width`);
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`${selector}: text clipped`);
    boxes.push([selector, box]);
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    const inside = (x, y) => x.left >= y.left - 1 && x.right <= y.right + 1
        && x.top >= y.top - 1 && x.bottom <= y.bottom + 1;
    if (inside(p, q) || inside(q, p)) continue;  // one holds the other
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1
        && q.top < p.bottom - 1) problems.push(`${a} overlaps ${b}`);
  }
  return {problems, scrollWidth: document.documentElement.scrollWidth, width};
}"""


@pytest.fixture(scope="module")
def rated(dep: Any) -> dict[str, str]:
    """A client's check-in with a comment, from a hand-off (as tests/e2e/test_recording.py),
    then the panel's launch: its URL, the cookie that binds it, and the rating's record id."""
    run = open_launch(dep)
    choose = run.get("/record")
    start = run.post("/handoff/start", {**form_fields(choose), "questionnaire_id": CLIENT})
    assert start.status_code == 303, start.text[:800]
    run.handle = urlsplit(start.headers["Location"]).path.split("/")[2]
    lock = run.get("/handoff")
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', lock.text).group(1)
    client_url = dep.app.url + re.search(r'href="(/handoff/[^"?]+)"', lock.text).group(1)
    client = dep.browser()
    form = client.get(client_url, timeout=20)
    sent = client.post(client_url, data=filled(form, LOW, **{"item-helpful": SAID}),
                       timeout=20, allow_redirects=False)
    assert sent.status_code == 200 and "Thank you" in sent.text
    unlocked = run.post("/handoff/unlock", {**form_fields(run.get("/handoff")), "code": code})
    assert unlocked.status_code == 303, unlocked.text[:800]
    run.handle = urlsplit(unlocked.headers["Location"]).path.split("/")[2]
    record = re.search(r"/responses/([^/?\"#]+)", unlocked.headers["Location"])
    if record is None:  # the unlock went to the panel: the record is the client's row there
        panel = run.get("").text
        record = re.search(r"/responses/([^/?\"#]+)", panel)
    assert record is not None
    return {"panel": run.url(), "record": record.group(1),
            "cookie": str(run.browser.cookies.get("ap_browser"))}


def open_page(browser: Any, dep: Any, rated: dict[str, str], path: str, width: int,
              *, axe: bool = False) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=axe)
    ctx.add_cookies([{"name": "ap_browser", "value": rated["cookie"], "url": dep.app.url}])
    page = ctx.new_page()
    page.goto(rated["panel"] + path)
    return ctx, page


def check_placed(page: Any, selectors: list[str], width: int) -> None:
    placed = page.evaluate(PLACED, selectors)
    assert not placed["problems"], f"at {width} px: {placed['problems']}"
    assert placed["scrollWidth"] <= placed["width"], f"at {width} px: {placed}"


def check_axe(page: Any, width: int) -> None:
    violations = axe_violations(page)
    assert not violations, f"at {width} px:\n{describe(violations)}"


@pytest.mark.parametrize("width", WIDTHS)
def test_today_leads_with_the_clients_rating_words_and_next_step(
        dep: Any, browser: Any, rated: dict[str, str], width: int) -> None:
    ctx, page = open_page(browser, dep, rated, "", width, axe=True)
    try:
        cards = page.locator("main section.card")
        expect(cards.first).to_have_class(re.compile(r"\bcurrent-card\b"))
        today = page.locator(".current-card ul.today > li").first
        expect(today).to_be_visible()
        expect(today).to_contain_text("client")
        words = page.locator(".current-card blockquote.own-words")
        expect(words).to_be_visible()
        expect(words).to_contain_text(f"The client wrote: “{SAID}”")
        expect(words).to_have_attribute("aria-label", "The client's own words")
        step = page.locator(".current-card p.next-step").first
        expect(step).to_be_visible()
        expect(step).to_contain_text("before the client leaves")
        # With no alert open, what is worth asking about comes before the empty alert list.
        headings = page.locator("main section.card h2").all_inner_texts()
        asking = next(i for i, h in enumerate(headings) if h.startswith("Worth asking"))
        alerts = next(i for i, h in enumerate(headings) if h.startswith("Open alerts"))
        assert "Open alerts (0)" in headings[alerts] and asking < alerts, headings
        assert len(page.locator(".current-card p.next-step").all()) == 1  # one step, not one a rule
        # The first screen holds today: its card's words and step above the fold at 800 px.
        assert step.bounding_box()["y"] + step.bounding_box()["height"] <= 800 or width < 400
        check_placed(page, [".current-card h2", ".current-card ul.today > li",
                            ".current-card blockquote.own-words",
                            ".current-card p.next-step"], width)
        check_axe(page, width)
        shoot(page, f"today-first-client-words-{width}px", full_page=True)
    finally:
        ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_session_list_shows_the_clients_words_beside_the_scores(
        dep: Any, browser: Any, rated: dict[str, str], width: int) -> None:
    ctx, page = open_page(browser, dep, rated, "", width, axe=True)
    try:
        row_words = page.locator("td.scores .own-words", has_text=SAID).first
        row_words.scroll_into_view_if_needed()
        expect(row_words).to_be_visible()
        expect(row_words).to_contain_text("client: “")
        listed = page.locator("details", has=page.locator("summary",
                                                          has_text="In their own words"))
        listed.locator("summary").click()
        expect(listed).to_contain_text(SAID)
        check_placed(page, ["td.scores .own-words"], width)
        check_axe(page, width)
    finally:
        ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_correction_of_the_clients_rating_is_refused_in_plain_words(
        dep: Any, browser: Any, rated: dict[str, str], width: int) -> None:
    ctx, page = open_page(browser, dep, rated, f"/responses/{rated['record']}/correct", width,
                          axe=True)
    try:
        refusal = page.locator("section.problem")
        expect(refusal).to_be_visible()
        expect(refusal).to_contain_text("These are the client's answers: no one can change "
                                        "them here")
        expect(refusal).to_contain_text("remove them from the record's page")
        expect(refusal).to_contain_text("the client can then answer again")
        expect(refusal.locator("a", has_text="Back to the panel")).to_be_visible()
        assert page.locator("input:not([type=hidden]), textarea, select").count() == 0
        check_placed(page, ["section.problem h1", "section.problem p"], width)
        check_axe(page, width)
        shoot(page, f"client-answers-refused-{width}px", full_page=True)

        page.goto(f"{rated['panel']}/responses/{rated['record']}")
        expect(page.locator("main")).to_contain_text(
            "The client's own answers, as they gave them.")
        remove = page.get_by_text("Remove: recorded by mistake").first
        expect(remove).to_be_visible()
        expect(page.locator("a, button", has_text=re.compile(r"^\s*Correct\b"))).to_have_count(0)
        assert page.locator("input[type=radio]:not([disabled])").count() == 0
        check_axe(page, width)
    finally:
        ctx.close()


def test_docs_screenshots_of_today_first(dep: Any, browser: Any, rated: dict[str, str]) -> None:
    """docs/today-first-340.png and docs/today-first-in-chart.png come from these (copied from
    tests/artifacts/, as docs/clinicians.md says): the sidebar's first screen at 340 px and the
    chart at 1280 px, today first with the client's words."""
    ctx, page = open_page(browser, dep, rated, "", 340)
    try:
        expect(page.locator(".current-card blockquote.own-words")).to_be_visible()
        shoot(page, "readme-today-first-340")
    finally:
        ctx.close()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        frame = open_chart(page, dep, dep.patient_ids()[0])
        expect(page.frame_locator(APP_FRAME).locator(
            ".current-card blockquote.own-words")).to_contain_text(SAID)
        assert frame.url.startswith(dep.app.url)
        shoot(page, "readme-today-first-in-chart")
    finally:
        ctx.close()
