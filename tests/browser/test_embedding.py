"""Scenarios 1 and 3 of issue 6: the chart (http://localhost:P) embeds the app
(http://127.0.0.1:Q, another site) in an iframe, launches it, and each frame shows its own
patient."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    APP_FRAME,
    app_patient_name,
    chart_name,
    open_chart,
    panel_frame,
    shoot,
)

pytestmark = pytest.mark.browser


def test_chart_embeds_the_app_cross_origin_with_the_charts_patient(dep, page):
    patient = dep.patient_ids()[0]
    page.goto(f"{dep.ehr.url}/")
    page.locator(f'a[href^="/chart/{patient}"]').click()  # the patient list, as a clinician
    frame = panel_frame(page, dep)

    assert page.url.startswith(f"{dep.ehr.url}/chart/{patient}")
    assert frame.url.startswith(f"{dep.app.url}/panel/")  # the app's own origin, not the EHR's
    assert frame.parent_frame == page.main_frame
    assert app_patient_name(frame) == chart_name(page)
    expect(page.locator(APP_FRAME)).to_have_attribute("title", f"Alliance Panel for "
                                                      f"{chart_name(page)}")
    # The chart cannot reach into the app's document: the frame really is cross-origin.
    assert page.evaluate(
        "(sel) => { try { return !!document.querySelector(sel).contentDocument; }"
        " catch (e) { return false; } }", APP_FRAME) is False
    shoot(page, "chart-with-panel")


def test_two_charts_in_two_tabs_keep_their_own_patients(dep, context):
    first_id, second_id = dep.patient_ids()[1:3]
    first, second = context.new_page(), context.new_page()
    first_frame = open_chart(first, dep, first_id)
    second_frame = open_chart(second, dep, second_id)
    first_name, second_name = chart_name(first), chart_name(second)
    assert first_name != second_name
    assert app_patient_name(first_frame) == first_name
    assert app_patient_name(second_frame) == second_name

    for page, name in ((first, first_name), (second, second_name), (first, first_name)):
        page.reload()  # the chart launches the app again in its frame
        assert app_patient_name(panel_frame(page, dep)) == name
    # Reloading only the app's frame (the panel URL with its handle) keeps its own patient too.
    for page, name in ((second, second_name), (first, first_name)):
        frame = panel_frame(page, dep)
        frame.goto(frame.url)
        assert app_patient_name(panel_frame(page, dep)) == name


def test_a_recording_in_one_tab_stays_with_its_own_patient(dep, context):
    first_id, second_id = dep.patient_ids()[3:5]
    first, second = context.new_page(), context.new_page()
    first_frame = open_chart(first, dep, first_id)
    open_chart(second, dep, second_id)
    first_name, second_name = chart_name(first), chart_name(second)

    # Rate the session in the first tab's frame: any answer for each question, then save.
    first.bring_to_front()
    first_frame.get_by_role("link", name="Record this session's alliance").click()
    first_frame.wait_for_url("**/record")
    first_frame.get_by_role("link", name="Rate this session").first.click()
    first_frame.wait_for_url("**/record/**")
    expect(first_frame.get_by_role("button", name="Save")).to_be_visible()
    for group in first_frame.locator("fieldset").all():
        options = group.locator(".option label")
        if options.count():
            options.nth(2).click()
    first_frame.get_by_role("button", name="Save").click()
    saved = panel_frame(first, dep)
    expect(saved.locator(".saved")).to_be_visible()
    assert app_patient_name(saved) == first_name
    expect(saved.locator(".state")).to_have_text("therapist-rated")

    # The other tab still shows its own patient and its own, unrated session.
    other = panel_frame(second, dep)
    other.goto(other.url)
    other = panel_frame(second, dep)
    assert app_patient_name(other) == second_name
    expect(other.locator(".state")).to_have_text("not yet recorded")
    second.reload()
    assert app_patient_name(panel_frame(second, dep)) == second_name
    first.reload()
    again = panel_frame(first, dep)
    assert app_patient_name(again) == first_name
    expect(again.locator(".state")).to_have_text("therapist-rated")
