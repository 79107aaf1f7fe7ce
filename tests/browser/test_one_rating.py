"""One rating per session in a real Chromium: Back after a save, a second tab with the same
form, and an expired launch with typed answers. Each ends with exactly one stored rating and
every typed answer in it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import APP_FRAME, open_chart, panel_frame, shoot

pytestmark = pytest.mark.browser

NOTE = "Agreed to slow the pace"


def therapist_ratings(dep: Any, patient: str) -> list[dict]:
    store = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    return [qr for qr in store.scan("QuestionnaireResponse", patient)
            if qr.get("status") != "entered-in-error"
            and "therapist" in str(qr.get("questionnaire"))
            and str(qr.get("authored", ""))[:10] == today(dep)]


def today(dep: Any) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(dep.clock.now, datetime.UTC).date().isoformat()


def open_form(page: Any, dep: Any, patient: str) -> Any:
    open_chart(page, dep, patient)
    panel = page.frame_locator(APP_FRAME)
    panel.locator("a", has_text="Record this session").click()
    panel.locator("a", has_text="Rate this session").click()
    expect(panel.locator("fieldset.item").first).to_be_visible()
    return panel


def fill(panel: Any, choice: int) -> None:
    groups = panel.locator("fieldset.item")
    for group in range(groups.count()):
        groups.nth(group).locator("label").nth(choice).click()
    notes = panel.locator("textarea")
    if notes.count():
        notes.first.fill(NOTE)


def stored_answers(qr: dict) -> dict[str, str]:
    out = {}
    for item in qr["item"]:
        value = item["answer"][0]
        out[item["linkId"]] = str(value.get("valueCoding", {}).get("code")
                                  or value.get("valueString"))
    return out


def test_back_after_a_save_stores_no_second_rating(dep: Any, page: Any) -> None:
    patient = dep.patient_ids()[1]
    panel = open_form(page, dep, patient)
    fill(panel, 2)
    panel.locator("button[type=submit]").click()
    expect(panel.locator("p.saved")).to_be_visible()
    # The browser's Back: the tab's joint history goes back one entry, the app frame's save.
    # (page.go_back() would wait for the top page to navigate; only the frame does.)
    page.evaluate("() => history.back()")
    panel = page.frame_locator(APP_FRAME)
    # The form, fetched again, is now the stored rating opened as a correction.
    expect(panel.locator("p.notice")).to_contain_text("opens as a correction")
    shoot(page, "back-after-save")
    panel.locator("button[type=submit]").click()  # Save once more: no second rating
    expect(panel.locator(".error-summary, .save-failed").first).to_be_visible()
    ratings = therapist_ratings(dep, patient)
    assert len(ratings) == 1, [qr["id"] for qr in ratings]
    assert set(stored_answers(ratings[0]).values()) >= {"2"}


def test_a_second_tab_with_the_same_form_cannot_store_a_second_rating(
        dep: Any, context: Any) -> None:
    patient = dep.patient_ids()[2]
    first = context.new_page()
    first_panel = open_form(first, dep, patient)
    fill(first_panel, 1)
    second = context.new_page()  # the same form in a second tab, before the first is saved
    second_panel = open_form(second, dep, patient)
    fill(second_panel, 3)
    first.bring_to_front()
    first_panel.locator("button[type=submit]").click()
    expect(first_panel.locator("p.saved")).to_be_visible()
    second.bring_to_front()
    second_panel.locator("button[type=submit]").click()
    refusal = second_panel.locator(".save-failed")
    expect(refusal).to_contain_text("already has a therapist rating on this form")
    expect(refusal.locator("a", has_text="See the stored therapist rating")).to_be_visible()
    shoot(second, "second-tab-refused")
    # The second tab's answers are still there, and carry into a correction in one step.
    expect(second_panel.locator("fieldset.item input[value='3']").first).to_be_checked()
    ratings = therapist_ratings(dep, patient)
    assert len(ratings) == 1 and set(stored_answers(ratings[0]).values()) >= {"1"}
    refusal.locator("#reason-taken").fill("the second tab had the answers we agreed")
    refusal.locator("button", has_text="Correct the stored rating with these answers").click()
    expect(second_panel.locator("p.saved")).to_contain_text("correction is saved")
    ratings = therapist_ratings(dep, patient)
    assert len(ratings) == 1 and ratings[0]["status"] == "amended"
    values = set(stored_answers(ratings[0]).values())
    assert "3" in values and "1" not in values  # the typed answers, not lost


def test_an_expired_launch_keeps_the_typed_answers_for_the_next_launch(
        dep: Any, page: Any) -> None:
    patient = dep.patient_ids()[3]
    panel = open_form(page, dep, patient)
    fill(panel, 4)
    frame = page.frame(url=lambda url: "/record/" in url)
    handle = frame.url.split("/panel/", 1)[1].split("/")[0]
    # The launch's lifetime runs out while the clinician types (the store no longer has it).
    dep.flask_app.extensions["alliance"].launches.store.delete("launch", handle)
    panel.locator("button[type=submit]").click()
    expect(panel.locator("h1")).to_contain_text("Alliance Panel's sign-in with the EHR has ended")
    expect(panel.locator("body")).to_contain_text(
        "Nothing is lost: Alliance Panel keeps your answers")
    shoot(page, "expired-launch-answers-kept")
    assert therapist_ratings(dep, patient) == []

    panel = open_form(page, dep, patient)  # opened again from the chart: a new launch
    expect(panel.locator("p.notice")).to_contain_text("restored from your draft")
    expect(panel.locator("fieldset.item").first.locator("input").nth(4)).to_be_checked()
    if panel.locator("textarea").count():
        expect(panel.locator("textarea").first).to_have_value(NOTE)
    panel.locator("button[type=submit]").click()
    panel_frame(page, dep)
    expect(panel.locator("p.saved")).to_be_visible()
    ratings = therapist_ratings(dep, patient)
    assert len(ratings) == 1
    assert set(stored_answers(ratings[0]).values()) >= {"4"}
