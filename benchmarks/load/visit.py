"""One simulated clinician's visit, whatever drives it (locust in the load benchmark, plain
threads in its short form): open the app from the chart, look at the panel, rate the session,
look again, correct the rating, look again. Since one rating per session, a visit to a session
already rated (the same clinician's next visit to the same patient's session) opens the stored
rating as a correction, as the app does, and corrects it: the form is told apart by where the
app sends it.

`Steps` is what the driver provides: a request with a name (a row of the figures), the status
it must answer, and whether it counts as a failure; `think` is the pause a clinician takes.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.forms import read_form

THERAPIST = "alliance-checkin-therapist"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
STEPS = ["launch", "panel", "record form", "record save", "correct form", "correct save"]
VISIT_WAITS = 3  # think times per visit: two in it, locust's wait between visits


def workstation(n: int) -> str:
    """Simulated clinician n's workstation address (its X-Forwarded-For through nginx): each
    clinician at a workstation of its own, as the app's launch limits count per address."""
    return f"10.20.{(n + 1) // 250}.{(n + 1) % 250 + 1}"


class Steps(Protocol):
    def get(self, url: str, name: str, status: int = 200) -> requests.Response | None: ...
    def post(self, url: str, data: dict[str, str], name: str,
             status: int = 303) -> requests.Response | None: ...


class _Checked(HTMLParser):
    """The values of the radio buttons a form shows checked (the stored answers)."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "radio" and "checked" in a and a.get("name"):
            self.checked[str(a["name"])] = a.get("value") or ""


def changed_answers(page: requests.Response) -> dict[str, str]:
    """The answers shown on a correction form with the first item moved by one point, so the
    correction changes something (the app refuses a correction that changes nothing)."""
    parser = _Checked()
    parser.feed(page.text)
    stored = {**ANSWERS, **{k.removeprefix("item-"): v for k, v in parser.checked.items()
                            if k.startswith("item-")}}
    first = int(stored["goal-1"])
    return {**stored, "goal-1": str(first - 1 if first > 1 else first + 1)}


def _fields(page: requests.Response, answers: dict[str, str], **extra: str) -> dict[str, str]:
    return {**read_form(page.text, page.url).hidden,
            **{f"item-{k}": v for k, v in answers.items()}, **extra}


def visit(steps: Steps, launch_url: str, think: Callable[[], None]) -> None:
    opened = steps.get(launch_url, "launch")
    if opened is None or "/panel/" not in opened.url:
        return
    panel = urlsplit(opened.url).path
    think()
    steps.get(panel, "panel")
    think()
    form = steps.get(f"{panel}/record/{THERAPIST}", "record form")
    if form is None:
        return
    if "/correct" in urlsplit(form.url).path:  # rated on an earlier visit: a correction
        correct = urlsplit(form.url).path
        steps.post(correct, _fields(form, changed_answers(form), reason="Mis-clicked"),
                   "correct save")
        steps.get(panel, "panel")
        return
    saved = steps.post(f"{panel}/record/{THERAPIST}", _fields(form, ANSWERS), "record save")
    if saved is None:
        return
    stored = parse_qs(urlsplit(saved.headers["Location"]).query).get("saved")
    steps.get(panel, "panel")
    if not stored:  # queued while the EHR was slow: the outbox stores it; nothing to correct yet
        return
    qr_id = stored[0]
    think()
    correct = f"{panel}/responses/{qr_id}/correct"
    form = steps.get(correct, "correct form")
    if form is None:
        return
    steps.post(correct, _fields(form, changed_answers(form), reason="Mis-clicked"),
               "correct save")
    steps.get(panel, "panel")
