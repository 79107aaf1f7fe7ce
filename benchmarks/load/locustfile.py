"""Locust scenario: clinicians launching the app from the chart, viewing the panel, recording a
session and correcting it, through nginx in front of two app instances.

Each simulated clinician has a session of its own (a launch context no other clinician uses,
as clinicians see their own clients) and repeats one visit (benchmarks/load/visit.py): the
"EHR" (oidc-provider) hands out a launch for that session, the clinician opens the app (the
launch follows every redirect to the rendered panel), looks at the panel, records a therapist
check-in or, on later visits, corrects the one already stored, and looks again. Think time 1-3 s
between steps (project default: a clinician reads before clicking). Each clinician works at a
workstation of its own address (X-Forwarded-For, which nginx passes on) and each visit is a
fresh browser session: the app's launch limits (per browser and per address,
plugin/launch/pending.py) are sized for people, and this is a machine's pace. Settings come
from the environment (load_benchmark.py): LOAD_ISS (FHIR base), LOAD_OIDC (authorization server),
LOAD_CONTEXTS (a JSON list of launch contexts, at least one per clinician), LOAD_THINK (the
think time's bounds in seconds, "1,3"). The short form (load/short_run.py) names the sandbox
EHR instead, LOAD_CHART: a launch is the app frame of the chart of the context's patient.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import requests
from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.load.visit import visit, workstation  # noqa: E402

ISS = os.environ.get("LOAD_ISS", "")
OIDC = os.environ.get("LOAD_OIDC", "")
CHART = os.environ.get("LOAD_CHART", "")
CONTEXTS = json.loads(os.environ.get("LOAD_CONTEXTS", "[]"))
THINK = tuple(float(n) for n in os.environ.get("LOAD_THINK", "1,3").split(","))
FRAME = re.compile(r'<iframe[^>]*\ssrc="([^"]+)"')
_next_clinician = itertools.count(0)


class LocustSteps:
    """Steps through locust's client: each request a row of the figures, a wrong status a
    failure."""

    def __init__(self, client) -> None:  # noqa: ANN001 - locust's HttpSession
        self.client = client

    def _checked(self, answer, name: str, status: int) -> requests.Response | None:  # noqa: ANN001
        if answer.status_code != status:
            answer.failure(f"{name}: HTTP {answer.status_code}")
            return None
        answer.success()
        return answer

    def get(self, url: str, name: str, status: int = 200) -> requests.Response | None:
        with self.client.get(url, name=name, catch_response=True, timeout=60) as answer:
            return self._checked(answer, name, status)

    def post(self, url: str, data: dict[str, str], name: str,
             status: int = 303) -> requests.Response | None:
        with self.client.post(url, data=data, name=name, allow_redirects=False,
                              catch_response=True, timeout=60) as answer:
            return self._checked(answer, name, status)


def launch_url(context: dict) -> str:
    """A new launch of the context's session: from oidc-provider's launch endpoint, or the app
    frame of the sandbox EHR's chart."""
    if CHART:
        chart = requests.get(f"{CHART}/chart/{context['patient']}", timeout=30)
        found = FRAME.search(chart.text)
        if found is None:
            raise RuntimeError(f"the chart of {context['patient']} has no app frame")
        return unescape(found.group(1))
    launch = requests.post(f"{OIDC}/ehr/launch", json=context, timeout=30).json()["launch"]
    return "/launch?" + urlencode({"iss": ISS, "launch": launch})


class Clinician(HttpUser):
    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        n = next(_next_clinician)
        if n >= len(CONTEXTS):
            raise RuntimeError(f"{len(CONTEXTS)} launch contexts for more clinicians: "
                               "load_benchmark.py makes one per clinician")
        self.session_context = CONTEXTS[n]  # not `context`: locust's User has a context()
        # Each clinician at a workstation of its own (an address the app counts launches
        # against): at this pace (a launch every few seconds, far above a person's) a clinic's
        # shared address would be a flood, not a clinic.
        self.client.headers["X-Forwarded-For"] = workstation(n)

    @task
    def one_visit(self) -> None:
        # Each visit in a fresh browser session (no cookie kept from the last visit), so the
        # app's per-browser launch limit, sized for a person, never applies to this pace.
        self.client.cookies.clear()
        visit(LocustSteps(self.client), launch_url(self.session_context), self.wait)
