"""Finding 6 and 15 (round two): the audit log could be rewritten and still pass
`alliance audit --sink` ("hash chain intact"), and its files were world-readable.

The attacker here can write the log folder and knows the code, but not the audit key, except
in the last attack, where they hold the key too and only the checkpoint folder is out of reach.
Each forgery must make `alliance audit` exit 1 with a message that says what happened.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin.audit.sink import JsonLinesSink
from plugin.audit.trail import AuditTrail, deliver_to_log
from plugin.cli import main


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def written(tmp_path: Path, n: int = 6, **options: Path) -> Path:
    sink = JsonLinesSink(tmp_path / "audit" / "audit.jsonl", **options)
    for i in range(1, n + 1):
        sink.append({"resourceType": "AuditEvent", "entity": [{"what": f"Patient/p{i}"}]})
    return sink.path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def seal_of(record: dict) -> str:
    return str(record.get("hash") or record.get("mac"))


def reseal(chain: list[dict], renumber_from: int = 1) -> list[dict]:
    """The attacker's re-chain: numbers, links and seals recomputed the only way open without
    the key (the unkeyed SHA-256 of the old format; a plain SHA-256 guess for a keyed line)."""
    prev = chain[0]["prev"]
    for number, record in enumerate(chain, start=renumber_from):
        record["seq"], record["prev"] = number, prev
        if "hash" in record:
            text = f"{number}\n{prev}\n{canonical(record['event'])}"
        else:
            text = canonical({k: v for k, v in record.items() if k not in ("mac", "mac_prior")})
        record["hash" if "hash" in record else "mac"] = hashlib.sha256(text.encode()).hexdigest()
        prev = seal_of(record)
    return chain


def save(path: Path, chain: list[dict]) -> None:
    path.write_text("".join(canonical(r) + "\n" for r in chain))


def rewrite_head(path: Path, chain: list[dict]) -> None:
    head = path.with_name(path.name + ".head")
    data = json.loads(head.read_text())
    data["seq"] = chain[-1]["seq"]
    data["hash" if "hash" in data else "mac"] = seal_of(chain[-1])
    head.write_text(canonical(data) + "\n")


def audit(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "--sink", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_untouched_log_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = audit(written(tmp_path), capsys)
    assert code == 0 and "keyed chain intact" in out


def test_an_edited_line_re_chained_after_it_is_found(tmp_path, capsys) -> None:
    path = written(tmp_path)
    chain = records(path)
    chain[3]["event"]["entity"][0]["what"] = "Patient/someone-else"
    save(path, reseal(chain))
    rewrite_head(path, chain)
    code, out = audit(path, capsys)
    assert code == 1 and "changed" in out and "seal does not match" in out


def test_the_tail_cut_and_the_head_rewritten_is_found(tmp_path, capsys) -> None:
    path = written(tmp_path)
    chain = records(path)[:-2]
    save(path, chain)
    rewrite_head(path, chain)
    code, out = audit(path, capsys)
    assert code == 1 and "not signed by the audit key" in out


def test_the_tail_cut_and_the_head_deleted_is_found(tmp_path, capsys) -> None:
    path = written(tmp_path)
    save(path, records(path)[:-2])
    path.with_name(path.name + ".head").unlink()
    code, out = audit(path, capsys)
    assert code == 1 and "audit.jsonl.head is missing" in out


def test_a_line_removed_and_the_rest_renumbered_is_found(tmp_path, capsys) -> None:
    path = written(tmp_path)
    chain = records(path)
    del chain[2]
    save(path, reseal(chain))
    rewrite_head(path, chain)
    code, out = audit(path, capsys)
    assert code == 1 and "seal does not match" in out


def test_an_emptied_log_is_found_with_or_without_its_head(tmp_path, capsys) -> None:
    checkpoints = tmp_path / "elsewhere"
    path = written(tmp_path, checkpoints=checkpoints)
    path.write_text("")
    code, out = audit(path, capsys)
    assert code == 1 and "is empty" in out
    path.with_name(path.name + ".head").unlink()
    code, out = audit(path, capsys)
    assert code == 1 and "is empty" in out
    code, out = audit(path, capsys, "--checkpoint", str(checkpoints))
    assert code == 1 and "checkpoint names a keyed chain" in out


def test_a_log_from_before_keyed_chains_is_a_warning_not_intact(tmp_path, capsys) -> None:
    path = tmp_path / "old" / "audit.jsonl"
    path.parent.mkdir()
    chain = [{"seq": 0, "prev": "0" * 64, "hash": "", "event": {"n": n}} for n in range(3)]
    save(path, reseal(chain))
    code, out = audit(path, capsys)
    assert code == 0 and "WARN" in out and "unkeyed (legacy) chain" in out
    assert "intact" not in out


def test_a_keyed_log_rewritten_in_the_old_unkeyed_format_is_found(tmp_path, capsys) -> None:
    path = written(tmp_path)
    chain = [{"seq": 0, "prev": "0" * 64, "hash": "", "event": r["event"]}
             for r in records(path) if "event" in r][1:]  # the first event dropped
    save(path, reseal(chain))
    head = path.with_name(path.name + ".head")
    head.write_text(canonical({"seq": chain[-1]["seq"], "hash": chain[-1]["hash"]}))
    code, out = audit(path, capsys)
    assert code == 1 and "rewritten: no keyed line" in out


def test_a_key_holder_who_rebuilds_log_and_head_is_caught_by_the_checkpoint(
        tmp_path, capsys) -> None:
    from plugin.audit.chain import Witness, keyed_line
    from plugin.audit.chain_keys import AuditKeys

    checkpoints = tmp_path / "elsewhere"
    path = written(tmp_path, checkpoints=checkpoints)
    ring = AuditKeys(path.parent / "keys").ensure()  # the attacker read the key folder
    chain = records(path)[:-3]
    last = chain[-1]
    save(path, chain)
    head = path.with_name(path.name + ".head")
    anchor = json.loads(head.read_text())["anchor"]
    head.write_text(Witness(anchor, last["seq"], last["mac"], ring.active, "now").signed(ring))
    code, out = audit(path, capsys)
    assert code == 0  # the key holder's rebuild agrees with itself ...
    code, out = audit(path, capsys, "--checkpoint", str(checkpoints))
    assert code == 1 and "3 line(s) at its end were deleted" in out  # ... not with the copy
    # Started afresh (a new genesis), the rebuilt log belongs to another chain.
    fresh = keyed_line(1, "f" * 64, ring, {"genesis": {"anchor": "f" * 64, "created": "now"}})
    save(path, [fresh])
    head.write_text(Witness("f" * 64, 1, fresh["mac"], ring.active, "now").signed(ring))
    code, out = audit(path, capsys, "--checkpoint", str(checkpoints))
    assert code == 1 and "belongs to another chain" in out


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_audit_files_are_readable_by_the_owner_only(tmp_path: Path, umask_022: None) -> None:
    checkpoints = tmp_path / "elsewhere"
    sink = JsonLinesSink(tmp_path / "audit" / "audit.jsonl", checkpoints=checkpoints)
    trail = AuditTrail(tmp_path / "audit" / "spool.sqlite3", deliver_to_log(sink))
    trail.record({"resourceType": "AuditEvent", "entity": [{"what": "Patient/p1"}]})
    trail.deliver_pending()
    files = [sink.path, sink.path.with_name("audit.jsonl.head"),
             checkpoints / "audit.jsonl.checkpoint", tmp_path / "audit" / "spool.sqlite3",
             *(tmp_path / "audit").glob("spool.sqlite3-*"), *(tmp_path / "audit").glob("keys/*")]
    modes = {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files}
    assert set(modes.values()) == {"0o600"}, modes


def test_the_app_keeps_its_checkpoint_where_the_operator_said(hostile, tmp_path, capsys) -> None:
    from .app_harness import app_under_attack

    elsewhere = tmp_path / "elsewhere"
    app = app_under_attack(hostile(), tmp_path, audit_checkpoint_dir=str(elsewhere))
    handle = app.launch()
    assert app.clinician.get(f"/panel/{handle}").status_code == 200
    log = tmp_path / "app" / "audit" / "audit.jsonl"
    code, out = audit(log, capsys, "--checkpoint", str(elsewhere))
    assert code == 0 and "keyed chain intact" in out and "matches the checkpoint" in out
    save(log, records(log)[:-1])
    rewrite_head(log, records(log))
    code, out = audit(log, capsys, "--checkpoint", str(elsewhere))
    assert code == 1 and "at its end were deleted" in out
