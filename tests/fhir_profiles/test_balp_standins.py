"""The minimal BALP stand-ins: under IHE's canonical URLs, marked as stand-ins, snapshots
current, and every AuditEvent the app builds carries what they require."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

import fhir_profiles
from fhir_profiles.tools.snapshot import generate_snapshot
from plugin.audit.balp import (
    BALP,
    PATIENT_PROFILES,
    TOKEN_USE_PROFILE,
    AuditActor,
    AuditRecord,
    build_audit_event,
)

FILES = sorted((fhir_profiles.PACKAGE_DIR / "balp").glob("StructureDefinition-*.json"))


def test_one_standin_per_profile_the_app_claims() -> None:
    urls = {json.loads(p.read_text())["url"] for p in FILES}
    assert urls == {*PATIENT_PROFILES.values(), TOKEN_USE_PROFILE}
    assert all(u.startswith(BALP) for u in urls)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_standin_is_labelled_and_its_snapshot_current(path: Path) -> None:
    sd = json.loads(path.read_text())
    assert "stand-in" in sd["description"] and sd["version"].endswith("alliance-standin")
    assert sd["snapshot"]["element"] == generate_snapshot(sd)


@pytest.mark.parametrize("interaction", ["read", "search", "create", "update"])
def test_built_events_carry_every_required_element(interaction: str) -> None:
    record = AuditRecord(interaction, "Patient/p1",
                         datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
                         targets=() if interaction == "search" else ("Observation/o1",),
                         query="Observation?subject=Patient/p1" if interaction == "search"
                         else None)
    actor = AuditActor("c", "Alliance Panel", "0.1.0", "https://a.example", "https://f.example",
                       "jti-1", "Practitioner/1")
    event = build_audit_event(record, actor)
    for url in event["meta"]["profile"]:
        sd = json.loads(next(p for p in FILES if json.loads(p.read_text())["url"] == url)
                        .read_text())
        for element in sd["differential"]["element"]:
            name = element["path"].split(".")
            if len(name) == 2 and element.get("min", 0) >= 1 and ":" not in element["id"]:
                assert name[1] in event, f"{url}: {name[1]}"
            if "fixedCode" in element and len(name) == 2:
                assert event[name[1]] == element["fixedCode"]
