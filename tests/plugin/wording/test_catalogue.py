"""All user-facing sentences live in one catalogue (plugin/wording): the modules that decide
which sentence a page shows hold none of their own, so a translator edits one package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import plugin.wording

PLUGIN = Path(plugin.wording.__file__).resolve().parents[1]
# Modules that choose among the catalogue's sentences.
CHOOSERS = ["web/plain_words.py"]


def _sentences(path: Path) -> list[str]:
    """String literals that read as prose (several words, ending a sentence), docstrings aside."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        parts = [node] if isinstance(node, ast.Constant) else []
        if isinstance(node, ast.JoinedStr):  # f-strings: their literal parts
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
        for part in parts:
            text = part.value
            if (isinstance(text, str) and id(part) not in docstrings
                    and len(text.split()) >= 4 and text.rstrip().endswith((".", ":", ")"))):
                found.append(text)
    return found


@pytest.mark.parametrize("module", CHOOSERS)
def test_the_modules_that_choose_a_sentence_hold_none(module: str) -> None:
    assert _sentences(PLUGIN / module) == []


def test_the_catalogue_is_where_the_sentences_are() -> None:
    """The check above finds sentences where they are: it is not blind."""
    assert len(_sentences(PLUGIN / "wording" / "trouble.py")) >= 15
    assert len(_sentences(PLUGIN / "wording" / "error_pages.py")) >= 15

