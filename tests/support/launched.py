"""A launched app in the end-to-end tier: open a launch like a clinician, post forms the way a
browser posts them, and read what landed in the sandbox EHR's own store."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.forms import read_form

THERAPIST = "alliance-checkin-therapist"
CLIENT = "alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}


@dataclass
class Open:
    dep: object
    browser: requests.Session
    handle: str
    patient: str
    encounter: str
    practitioner: str
    authorize_scope: list[str] = field(default_factory=list)  # what the launch asked for

    def url(self, path: str = "") -> str:
        return f"{self.dep.app.url}/panel/{self.handle}{path}"

    def get(self, path: str, **kw) -> requests.Response:
        return self.browser.get(self.url(path), timeout=20, **kw)

    def post(self, path: str, data: dict, **kw) -> requests.Response:
        return self.browser.post(self.url(path), data=data, timeout=20,
                                 allow_redirects=False, **kw)


def open_launch(dep, patient_index: int = 0) -> Open:
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[patient_index])
    assert page.status_code == 200, page.text[:500]
    handle = urlsplit(page.url).path.split("/")[2]
    context = dep.flask_app.extensions["alliance"].launches.context(
        handle, browser.cookies.get("ap_browser"))
    assert context.encounter and context.patient
    authorize = [r.url for r in page.history if urlsplit(r.url).path.endswith("/authorize")]
    scope = parse_qs(urlsplit(authorize[0]).query)["scope"][0].split() if authorize else []
    return Open(dep, browser, handle, context.patient, context.encounter,
                context.fhir_user.rstrip("/").split("/")[-1], scope)


def form_fields(page: requests.Response) -> dict[str, str]:
    return dict(read_form(page.text, page.url).hidden)


def filled(page: requests.Response, answers: dict[str, str] = ANSWERS, **extra) -> dict:
    return {**form_fields(page), **{f"item-{k}": v for k, v in answers.items()}, **extra}


def store(dep):
    return dep.flask_sandbox.extensions["ehr_sandbox"]["store"]


def stored(dep, rtype: str) -> list[dict]:
    return store(dep).scan(rtype)


def records_of(dep, qr_id: str) -> tuple[dict, list[dict], list[dict]]:
    qr = store(dep).read("QuestionnaireResponse", qr_id).resource
    ref = f"QuestionnaireResponse/{qr_id}"
    observations = [o for o in stored(dep, "Observation")
                    if ref in (d.get("reference", "").split("/_history/")[0]
                               for d in o.get("derivedFrom", []))]
    provenances = [p for p in stored(dep, "Provenance")
                   if ref in (t.get("reference", "").split("/_history/")[0]
                              for t in p.get("target", []))]
    return qr, observations, provenances


def saved_id(answer: requests.Response) -> str:
    assert answer.status_code == 303, answer.text[:1500]
    location = answer.headers["Location"]
    assert urlsplit(location).path.startswith("/panel/")
    return parse_qs(urlsplit(location).query)["saved"][0]


def agent(provenance: dict, code: str) -> str:
    return next(a["who"]["reference"] for a in provenance["agent"]
                if a["type"]["coding"][0]["code"] == code)
