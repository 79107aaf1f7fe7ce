"""The simulated clinician's visit goes on when a save is queued rather than stored (under
load the EHR answers late and the app keeps the save in its outbox): it looks at the panel
and ends the visit, as a clinician would, instead of failing the scenario."""

from __future__ import annotations

from types import SimpleNamespace

from benchmarks.load.visit import visit

FORM = ('<form method="post" action="/panel/h/record/x">'
        '<input type="hidden" name="csrf" value="t"></form>')


class Steps:
    def __init__(self, saved_location: str) -> None:
        self.saved_location = saved_location
        self.names: list[str] = []

    def get(self, url: str, name: str, status: int = 200):
        self.names.append(name)
        landed = "https://app/panel/h" if name == "launch" else f"https://app{url}"
        return SimpleNamespace(url=landed, text=FORM, headers={})

    def post(self, url: str, data: dict[str, str], name: str, status: int = 303):
        self.names.append(name)
        return SimpleNamespace(url=f"https://app{url}", text="",
                               headers={"Location": self.saved_location})


def test_a_queued_save_ends_the_visit_at_the_panel():
    steps = Steps("/panel/h?queued=sub-1")
    visit(steps, "https://app/launch?iss=x", lambda: None)
    assert steps.names == ["launch", "panel", "record form", "record save", "panel"]


def test_a_stored_save_is_corrected_as_before():
    steps = Steps("/panel/h?saved=qr-1")
    visit(steps, "https://app/launch?iss=x", lambda: None)
    assert steps.names == ["launch", "panel", "record form", "record save", "panel",
                           "correct form", "correct save", "panel"]
