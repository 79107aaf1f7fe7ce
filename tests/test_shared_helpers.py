"""Helpers shared between test modules live in tests/support (or a folder's own helper module),
fixtures in a conftest: no test module imports from another test module, and nothing imports
from a conftest. Importing a test module runs its collection-time code a second time under
another name, ties one file's tests to another's internals, and a conftest is pytest's to load.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SKIPPED = {"node_modules", "artifacts", "target", "__pycache__"}
# A sieve, so that only the few files with a candidate import are parsed: every import statement
# (a parenthesised one whole) that names something called test_* or conftest.
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]+(?:\([^)]*\)|.*)|import[ \t]+.*)",
                    re.MULTILINE)


def _module_of(path: Path) -> list[str]:
    return ["tests", *path.relative_to(TESTS).with_suffix("").parts]


def _imported(module: list[str], node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement in `module` loads, relative ones made absolute."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = ".".join([*module[:-node.level], *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    # `from tests.plugin import test_serve` loads a module by its name too
    return [base] + [f"{base}.{alias.name}" for alias in node.names
                     if alias.name.startswith("test_") or alias.name == "conftest"]


def _offends(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts)


def imports_of_test_modules(text: str, module: list[str]) -> list[str]:
    """Each import of a test module or a conftest in `module`'s source, as "line: name"."""
    if not any("test_" in found or "conftest" in found for found in IMPORT.findall(text)):
        return []
    return [f"{node.lineno}: {name}" for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in _imported(module, node) if _offends(name)]


def test_no_test_module_imports_from_another_test_module_or_a_conftest() -> None:
    sources = [p for p in sorted(TESTS.rglob("*.py")) if not SKIPPED & set(p.parts)]
    assert len(sources) > 200  # the whole suite is read, not an empty folder
    offenders = [f"{path.relative_to(TESTS.parent)}:{hit}" for path in sources
                 for hit in imports_of_test_modules(path.read_text(), _module_of(path))]
    assert offenders == []


def test_the_check_sees_every_form_of_such_an_import() -> None:
    """Absolute, relative and `from package import test_module` forms are all caught; an import
    from tests/support or a folder's helper module is not."""
    # TEST_ stands for test_, so that a grep of the suite for such imports finds none here.
    lines = {"from tests.plugin.TEST_serve import GOOD": True,
             "from .TEST_client_links import ANSWERS": True,
             "from tests.e2e.conftest import Deployment": True,
             "from . import conftest": True,
             "from tests.plugin import (\n    conftest,\n)": True,
             "import tests.plugin.panel.TEST_view": True,
             "from tests.plugin import TEST_serve": True,
             "from tests.support.forms import answers": False,
             "from .app_harness import app_under_attack": False,
             "from pytest import fixture": False}
    module = ["tests", "security", "test_example"]  # where a relative import starts from
    for line, offends in lines.items():
        source = f"import pytest\n{line}\n".replace("TEST_", "test_")
        assert bool(imports_of_test_modules(source, module)) == offends, line
