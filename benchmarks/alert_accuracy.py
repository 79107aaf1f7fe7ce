"""Alert accuracy on simulated clients: false alarms on stable clients, hits on true events.

Prints figures; asserts nothing. Fixed seed, so a run is reproducible. See benchmarks/README.md.

Each simulated client has a latent alliance level per item; every session each item is that
level plus the client's own item offset (SD .3) plus session noise, rounded and clipped the way
the instrument is answered (0-4 and 1-5 options, 0-10 marks to one decimal). Noise per
instrument: 10% and 20% of the item range (check-in and WAI-SR .4/.8, SRS 1.0/2.0). Groups:

- stable: no change over 20 sessions, latent total from half a reliable-change criterion (RC)
  above the cut-off (or 60% of the range without one) to near the top; the check-in's
  therapist rates each session too, Tryon et al.'s d = .63 lower on average;
- stable near the cut-off: latent total within half an RC above it (the cut-off rule's hard case);
- rupture with repair / without repair: a drop of 2 to 3 RCs at session 6 to 12, back to the
  usual level 1 to 3 sessions later (or never);
- slow decline: a fall of 2 RCs spread over sessions 6 to 16;
- attendance: weekly courses with 10% clinic-cancelled sessions, occasional client absences.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fhir_profiles  # noqa: E402
from plugin.alliance import (  # noqa: E402
    Alert,
    AlertSettings,
    Instrument,
    ScoredSession,
    Visit,
    analyse_trends,
    instrument_from_questionnaire,
    score_answers,
    shipped_norms,
)

SEED = 20261201
SESSIONS = 20
START = datetime.date(2026, 1, 5)
ALLIANCE = {"rupture", "low-alliance", "early-low-alliance", "falling-trend", "discrepancy"}


@dataclass(frozen=True)
class Form:
    name: str
    questionnaire: str
    paired: str | None  # the therapist form rated alongside (check-in only)
    noise: tuple[float, float]


FORMS = (Form("check-in", "alliance-checkin-client", "alliance-checkin-therapist", (0.4, 0.8)),
         Form("SRS", "srs", None, (1.0, 1.5)),
         Form("WAI-SR", "wai-sr-client", None, (0.4, 0.8)))


def instrument(name: str) -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire(name))


def answer(inst: Instrument, levels: dict[str, float]) -> dict[str, str | float]:
    """Answers whose weights are nearest each item's (noisy) level."""
    out: dict[str, str | float] = {}
    for link, item in inst.items.items():
        level = min(max(levels[link], item.minimum), item.maximum)
        if item.numeric:
            out[link] = round(level, 1)
        else:
            out[link] = min(item.weights, key=lambda c: abs(item.weights[c] - level))
    return out


def rc_total(inst: Instrument, rater: str) -> float:
    form = shipped_norms().get(inst.url, rater)
    assert form is not None
    value = form.scale("total").reliable_change
    assert value is not None
    return value


def course(rng: random.Random, inst: Instrument, rater: str, latent: list[float],
           noise: float, prefix: str) -> list[ScoredSession]:
    """Sessions from a latent item-mean per session (len SESSIONS)."""
    offsets = {link: rng.gauss(0, 0.3) for link in inst.items}
    out = []
    for i, level in enumerate(latent):
        levels = {link: level + offsets[link] + rng.gauss(0, noise) for link in inst.items}
        out.append(ScoredSession(f"{prefix}{i}", START + datetime.timedelta(weeks=i), rater,
                                 score_answers(inst, answer(inst, levels))))
    return out


def item_range(inst: Instrument) -> tuple[float, float]:
    item = next(iter(inst.items.values()))
    return item.minimum, item.maximum


def stable_level(rng: random.Random, inst: Instrument, near: bool) -> float:
    lo, hi = item_range(inst)
    n = len(inst.items)
    form = shipped_norms().get(inst.url, "client")
    cutoff = form.scale("total").cutoff if form else None
    half_rc = rc_total(inst, "client") / 2 / n
    if cutoff is not None and cutoff.value is not None:
        base = cutoff.value / n
        above = min(base + half_rc, hi - 0.6)  # SRS: the cut-off is within an RC of the top
        return rng.uniform(base, above) if near else rng.uniform(above, hi - 0.1)
    return rng.uniform(lo + 0.6 * (hi - lo), hi - 0.3)


def by_kind(alerts: list[Alert]) -> set[str]:
    return {a.kind for a in alerts}


Counter = dict[str, list[int]]


