"""The new `alliance` subcommands as a user runs them: exit codes and what they print."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from plugin.audit.sink import JsonLinesSink
from plugin.cli import main
from smart_launch.keystore import KeyStore


def test_keys_add_list_retire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(tmp_path / "keys")
    assert main(["keys", "--dir", folder, "add", "--publish-ahead", "0"]) == 0
    assert main(["keys", "--dir", folder, "add", "--alg", "ES384", "--publish-ahead", "0"]) == 0
    out = capsys.readouterr().out
    first, second = (line.split()[1] for line in out.splitlines())
    # "--" as the help says: a thumbprint may begin with "-" (the test once failed on one)
    assert main(["keys", "--dir", folder, "retire", "--", first]) == 0
    assert main(["keys", "--dir", folder, "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{first}  RS384  retired (published)" in listing
    assert f"{second}  ES384  signing" in listing
    assert main(["keys", "--dir", folder, "retire", "--", second]) == 2
    assert "only active key" in capsys.readouterr().err
    assert main(["keys", "--dir", folder, "retire", "--", "-Ab3"]) == 2  # a key id, not an option
    assert "-Ab3" in capsys.readouterr().err


def test_audit_of_a_sink_passes_then_names_the_changed_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sink = JsonLinesSink(tmp_path / "audit.jsonl")
    for n in range(3):
        sink.append({"resourceType": "AuditEvent", "n": n})
    report = tmp_path / "report.csv"
    assert main(["audit", "--sink", str(sink.path), "--csv", str(report)]) == 0
    assert "keyed chain intact" in capsys.readouterr().out
    lines = sink.path.read_text().splitlines()
    record = json.loads(lines[1])
    record["event"]["n"] = 7
    lines[1] = json.dumps(record)
    sink.path.write_text("\n".join(lines) + "\n")
    assert main(["audit", "--sink", str(sink.path), "--csv", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "audit.jsonl line 2" in out
    rows = list(csv.DictReader(report.open()))
    assert [(r["result"], r["check"]) for r in rows] == [("FAIL", "audit-log changed"),
                                                         ("WARN", "audit-log")]  # no checkpoint


def test_audit_without_a_question_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 2
    assert "--fhir URL" in capsys.readouterr().err
    assert main(["audit", "--fhir", "http://127.0.0.1:9/fhir"]) == 2
    assert "name a patient" in capsys.readouterr().err


def test_the_first_key_of_an_empty_folder_signs_at_once_and_later_ones_publish_ahead(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`alliance keys add` as the docs print it, on an empty folder: `serve` can sign with the
    key straight away (it asks the folder for its signing key, as a launch does)."""
    folder = tmp_path / "keys"
    assert main(["keys", "--dir", str(folder), "add"]) == 0
    first = capsys.readouterr().out.split()[1]
    assert KeyStore(folder).signing_key(time.time()).kid == first
    assert main(["keys", "--dir", str(folder), "add"]) == 0  # a rotation: published ahead
    second = capsys.readouterr().out.split()[1]
    assert KeyStore(folder).signing_key(time.time()).kid == first
    assert main(["keys", "--dir", str(folder), "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{first}  RS384  signing" in listing and f"{second}  RS384  pending" in listing
    assert KeyStore(folder).signing_key(time.time() + 3601).kid == second
