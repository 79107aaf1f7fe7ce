"""A sandbox starts with a copy of the cohort its process stored first: the same resources,
versions and compartments as a fresh load, on any base, stamped no later than its clock."""

from __future__ import annotations

from pathlib import Path

from ehr_sandbox.app import create_sandbox
from ehr_sandbox.cohort import build_cohort, load_cohort
from ehr_sandbox.fhir.store import Store

from .harness import NOW, make_settings

# Everything but the time of storing, which the next test checks.
ROWS = ("SELECT type, id, version, patient, json_remove(json, '$.meta.lastUpdated')"
        " FROM fhir_resource ORDER BY seq")
STAMPS = "SELECT DISTINCT last_updated FROM fhir_resource"


def _store(tmp_path: Path, name: str, now: float, **settings: object) -> Store:
    app = create_sandbox(make_settings(tmp_path, lambda: now, db_path=tmp_path / name,
                                       **settings))
    store: Store = app.extensions["ehr_sandbox"]["store"]
    return store


def _rows(store: Store, query: str = ROWS) -> list[tuple]:
    return list(store._db.execute(query))  # noqa: SLF001 - the rows themselves are the point


def test_a_copied_cohort_is_what_a_fresh_load_on_another_base_stores(tmp_path: Path) -> None:
    first = _store(tmp_path, "first.sqlite", NOW, base_url="http://one.test")
    copied = _store(tmp_path, "copied.sqlite", NOW + 60, base_url="http://two.test:8443")
    fresh = Store(tmp_path / "fresh.sqlite", lambda: NOW)
    cohort = build_cohort(20261125, NOW, contributors=())
    assert load_cohort(fresh, cohort, "http://three.test/fhir") == len(cohort.resources)

    assert _rows(copied) == _rows(fresh) == _rows(first)
    # The copy keeps the time the cohort was first stored: before the second store's own now.
    assert _rows(copied, STAMPS) == _rows(first, STAMPS)
    assert _rows(first, STAMPS)[0][0] <= "2026-11-25T09:00:00.000Z"
    assert len(_rows(copied, "SELECT 1 FROM fhir_version")) == len(cohort.resources)


def test_a_store_whose_clock_is_earlier_gets_the_cohort_stored_afresh(tmp_path: Path) -> None:
    day = NOW + 10 * 86400  # 2026-12-05, a day no other test stores
    later = _store(tmp_path, "later.sqlite", day + 3600)
    earlier = _store(tmp_path, "earlier.sqlite", day + 1800)
    between = _store(tmp_path, "between.sqlite", day + 2700)
    assert _rows(later, STAMPS) == [("2026-12-05T10:00:00.000Z",)]
    assert _rows(earlier, STAMPS) == [("2026-12-05T09:30:00.000Z",)]
    assert _rows(between, STAMPS) == [("2026-12-05T09:30:00.000Z",)]


def test_a_copy_is_a_store_of_its_own(tmp_path: Path) -> None:
    one = _store(tmp_path, "one.sqlite", NOW)
    two = _store(tmp_path, "two.sqlite", NOW)
    made = two.create({"resourceType": "Observation", "status": "final",
                       "code": {"text": "only in two"}}, patient=None)
    assert two.read("Observation", made.id) is not None
    assert one.read("Observation", made.id) is None
    two.close()
    reopened = Store(tmp_path / "two.sqlite", lambda: NOW)
    assert reopened.read("Observation", made.id) is not None
    assert _rows(reopened, "PRAGMA integrity_check") == [("ok",)]


def test_a_store_that_holds_resources_is_left_as_it_is(tmp_path: Path) -> None:
    store = Store(tmp_path / "kept.sqlite", lambda: NOW)
    store.create({"resourceType": "Organization", "name": "Already here"}, patient=None)
    store.close()
    again = _store(tmp_path, "kept.sqlite", NOW)
    assert _rows(again, "SELECT type FROM fhir_resource") == [("Organization",)]


def test_a_companion_store_starts_empty(tmp_path: Path) -> None:
    assert _store(tmp_path, "companion.sqlite", NOW, load_cohort=False).is_empty()