def tally(table: Counter, key: str, hit: bool) -> None:
    table.setdefault(key, [0, 0])
    table[key][0] += int(hit)
    table[key][1] += 1


def run_form(form: Form, noise: float, n: int, rng: random.Random,
             settings: AlertSettings, table: Counter) -> None:
    inst = instrument(form.questionnaire)
    paired = instrument(form.paired) if form.paired else None
    n_items = len(inst.items)
    rc = rc_total(inst, "client") / n_items  # in item-mean units
    lo, hi = item_range(inst)
    label = f"{form.name} {noise:g}"

    def simulate(latent: list[float], tag: str) -> list[Alert]:
        sessions = course(rng, inst, "client", latent, noise, tag)
        if paired is not None:
            gap = 0.63 * 4.0 / n_items  # Tryon et al. 2007: therapists rate ~d=.63 lower
            sessions += course(rng, paired, "therapist", [v - gap for v in latent], noise, tag)
        visits = [Visit(s.encounter_id, s.date, "attended") for s in sessions
                  if s.rater == "client"]
        return analyse_trends(sessions, [inst], visits, settings,
                              today=visits[-1].date, norms=shipped_norms())

    for near in (False, True):
        group = "stable near cut-off" if near else "stable"
        if near and shipped_norms().get(inst.url, "client").scale("total").cutoff.value is None:  # type: ignore[union-attr]
            continue
        for _ in range(n):
            level = stable_level(rng, inst, near)
            alerts = simulate([level] * SESSIONS, "s")
            kinds = by_kind(alerts)
            for kind in sorted(ALLIANCE):
                tally(table, f"{label}|{group}: any {kind}", kind in kinds)
            for rater in ("client", "therapist") if paired else ("client",):
                for scales, name in (({"total"}, "total"), ({"goal", "task", "bond"}, "subscale")):
                    tally(table, f"{label}|{group}: any rupture, {rater} {name}", any(
                        a.kind == "rupture" and a.rater == rater and a.scale in scales
                        for a in alerts))
            tally(table, f"{label}|{group}: ANY alliance alert", bool(kinds & ALLIANCE))
    for repaired in (True, False):
        for _ in range(n):
            drop = rng.uniform(2.0, 3.0) * rc
            level = rng.uniform(max(lo + drop + 0.2, lo), hi - 0.2)
            at = rng.randint(6, 12)
            back = at + rng.randint(1, 3) if repaired else SESSIONS
            latent = [level - drop if at <= i < back else level for i in range(SESSIONS)]
            alerts = [a for a in simulate(latent, "r") if a.rater == "client"]
            found = any(a.kind == "rupture" and a.encounter_id == f"r{at}" for a in alerts)
            group = "rupture, repaired" if repaired else "rupture, not repaired"
            tally(table, f"{label}|{group}: rupture flagged at the drop", found)
            if repaired:
                tally(table, f"{label}|{group}: repair flagged at the return",
                      any(a.kind == "repair" and a.encounter_id == f"r{back}" for a in alerts))
            else:
                tally(table, f"{label}|{group}: still open at the end",
                      any(a.kind == "rupture" and a.open for a in alerts))
    for _ in range(n):
        fall = 2.0 * rc
        level = rng.uniform(lo + fall + 0.2, hi - 0.2)
        latent = [level - fall * min(max(i - 6, 0), 10) / 10 for i in range(SESSIONS)]
        alerts = [a for a in simulate(latent, "d") if a.rater == "client"]
        for kinds, name in (({"falling-trend"}, "the drift rule"), (ALLIANCE, "any rule")):
            when = [int(a.encounter_id[1:]) for a in alerts
                    if a.encounter_id and a.kind in kinds]
            tally(table, f"{label}|slow decline: found by {name} in sessions 11-17",
                  any(10 <= w <= 16 for w in when))
    form_norms = shipped_norms().get(inst.url, "client")
    cutoff = form_norms.scale("total").cutoff if form_norms else None
    if cutoff is not None and cutoff.value is not None:
        for _ in range(n):
            level = cutoff.value / n_items - rng.uniform(0.5, 1.0) * rc
            alerts = [a for a in simulate([level] * SESSIONS, "l") if a.rater == "client"]
            tally(table, f"{label}|low alliance (0.5-1 RC under the cut-off): found by "
                  "session 5", any(a.kind in ("low-alliance", "early-low-alliance")
                                   and int(a.encounter_id[1:]) <= 4 for a in alerts
                                   if a.encounter_id))


