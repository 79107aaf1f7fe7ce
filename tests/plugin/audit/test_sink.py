"""The hash-chained JSON-lines sink: what is appended verifies; a changed, deleted, truncated
or added line is found and named by its line number."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from plugin.audit.errors import AuditSinkError
from plugin.audit.sink import JsonLinesSink, line_hash, read_events, verify_chain


def filled(tmp_path: Path, n: int = 5) -> JsonLinesSink:
    sink = JsonLinesSink(tmp_path / "audit" / "events.jsonl")
    for i in range(1, n + 1):
        assert sink.append({"resourceType": "AuditEvent", "n": i}) == i
    return sink


def lines(sink: JsonLinesSink) -> list[str]:
    return sink.path.read_text().splitlines()


def rewrite(sink: JsonLinesSink, new_lines: list[str]) -> None:
    sink.path.write_text("".join(f"{line}\n" for line in new_lines))


def test_an_intact_log_verifies_and_reads_back_in_order(tmp_path: Path) -> None:
    sink = filled(tmp_path)
    assert verify_chain(sink.path) == []
    assert [e["n"] for e in read_events(sink.path)] == [1, 2, 3, 4, 5]


def test_a_changed_line_is_named(tmp_path: Path) -> None:
    sink = filled(tmp_path)
    content = lines(sink)
    record = json.loads(content[2])
    record["event"]["n"] = 99
    content[2] = json.dumps(record)
    rewrite(sink, content)
    assert [(p.line, p.code) for p in verify_chain(sink.path)] == [(3, "changed")]


def test_a_deleted_line_is_named_at_the_line_after_it(tmp_path: Path) -> None:
    sink = filled(tmp_path)
    content = lines(sink)
    del content[1]
    rewrite(sink, content)
    [problem] = verify_chain(sink.path)
    assert (problem.line, problem.code) == (2, "deleted")
    assert "1 line(s) before it were deleted" in problem.message


def test_deleting_the_last_lines_or_adding_one_outside_the_app_is_found(tmp_path: Path) -> None:
    sink = filled(tmp_path)
    content = lines(sink)
    rewrite(sink, content[:-2])
    [problem] = verify_chain(sink.path)
    assert problem.code == "truncated" and "2 line(s) at its end" in problem.message
    rewrite(sink, [*content, content[-1]])
    assert [(p.line, p.code) for p in verify_chain(sink.path)] == [(6, "inserted")]
    # A forged line that chains correctly is still found: the head names the true last line.
    last = json.loads(content[-1])
    forged = {"seq": 6, "prev": last["hash"], "event": {"n": 6}}
    forged["hash"] = line_hash(6, last["hash"], forged["event"])
    rewrite(sink, [*content, json.dumps(forged)])
    assert [(p.line, p.code) for p in verify_chain(sink.path)] == [(0, "inserted")]


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "events.jsonl")
    threads = [threading.Thread(target=lambda i=i: [sink.append({"t": i, "k": k})
                                                    for k in range(20)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lines(sink)) == 80 and verify_chain(sink.path) == []


def test_an_unwritable_log_raises_never_drops(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(AuditSinkError, match="cannot append"):
        JsonLinesSink(blocker / "events.jsonl").append({"n": 1})
