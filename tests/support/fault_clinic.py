"""A clinic of scripted clinicians saving ratings through the app while the network misbehaves.

Shared by the fault tests (tests/interop/test_faults.py, short) and the fault benchmarks
(benchmarks/fault_run.py, benchmarks/crash_run.py, long). Each clinician launches the app from
oidc-provider for one of their sessions, opens a form, saves it, and keeps going; when the app
gives no answer (a reset, a timeout, the app killed) the clinician presses Save again with the
same page, as a person would. What the app told them is recorded and checked against HAPI:

- "saved": the rating must be in HAPI at that moment;
- "queued": it may not be there yet, but must be once the outbox has drained;
- "refused" (nothing was saved): it must not be there;
- "taken" (the session already has this rating, or it changed meanwhile): nothing to check.

What the app said is read from the redirect (`?saved=` or `?queued=`) or from the page's
`<main data-outcome="...">` (plugin/web/record_pages.py: Outcome), never from its sentences.
- afterwards every rating a clinician sent is stored exactly once, with its four score
  Observations and one Provenance (`count_stored`).

HAPI is read directly, never through the faults.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from plugin.fhir.record_resources import SCORE_SYSTEM, SUBMISSION_SYSTEM
from tests.support.forms import read_form
from tests.support.toxiproxy import Http503Injector, Toxiproxy

FORMS = ("alliance-checkin-therapist", "alliance-checkin-client")
ITEMS = ("goal-1", "goal-2", "task-1", "task-2", "bond-1", "bond-2")
SCALES = ("goal", "task", "bond", "total")
FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
# A page's outcome (data-outcome) as the clinic tallies it; anything else: press Save again.
TOLD = {"taken": "taken", "conflict": "taken", "refused": "refused"}


def page_outcome(page_html: str) -> str | None:
    """What a result page says happened, as data: its <main>'s data-outcome."""
    found = re.search(r'<main\b[^>]*\bdata-outcome="([a-z]+)"', page_html)
    return found.group(1) if found else None


@dataclass
class Plan:
    practitioner: str
    patient: str
    encounters: list[str]


@dataclass
class Save:
    clinician: int
    encounter: str
    form: str
    submission_id: str = ""
    told: str = ""  # saved | queued | refused | taken | (empty: never answered)
    posts: int = 0  # how often Save was pressed
    stored_when_told: int = -1  # QuestionnaireResponses in HAPI when told "saved"/"refused"


@dataclass
class Tally:
    saves: list[Save] = field(default_factory=list)
    launches: int = 0
    launch_retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, save: Save) -> None:
        with self.lock:
            self.saves.append(save)


def load_clinic(hapi: str, tag: str, clinicians: int, sessions: int) -> list[Plan]:
    """Practitioners, one client each, `sessions` encounters each, PUT into HAPI directly (a
    batch, so that a server without transactions takes it too)."""
    plans, resources = [], []
    for c in range(clinicians):
        pr, pt = f"pr-{tag}-{c}", f"pt-{tag}-{c}"
        resources += [
            {"resourceType": "Practitioner", "id": pr, "name": [{"family": f"Clinician {c}"}]},
            {"resourceType": "Patient", "id": pt, "name": [{"family": f"Client {c}"}],
             "gender": "unknown", "birthDate": "1990-01-01"},
        ]
        encounters = [f"en-{tag}-{c}-{s}" for s in range(sessions)]
        for s, enc in enumerate(encounters):
            resources.append({
                "resourceType": "Encounter", "id": enc, "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          "code": "AMB"},
                "subject": {"reference": f"Patient/{pt}"},
                "participant": [{"individual": {"reference": f"Practitioner/{pr}"}}],
                "period": {"start": f"2026-{1 + s // 28:02d}-{1 + s % 28:02d}T10:00:00Z"}})
        plans.append(Plan(pr, pt, encounters))
    for start in range(0, len(resources), 200):
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in resources[start:start + 200]]}
        answer = requests.post(hapi, json=bundle, headers=FHIR_JSON, timeout=300)
        answer.raise_for_status()
        failed = [e["response"]["status"] for e in answer.json()["entry"]
                  if not e["response"]["status"].startswith("20")]
        assert not failed, failed
    return plans


def stored_count(hapi: str, resource_type: str, **params: str) -> int:
    answer = requests.get(f"{hapi}/{resource_type}", params={**params, "_summary": "count"},
                          headers=FHIR_JSON, timeout=60)
    answer.raise_for_status()
    return int(answer.json()["total"])


def count_stored(hapi: str, submission_id: str) -> tuple[int, int, int]:
    """(QuestionnaireResponses, score Observations, Provenances) stored for one submission."""
    qrs = stored_count(hapi, "QuestionnaireResponse",
                       identifier=f"{SUBMISSION_SYSTEM}|{submission_id}")
    observations = sum(stored_count(hapi, "Observation",
                                    identifier=f"{SCORE_SYSTEM}|{submission_id}/{scale}")
                       for scale in SCALES)
    provenances = stored_count(hapi, "Provenance",
                               _tag=f"{SUBMISSION_SYSTEM}|{submission_id}/provenance")
    return qrs, observations, provenances


