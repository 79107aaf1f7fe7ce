"""Locust scenario: clinicians launching the app from the chart, viewing the panel, recording a
session and correcting it, through nginx in front of two app instances.

Each simulated clinician repeats one visit: the "EHR" (oidc-provider) hands out a launch for a
patient's session in progress, the clinician opens the app (the launch follows every redirect
to the rendered panel), looks at the panel, records a therapist check-in, looks again,
corrects the saved record, looks again. Think time 1-3 s between steps (project default: a
clinician reads before clicking). Settings come from the environment (load_benchmark.py):
LOAD_ISS (FHIR base), LOAD_OIDC (authorization server), LOAD_CONTEXTS (a JSON list of launch
contexts to go round).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support.forms import read_form  # noqa: E402

THERAPIST = "alliance-checkin-therapist"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
ISS = os.environ.get("LOAD_ISS", "")
OIDC = os.environ.get("LOAD_OIDC", "")
CONTEXTS = json.loads(os.environ.get("LOAD_CONTEXTS", "[]"))
_next_context = itertools.cycle(range(max(1, len(CONTEXTS))))


def hidden_fields(answer: requests.Response) -> dict[str, str]:
    return dict(read_form(answer.text, answer.url).hidden)


_next_address = itertools.count(1)


class Clinician(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        # Each clinician at a workstation of its own: the app limits pending launches per
        # client address (30 per 10 minutes), which one shared address would exceed.
        n = next(_next_address)
        self.client.headers["X-Forwarded-For"] = f"10.20.{n // 250}.{n % 250 + 1}"

    def _check(self, answer, status: int, step: str) -> bool:
        if answer.status_code != status:
            answer.failure(f"{step}: HTTP {answer.status_code}")
            return False
        answer.success()
        return True

    @task
    def visit(self) -> None:
        context = CONTEXTS[next(_next_context)]
        launch = requests.post(f"{OIDC}/ehr/launch", json=context, timeout=30).json()["launch"]
        with self.client.get("/launch", params={"iss": ISS, "launch": launch}, name="launch",
                             catch_response=True, timeout=60) as answer:
            if not self._check(answer, 200, "launch") or "/panel/" not in answer.url:
                return
            panel = urlsplit(answer.url).path
        self.wait()
        with self.client.get(panel, name="panel", catch_response=True, timeout=60) as answer:
            self._check(answer, 200, "panel")
        self.wait()
        with self.client.get(f"{panel}/record/{THERAPIST}", name="record form",
                             catch_response=True, timeout=60) as answer:
            if not self._check(answer, 200, "record form"):
                return
            fields = {**hidden_fields(answer),
                      **{f"item-{k}": v for k, v in ANSWERS.items()}}
        with self.client.post(f"{panel}/record/{THERAPIST}", data=fields, name="record save",
                              allow_redirects=False, catch_response=True, timeout=60) as answer:
            if not self._check(answer, 303, "record save"):
                return
            saved = parse_qs(urlsplit(answer.headers["Location"]).query)["saved"][0]
        with self.client.get(panel, name="panel", catch_response=True, timeout=60) as answer:
            self._check(answer, 200, "panel")
        self.wait()
        correct = f"{panel}/responses/{saved}/correct"
        with self.client.get(correct, name="correct form", catch_response=True,
                             timeout=60) as answer:
            if not self._check(answer, 200, "correct form"):
                return
            fields = {**hidden_fields(answer), "reason": "Mis-clicked",
                      **{f"item-{k}": v for k, v in {**ANSWERS, "goal-1": "2"}.items()}}
        with self.client.post(correct, data=fields, name="correct save", allow_redirects=False,
                              catch_response=True, timeout=60) as answer:
            self._check(answer, 303, "correct save")
        with self.client.get(panel, name="panel", catch_response=True, timeout=60) as answer:
            self._check(answer, 200, "panel")
