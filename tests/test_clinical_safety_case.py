"""The clinical safety case (docs/clinical-safety.md) names, for each hazard, the tests that
verify its mitigations: each named test must exist, so a renamed or deleted test breaks here
rather than leaving a hazard unverified."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"`((tests/[^`:]+\.py)(::[a-z0-9_]+)?|::[a-z0-9_]+)`")


def hazards() -> dict[str, str]:
    text = (ROOT / "docs" / "clinical-safety.md").read_text(encoding="utf-8")
    parts = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def named_tests(section: str) -> list[tuple[str, str]]:
    found, current = [], ""
    for match in NAMED.finditer(section):
        if match.group(2):
            current = match.group(2)
            found.append((current, (match.group(3) or "").lstrip(":")))
        else:
            found.append((current, match.group(1).lstrip(":")))
    return found


def test_every_hazard_names_tests_that_exist() -> None:
    sections = hazards()
    assert len(sections) >= 6
    for title, section in sections.items():
        tests = named_tests(section)
        assert tests, f"{title}: names no test"
        for path, name in tests:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert not name or f"def {name}(" in source, f"{title}: {path}::{name} is missing"
