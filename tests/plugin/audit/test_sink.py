"""The MAC-chained JSON-lines sink: what is appended verifies; a changed, deleted, truncated
or added line is found and named by its line number; a key rotation keeps old lines verifying;
a log from before keyed chains reads as a legacy chain and is continued by keyed lines."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from plugin.audit.chain import line_hash
from plugin.audit.chain_keys import AuditKeys
from plugin.audit.chain_verify import check_chain, verify_chain
from plugin.audit.errors import AuditSinkError
from plugin.audit.sink import JsonLinesSink, read_events


def filled(tmp_path: Path, n: int = 5) -> JsonLinesSink:
    sink = JsonLinesSink(tmp_path / "audit" / "events.jsonl")
    for i in range(1, n + 1):
        assert sink.append({"resourceType": "AuditEvent", "n": i}) == i + 1  # after genesis
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
    del content[2]
    rewrite(sink, content)
    [problem] = verify_chain(sink.path)
    assert (problem.line, problem.code) == (3, "deleted")
    assert "1 line(s) before it were deleted" in problem.message


def test_deleting_the_last_lines_or_adding_one_outside_the_app_is_found(tmp_path: Path) -> None:
    sink = filled(tmp_path)
    content = lines(sink)
    rewrite(sink, content[:-2])
    [problem] = verify_chain(sink.path)
    assert problem.code == "truncated" and "2 line(s) at its end" in problem.message
    rewrite(sink, [*content, content[-1]])
    assert [(p.line, p.code) for p in verify_chain(sink.path)] == [(7, "inserted")]


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "events.jsonl")
    threads = [threading.Thread(target=lambda i=i: [sink.append({"t": i, "k": k})
                                                    for k in range(20)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lines(sink)) == 81 and verify_chain(sink.path) == []


def test_an_unwritable_log_raises_never_drops(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(AuditSinkError, match="cannot append"):
        JsonLinesSink(blocker / "events.jsonl").append({"n": 1})


def test_a_rotated_key_is_recorded_in_the_chain_and_old_lines_still_verify(
        tmp_path: Path) -> None:
    sink = filled(tmp_path, 2)
    first = AuditKeys(sink.keys.folder).ensure().active
    new = AuditKeys(sink.keys.folder).rotate()
    sink.append({"n": 3})
    records = [json.loads(line) for line in lines(sink)]
    assert [r["kid"] for r in records] == [first, first, first, new, new]
    assert records[3]["rotated_from"] == first and "mac_prior" in records[3]
    assert verify_chain(sink.path) == []
    # Without the old key the old lines cannot be checked: it must be kept.
    manifest = json.loads(sink.keys.manifest.read_text())
    del manifest["keys"][first]
    sink.keys.manifest.write_text(json.dumps(manifest))
    problems = verify_chain(sink.path)
    assert {p.line for p in problems} >= {1, 2, 3, 4}
    assert all("not in the audit keys" in p.message or "key change" in p.message
               or p.line == 0 for p in problems)


def test_a_log_from_before_keys_is_a_legacy_chain_then_continues_keyed(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    prev, old = "0" * 64, []
    for seq in (1, 2):
        digest = line_hash(seq, prev, {"n": seq})
        old.append(json.dumps({"seq": seq, "prev": prev, "hash": digest, "event": {"n": seq}}))
        prev = digest
    path.write_text("\n".join(old) + "\n")
    report = check_chain(path)
    assert report.problems == [] and not report.keyed
    assert any("unkeyed (legacy) chain" in w for w in report.warnings)
    sink = JsonLinesSink(path)
    assert sink.append({"n": 3}) == 4  # a genesis (seq 3) sealing the old lines, then the event
    report = check_chain(path)
    assert report.problems == [] and report.keyed and report.last_seq == 4
    assert [e["n"] for e in read_events(path)] == [1, 2, 3]
    # The old lines are now covered by the keyed genesis: changing one is found.
    content = path.read_text().splitlines()
    content[0] = content[0].replace('"n": 1', '"n": 9')
    path.write_text("\n".join(content) + "\n")
    assert [(p.line, p.code) for p in verify_chain(path)] == [(1, "changed")]


def test_audit_key_rotate_and_list_from_the_command_line(tmp_path: Path, capsys) -> None:
    from plugin.cli import main

    sink = filled(tmp_path, 1)
    assert main(["audit-key", "--keys", str(sink.keys.folder), "rotate"]) == 0
    out = capsys.readouterr().out
    assert "new audit key" in out and "active" in out and "retired (kept" in out
    sink.append({"n": 2})
    assert main(["audit", "--sink", str(sink.path)]) == 0
    assert "keyed chain intact: 4 line(s)" in capsys.readouterr().out