def faulty_path(toxiproxy: Toxiproxy, hapi: str, seed: int) -> tuple[str, Http503Injector]:
    """app -> Toxiproxy (latency, resets, cut answers) -> 503 injector -> HAPI."""
    origin = hapi.rsplit("/fhir", 1)[0]
    injector = Http503Injector(origin, rate=0.3, mean_burst=3, seed=seed, after_share=0.3)
    injector.start()
    proxy = toxiproxy.proxy(f"hapi-{seed}", injector.url)
    proxy.latency(30, jitter=10)
    proxy.reset_peer(toxicity=0.05)
    proxy.timeout(after_ms=1500, stream="downstream", toxicity=0.05)
    return f"{proxy.url}/fhir", injector


def drain(outbox: Any, deadline: float) -> list[dict[str, Any]]:
    """Poll until no item is left unsent (the worker sends them); returns what is left."""
    end = threading.Event()
    timer = threading.Timer(deadline, end.set)
    timer.start()
    try:
        while not end.is_set():
            left = [i for i in outbox.items() if i["state"] != "sent"]
            if not left:
                return []
            end.wait(0.5)
        return [i for i in outbox.items() if i["state"] != "sent"]
    finally:
        timer.cancel()


class Clinician:
    """One scripted clinician. `app_url()` is read at each request (the app may move)."""

    def __init__(self, number: int, plan: Plan, *, app_url: Callable[[], str], iss: str,
                 new_launch: Callable[[dict], str], hapi: str, tally: Tally, seed: int,
                 patience: float = 120.0) -> None:
        self.number, self.plan, self.app_url, self.iss = number, plan, app_url, iss
        self.new_launch, self.hapi, self.tally = new_launch, hapi, tally
        self.random = random.Random(seed)
        self.patience = patience
        self.browser = requests.Session()  # keeps the app's browser-binding cookie

    def run(self, sessions: int | None = None) -> None:
        for encounter in self.plan.encounters[:sessions]:
            handle = self.launch(encounter)
            for form in FORMS:
                self.tally.add(self.save(handle, encounter, form))

    def _until(self, what: str, attempt: Callable[[], object | None]) -> object:
        """Try until it works or patience runs out (the app may be restarting)."""
        end = time.monotonic() + self.patience
        while time.monotonic() < end:
            try:
                result = attempt()
            except requests.RequestException:
                result = None
            if result is not None:
                return result
            threading.Event().wait(0.2)  # a person's pause before trying again
        raise RuntimeError(f"clinician {self.number}: {what} did not work within "
                           f"{self.patience:.0f}s")

    def launch(self, encounter: str) -> str:
        def once() -> str | None:
            launch = self.new_launch({"patient": self.plan.patient, "encounter": encounter,
                                      "fhirUser": f"Practitioner/{self.plan.practitioner}"})
            page = self.browser.get(f"{self.app_url()}/launch",
                                          params={"iss": self.iss, "launch": launch}, timeout=60)
            path = urlsplit(page.url).path
            with self.tally.lock:
                self.tally.launches += 1
                self.tally.launch_retries += page.status_code != 200
            return path.split("/")[2] if page.status_code == 200 and path.startswith(
                "/panel/") else None
        return str(self._until("a launch", once))

    def answers(self, form: str) -> dict[str, str]:
        chosen = {f"item-{i}": str(self.random.randint(0, 4)) for i in ITEMS}
        if form.endswith("client"):
            chosen["item-helpful"] = "typed during a fault run"
        return chosen

    def save(self, handle: str, encounter: str, form: str) -> Save:
        save = Save(self.number, encounter, form)

        def open_form() -> dict[str, str] | None:
            page = self.browser.get(f"{self.app_url()}/panel/{handle}/record/{form}",
                                    timeout=60)
            if page.status_code != 200 or 'name="submission_id"' not in page.text:
                return None
            return dict(read_form(page.text, page.url).hidden)

        data = {**self._until("opening the form", open_form), **self.answers(form)}  # type: ignore[dict-item]
        save.submission_id = data["submission_id"]

        def press_save() -> str | None:
            save.posts += 1
            answer = self.browser.post(f"{self.app_url()}/panel/{handle}/record/{form}",
                                       data=data, timeout=90, allow_redirects=False)
            if answer.status_code == 303:
                query = parse_qs(urlsplit(answer.headers["Location"]).query)
                return "saved" if "saved" in query else "queued" if "queued" in query else None
            # taken or refused, as the page's data; else (an error page): press Save again
            return TOLD.get(page_outcome(answer.text) or "")

        save.told = str(self._until("saving", press_save))
        if save.told in ("saved", "refused"):
            save.stored_when_told = count_stored(self.hapi, save.submission_id)[0]
        return save


@dataclass(frozen=True)
class Verdict:
    saves: int
    told: dict[str, int]
    lost: int
    duplicated: int
    incomplete: int  # a rating without its four Observations or its Provenance
    untruthful: int  # told "saved" but not stored then, or told "refused" but stored
    posts: int

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.incomplete or self.untruthful)


def judge(hapi: str, tally: Tally) -> Verdict:
    told: dict[str, int] = {}
    lost = duplicated = incomplete = untruthful = 0
    for save in tally.saves:
        told[save.told] = told.get(save.told, 0) + 1
        qrs, observations, provenances = count_stored(hapi, save.submission_id)
        if save.told == "saved" and save.stored_when_told != 1:
            untruthful += 1
        if save.told == "refused":
            untruthful += save.stored_when_told != 0 or qrs != 0
            continue
        lost += qrs == 0
        duplicated += qrs > 1 or observations > len(SCALES) or provenances > 1
        incomplete += qrs == 1 and (observations < len(SCALES) or provenances < 1)
    return Verdict(len(tally.saves), told, lost, duplicated, incomplete, untruthful,
                   sum(s.posts for s in tally.saves))
