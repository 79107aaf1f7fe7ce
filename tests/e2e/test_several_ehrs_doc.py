"""docs/several-ehrs.md's configuration, as printed: its TOML block is read from the page, the
test's own servers, key files and client ids put in place of the example's addresses, paths
and ids (every other key and value kept), and both EHRs launched and rated with it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.launched import THERAPIST, filled, open_launch, saved_id, store
from tests.support.servers import LiveServer
from tests.support.two_ehrs import start_two_ehrs

DOC = Path(__file__).resolve().parents[2] / "docs" / "several-ehrs.md"
SWAPPED = {"client_id", "private_key_file", "record_store_url", "record_store_client_id"}


def printed_tables() -> dict[str, dict]:
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/several-ehrs.md has no TOML example"
    return tomllib.loads(block.group(1))["issuers"]


@pytest.fixture
def started() -> Iterator[list[LiveServer]]:
    servers: list[LiveServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_the_documented_two_ehr_configuration_launches_and_keeps_each_ehrs_ratings_apart(
        tmp_path: Path, started: list[LiveServer]) -> None:
    printed = list(printed_tables().items())
    assert len(printed) == 2
    (_, in_ehr), (_, with_store) = printed
    assert "record_store_url" not in in_ehr and "record_store_url" in with_store

    def tables(facts: dict[str, dict[str, str]]) -> dict[str, dict]:
        out = {}
        for name, (_, table) in zip(("a", "b"), printed, strict=True):
            side = facts[name]
            mine = {key: value for key, value in table.items() if key not in SWAPPED}
            mine["client_id"] = side["client_id"]
            if "private_key_file" in table:
                mine["private_key_file"] = side["key_file"]
            if "record_store_url" in table:
                mine.update(record_store_url=side["store_url"],
                            record_store_client_id=side["store_client"])
            out[side["iss"]] = mine
        return out

    a, b = start_two_ehrs(tmp_path, started, tables=tables, audit="log",
                          keep_records=frozenset({"a"}))
    for dep, scope_words in ((a, ("patient/Encounter.read", "offline_access")),
                             (b, ("online_access",))):
        run = open_launch(dep)
        assert all(word in run.authorize_scope for word in scope_words), run.authorize_scope
        page = run.get(f"/record/{THERAPIST}")
        assert page.status_code == 200
        saved_id(run.post(f"/record/{THERAPIST}", filled(page)))
    # the first EHR keeps its ratings itself; the second's go to its own companion store only
    assert len(store(a).scan("QuestionnaireResponse")) == 1
    assert len(b.flask_companion.extensions["ehr_sandbox"]["store"].scan(
        "QuestionnaireResponse")) == 1
    assert a.flask_companion.extensions["ehr_sandbox"]["store"].scan(
        "QuestionnaireResponse") == []
