"""Recorded alliance histories for the synthetic cohort: a contributor to `cohort.build_cohort`.

Every past attended session gets the client's alliance check-in; the therapist's form is filled
on most sessions (every one in the long course). The answers are chosen so that the computed
totals follow the client's `shape`, with small seeded noise:

| shape | client total (of 24) | therapist |
|---|---|---|
| steady | about 21, within 19 to 23 | about 20 |
| rupture-repair | about 20; one session near 12, one near 14, then 20 or more | half the drop |
| decline-dropout | about 21, then 1.3 less a session over the last six | 0.8 less a session |
| low-early | 14, 15, 16.5, 17 in the first four sessions, then up to about 20 | similar |
| disagreement | about 22 | about 15.5: the client rates the session far higher |
| long-course | 19 rising to about 21.5, one rupture and repair half way | every session |

Records are built by the app's own builders (`plugin.fhir.record_bundles`) so they are exactly
what the app writes (tests/ehr_sandbox/test_builder_golden.py pins what those make); their
urn:uuid references are replaced by relative ones to deterministic ids (the cohort is loaded
with the ids kept), so derivedFrom and Provenance.target name stored resources.
Today's in-progress session has no record yet.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, timedelta
from functools import cache
from typing import Any

import fhir_profiles
from ehr_sandbox.cohort_people import make_id
from ehr_sandbox.cohort_plan import PatientPlan
from ehr_sandbox.cohort_sessions import Session
from ehr_sandbox.fhir.references import rewrite_references
from ehr_sandbox.fhir.resource import Resource
from plugin import APP_NAME, __version__
from plugin.alliance import ItemDef, instrument_from_questionnaire
from plugin.fhir.record_bundles import Submission, build_submission_records

CLIENT_FORM, THERAPIST_FORM = "alliance-checkin-client", "alliance-checkin-therapist"
THERAPIST_SHARE = 0.85  # the therapist's form is filled on this share of sessions
COMPONENTS = ("goal", "task", "bond")
Curve = Callable[[int, int, random.Random], float]


# -- the shapes: target totals (0 to 24) by rater, for session index i of n -------------------

def _noisy(rng: random.Random, centre: float, sd: float, low: int, high: int) -> int:
    return max(low, min(high, round(centre + rng.gauss(0.0, sd))))


def _rupture_index(plan: PatientPlan, attended: Sequence[Session]) -> int:
    """The attended session just before the planned cancellation (or half way)."""
    n = len(attended)
    cancelled = [s.number for s in plan.sessions if s.status == "cancelled"]
    if plan.shape == "rupture-repair" and cancelled:
        marker = cancelled[len(cancelled) // 2] if len(cancelled) > 1 else cancelled[0]
        before = [i for i, s in enumerate(attended) if s.number < marker]
        if before and 2 <= before[-1] <= n - 2:
            return before[-1]
    return max(2, min(n - 2, n // 2 + 1))


def _targets(plan: PatientPlan, attended: Sequence[Session], rater: str,
             rng: random.Random) -> list[int]:
    n = len(attended)
    client = rater == "client"
    shape = plan.shape
    out: list[int] = []
    rupture = _rupture_index(plan, attended) if shape in ("rupture-repair", "long-course") else -1
    for i in range(n):
        if shape == "steady":
            value = _noisy(rng, 21.0 if client else 20.0, 0.9, 19 if client else 18,
                           23 if client else 22)
        elif shape in ("rupture-repair", "long-course"):
            rise = min(1.0, i / 10) if shape == "long-course" else 1.0
            usual = (19.0 + 2.5 * rise) if shape == "long-course" else 20.5
            usual -= 0.0 if client else 1.0
            if i == rupture:
                value = _noisy(rng, 12.0 if client else 16.0, 0.5, 10, 17)
            elif i == rupture + 1 and rupture + 2 < n:
                value = _noisy(rng, 14.0 if client else 17.0, 0.4, 13, 17)
            elif i > rupture >= 0:
                value = _noisy(rng, usual + 0.5, 0.7, 19, 24)  # repaired, a little stronger
            else:
                value = _noisy(rng, usual, 0.7, 18 if client else 18, 23)
        elif shape == "decline-dropout":
            start = max(0, n - 6)
            slope = 1.3 if client else 0.8
            centre = (21.0 if client else 20.0) - slope * max(0, i - start + 1)
            value = _noisy(rng, centre, 0.4, 8, 23)
        elif shape == "low-early":
            early = (14.0, 15.0, 16.5, 17.0) if client else (15.0, 16.0, 17.0, 17.0)
            if i < len(early):
                value = _noisy(rng, early[i], 0.4, 12, 17)
            else:
                centre = min(20.5, 17.0 + 1.2 * (i - 3)) - (0.0 if client else 0.5)
                value = _noisy(rng, centre, 0.6, 17, 23)
        elif shape == "disagreement":
            value = (_noisy(rng, 22.0, 0.8, 20, 24) if client
                     else _noisy(rng, 15.5, 0.8, 13, 17))
        else:
            raise ValueError(f"no alliance history for shape {shape!r}")
        out.append(value)
    return out


# -- answers that add up to a target ------------------------------------------------------------

def _answers(questionnaire_items: Mapping[str, ItemDef], total: int, order: Sequence[str],
             rng: random.Random) -> dict[str, str]:
    """Option codes whose weights sum to `total`; components as even as the total allows, the
    spare points going to components in this client's own `order`, items jittered within."""
    per_component = {c: total // 3 for c in COMPONENTS}
    for component in order[: total % 3]:
        per_component[component] += 1
    answers: dict[str, str] = {}
    for component in COMPONENTS:
        items = [i for i in questionnaire_items.values() if i.component == component]
        value = per_component[component]
        first = value // 2
        weights = [first, value - first]
        rng.shuffle(weights)
        if rng.random() < 0.3 and weights[0] > 0 and weights[1] < 4:
            weights = [weights[0] - 1, weights[1] + 1]
        for item, weight in zip(items, weights, strict=True):
            code = next(code for code, w in item.weights.items() if w == weight)
            answers[item.link_id] = code
    return answers


@cache
def _form(name: str) -> tuple[Resource, dict[str, ItemDef]]:
    questionnaire = fhir_profiles.questionnaire(name)
    return questionnaire, dict(instrument_from_questionnaire(questionnaire).items)


# -- records ------------------------------------------------------------------------------------

def _records(plan: PatientPlan, session: Session, rater: str, total: int, order: Sequence[str],
             rng: random.Random) -> list[Resource]:
    questionnaire, items = _form(CLIENT_FORM if rater == "client" else THERAPIST_FORM)
    patient = f"Patient/{plan.patient_id}"
    author = patient if rater == "client" else f"Practitioner/{plan.practitioner_id}"
    authored = session.end + (timedelta(minutes=-5) if rater == "client" else
                              timedelta(minutes=10 + rng.randint(0, 50)))
    submission = Submission(
        questionnaire=questionnaire, answers=_answers(items, total, order, rng), rater=rater,
        patient=patient, encounter=f"Encounter/{session.encounter_id}", author=author,
        authored=authored.astimezone(UTC), submission_id=str(uuid.UUID(int=rng.getrandbits(128),
                                                                          version=4)),
        app_name=APP_NAME, app_version=__version__,
        organization=f"Organization/{plan.organization_id}")
    built = build_submission_records(submission)
    resources = [built.questionnaire_response, *built.observations.values(), built.provenance]
    local: dict[str, str] = {}
    for key, resource in zip(["qr", *built.observations, "provenance"], resources, strict=True):
        resource["id"] = make_id(rng)
        local[built.urls[key]] = f"{resource['resourceType']}/{resource['id']}"
    for resource in resources:
        rewrite_references(resource, local.get)
    return resources


def _history(plan: PatientPlan, rng: random.Random) -> list[Resource]:
    attended = [s for s in plan.sessions if s.attended and s.status != "arrived"]
    if not attended:
        return []
    order = list(COMPONENTS)
    rng.shuffle(order)
    client = _targets(plan, attended, "client", rng)
    therapist = _targets(plan, attended, "therapist", rng)
    every = plan.shape in ("long-course", "disagreement")
    skipped = set() if every else set(
        rng.sample(range(1, len(attended)), round((1 - THERAPIST_SHARE) * (len(attended) - 1))))
    out: list[Resource] = []
    for i, session in enumerate(attended):
        out += _records(plan, session, "client", client[i], order, rng)
        if i not in skipped:
            out += _records(plan, session, "therapist", therapist[i], order, rng)
    return out


# Built records are cached per plan and generator state: the demo and the tests build the same
# cohort many times, and the builders validate every resource with pydantic (about 2 ms each).
_CACHE: dict[tuple[str, tuple[Any, ...]], str] = {}
_CACHE_SIZE = 256


def alliance_history(plan: PatientPlan, rng: random.Random) -> list[Resource]:
    """The alliance records of one client's past sessions (a cohort contributor)."""
    key = (json.dumps([plan.patient, plan.practitioner_id, plan.organization_id, plan.shape,
                       [(s.number, s.start.isoformat(), s.appointment_id, s.status,
                         s.encounter_id) for s in plan.sessions]], sort_keys=True),
           rng.getstate())
    text = _CACHE.get(key)
    if text is None:
        text = json.dumps(_history(plan, rng), separators=(",", ":"))
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = text
    records: list[Resource] = json.loads(text)
    return records
