"""The phrases that carry values read as whole phrases, with their values in place: the
singular and plural, the optional parts and the choices a template used to make around
fragments."""

from __future__ import annotations

from plugin.wording import client, pages, panel, record


def test_a_count_of_one_is_singular_and_others_plural() -> None:
    assert record.check_answers(1) == "Please check 1 answer"
    assert record.check_answers(3) == "Please check 3 answers"
    assert panel.why(1) == "Why?"
    assert panel.why(3) == "Why? (3 findings)"


def test_the_portal_names_each_form_only_when_there_are_several() -> None:
    assert client.start_questions(1, 1, "SRS") == "Start the questions"
    assert client.start_questions(2, 3, "SRS") == "Start the questions (2 of 3: SRS)"


def test_a_clients_answer_says_how_it_came_and_whether_it_counts() -> None:
    assert client.answer_line("SRS", "3 Nov 2026, 10:00", "link", None) == (
        "SRS: answered 3 Nov 2026, 10:00, on their own phone, with a link.")
    assert client.answer_line(None, "3 Nov", None, "entered in error") == (
        "A form this app does not know: answered 3 Nov, how is not recorded (saved before this "
        "was kept) (entered in error, not counted).")


def test_a_session_says_who_cancelled_it_and_why_when_known() -> None:
    assert panel.session_state("cancelled", "client", "ill") == "cancelled by the client: ill"
    assert panel.session_state("did not attend", None, None) == "did not attend"


def test_the_trend_says_which_sessions_it_shows_from_when_to_when() -> None:
    assert panel.trend_window("recent", "1 Sep 2026", "3 Nov 2026") == (
        "The last 12 sessions, 1 Sep 2026 to 3 Nov 2026.")
    assert panel.trend_window("monthly", "1 Jan 2024", "3 Nov 2026").startswith(
        "All sessions, one point a month")


def test_a_form_names_its_client_and_session_when_known() -> None:
    assert record.record_heading("Ann Lee", "3 Nov 2026") == (
        "Record the alliance: Ann Lee, session of 3 Nov 2026")
    assert record.record_heading("Ann Lee", None) == "Record the alliance: Ann Lee"
    assert record.client_form_title(None) == "Questions about today's session"
    assert record.form_note("Check-in", "a feedback tool") == "The check-in is a feedback tool."


def test_a_title_ends_with_the_products_name() -> None:
    assert pages.titled("Signing in") == "Signing in · Alliance Panel"
    assert pages.SIGNING_IN_TITLE == "Signing in · Alliance Panel"
