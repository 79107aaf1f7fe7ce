"""The product (what the wheel installs) never reaches for the development EHR: not by an
import, which the import contracts in pyproject.toml forbid, and not by name either (a module
started with `python -m ehr_sandbox...`, a spec looked up by its name), which they cannot see.
The sandbox may import the product; the product never names the sandbox, so there is no circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("plugin", "smart_launch", "fhir_profiles")


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of docstring nodes: prose may say what the product is not."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _names_of_the_sandbox(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [] if id(node) in prose else [node.value]
        else:
            continue
        found += [f"{path.relative_to(REPO)}:{node.lineno}: {name[:80]!r}"
                  for name in names if "ehr_sandbox" in name]
    return found


def test_the_product_never_names_the_development_ehr() -> None:
    sources = [path for package in PRODUCT for path in sorted((REPO / package).rglob("*.py"))]
    assert len(sources) > 100  # the whole product is read, not an empty folder
    offenders = [hit for path in sources for hit in _names_of_the_sandbox(path)]
    assert offenders == []


def test_the_product_has_no_demo_command() -> None:
    """The demo starts from the sandbox's own module; `alliance` offers only the product."""
    from plugin.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert "serve" in commands
    assert "demo" not in commands