def attendance(n: int, rng: random.Random, settings: AlertSettings, table: Counter) -> None:
    for _ in range(n):
        visits, clinic = [], set()
        for i in range(SESSIONS):
            day = START + datetime.timedelta(weeks=i)
            roll = rng.random()
            if roll < 0.10:
                visits.append(Visit(f"v{i}", day, "cancelled", "clinic"))
                clinic.add(f"v{i}")
            elif roll < 0.13:
                visits.append(Visit(f"v{i}", day, "no-show"))
            elif roll < 0.16:
                visits.append(Visit(f"v{i}", day, "cancelled", "client"))
            else:
                visits.append(Visit(f"v{i}", day, "attended"))
        alerts = analyse_trends([], [], visits, settings, today=visits[-1].date)
        wrong = [a for a in alerts if a.encounter_id in clinic]
        absent = {v.id for v in visits if v.status == "no-show"
                  or (v.status == "cancelled" and v.cancelled_by == "client")}
        for visit_id in clinic:
            tally(table, "attendance|clinic-cancelled reported as the client's absence",
                  any(a.encounter_id == visit_id for a in wrong))
        for visit_id in absent:
            tally(table, "attendance|client absence flagged once",
                  sum(a.encounter_id == visit_id for a in alerts) == 1)
        tally(table, "attendance|weekly course: any gap alert",
              any(a.rule == "gap" for a in alerts))


STABLE_COLUMNS = (("rupture", "any rupture"), ("falling trend", "any falling-trend"),
                  ("low", "any low-alliance"), ("early low", "any early-low-alliance"),
                  ("discrepancy", "any discrepancy"), ("**any alliance alert**",
                                                       "ANY alliance alert"))
EVENT_COLUMNS = (
    ("rupture at the drop, repaired", "rupture, repaired: rupture flagged at the drop"),
    ("rupture at the drop, not repaired", "rupture, not repaired: rupture flagged at the drop"),
    ("repair at the return", "rupture, repaired: repair flagged at the return"),
    ("unrepaired still open at 20", "rupture, not repaired: still open at the end"),
    ("slow decline, drift rule, sessions 11-17",
     "slow decline: found by the drift rule in sessions 11-17"),
    ("low level found by session 5",
     "low alliance (0.5-1 RC under the cut-off): found by session 5"))


def share(table: Counter, key: str) -> str:
    if key not in table:
        return "n/a"
    hits, total = table[key]
    return f"{100 * hits / total:.1f}%"


def pivot(table: Counter, rows: list[str], columns: tuple[tuple[str, str], ...],
          prefix: str = "") -> None:
    print("| instrument, item noise | " + " | ".join(c for c, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for row in rows:
        cells = [share(table, f"{row}|{prefix}{key}") for _, key in columns]
        print(f"| {row} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=400, help="per group and noise level")
    parser.add_argument("--detail", action="store_true",
                        help="also every measure, with ruptures split by rater and scale")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)  # noqa: S311 (a simulation, not a secret)
    settings = AlertSettings()
    table: Counter = {}
    rows = []
    for form in FORMS:
        for noise in form.noise:
            run_form(form, noise, args.clients, rng, settings, table)
            rows.append(f"{form.name} {noise:g}")
    attendance(args.clients, rng, settings, table)
    print(f"Alert accuracy: seed {SEED}, {args.clients} simulated clients per group and noise "
          f"level, {SESSIONS} sessions each.\n")
    print("Stable clients with any alert over 20 sessions (target: any alliance alert <= 5%):\n")
    pivot(table, rows, STABLE_COLUMNS, "stable: ")
    print("\nStable clients within half an RC above the cut-off (the cut-off rule's hard case):\n")
    pivot(table, [r for r in rows if not r.startswith("WAI-SR")], STABLE_COLUMNS,
          "stable near cut-off: ")
    print("\nTrue events found at the right session (target: ruptures >= 90%):\n")
    pivot(table, rows, EVENT_COLUMNS)
    print("\nAttendance (weekly courses, 10% clinic-cancelled, 3% no-shows, 3% client-cancelled;"
          " target: 0 clinic cancellations reported as the client's absence):\n")
    print("| measure | share |\n|---|---|")
    for key in [k for k in table if k.startswith("attendance|")]:
        hits, total = table[key]
        print(f"| {key.split('|', 1)[1]} | {100 * hits / total:.1f}% ({hits}/{total}) |")
    if args.detail:
        print("\n| instrument | group: measure | share |\n|---|---|---|")
        for key, (hits, total) in table.items():
            where, what = key.split("|", 1)
            print(f"| {where} | {what} | {100 * hits / total:.1f}% ({hits}/{total}) |")


if __name__ == "__main__":
    main()
