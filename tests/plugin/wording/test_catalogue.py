"""All user-facing sentences live in one catalogue (plugin/wording): the packages that decide
what a clinician or client is told (plugin/alliance, plugin/panel, plugin/web, and the launch
and recording refusals a page shows) hold none of their own, so a translator edits one package.

The rule, for every module of those packages (a new module is covered):

- A sentence is a string literal of at least four words made of letters; an f-string is read
  whole, its placeholders counting as no word ("This session: no {rater} rating yet." is a
  sentence, "{value} of {maximum}" is not). SQL (a literal that starts with SELECT, INSERT,
  UPDATE, DELETE or CREATE) is not a sentence.
- Not counted: docstrings; the arguments of a logging call (``log.info(...)`` and its kin);
  the text of an exception raised for the log. An exception whose message a page shows
  (``plugin.web.plain_words.PLAIN_MESSAGES``: the launch and recording errors; a form field's
  ``ValidationError``; a werkzeug HTTP error raised with a description of its own, which
  ``plain_words.http_words`` shows) is counted, and so is ``abort()``'s description: they reach
  the person in front of the page. Unless its ``code=`` has a sentence of its own in the
  catalogue (``error_pages.BY_CODE``, ``trouble.UNSENT``): then its message is technical, for
  the log and the IT fold.
- ``FOR_OPERATORS`` lists the modules that speak to integrators and operators, not to
  clinicians or clients (a norms file's validation, the operator endpoints, the server's
  start-up line, the session store's durability check, the launch errors' technical texts):
  they stay in English beside their code.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
from pathlib import Path

import pytest
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

import plugin.wording
from plugin.launch.errors import StoreUnavailable
from plugin.web.plain_words import PLAIN_MESSAGES
from plugin.wording.error_pages import BY_CODE
from plugin.wording.trouble import UNSENT

PLUGIN = Path(plugin.wording.__file__).resolve().parents[1]
CHECKED = ["alliance", "panel", "web", "launch", "recording"]
FOR_OPERATORS = {"alliance/norms.py", "alliance/site_norms.py", "web/ops_routes.py",
                 "web/server.py", "launch/redis_durability.py", "launch/errors.py"}
FOR_A_PAGE = (*PLAIN_MESSAGES, ValidationError, HTTPException)
WORDED_CODES = set(BY_CODE) | set(UNSENT)
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE)\b")
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
WORD = re.compile(r"[A-Za-z][a-z'’]*[,.;:!?)]?")


def _text(node: ast.Constant | ast.JoinedStr) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value if isinstance(v, ast.Constant) else " … " for v in node.values)


def _is_sentence(text: object) -> bool:
    return (isinstance(text, str) and not SQL.match(text)
            and sum(1 for w in text.split() if WORD.fullmatch(w)) >= 4)


def _for_a_page(raised: ast.expr, namespace: dict[str, object]) -> bool:
    """Whether a raised exception's message is one a page shows (its class resolved by name
    in the module; an unresolved class counts as shown, to be safe)."""
    call = raised if isinstance(raised, ast.Call) else None
    if call is not None and any(k.arg == "code" and isinstance(k.value, ast.Constant)
                                and k.value.value in WORDED_CODES for k in call.keywords):
        return False
    func = call.func if call is not None else raised
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    cls = namespace.get(name, getattr(builtins, name, None))
    return not isinstance(cls, type) or (issubclass(cls, FOR_A_PAGE)
                                         and not issubclass(cls, StoreUnavailable))


def sentences(source: str, namespace: dict[str, object] | None = None) -> list[str]:
    """The sentence-shaped string literals of a module's source, by the rule above."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.body and isinstance(node.body[0], ast.Expr)):
            skipped.add(id(node.body[0].value))
        quiet: ast.AST | None = None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_CALLS):
            quiet = node
        if isinstance(node, ast.Raise) and node.exc is not None and not _for_a_page(
                node.exc, namespace or {}):
            quiet = node.exc
        if quiet is not None:
            skipped |= {id(n) for n in ast.walk(quiet)}
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for v in node.values}
    return [str(_text(node)) for node in ast.walk(tree)
            if isinstance(node, ast.Constant | ast.JoinedStr) and id(node) not in skipped
            and id(node) not in parts and _is_sentence(_text(node))]


def _modules() -> list[str]:
    """Every module of the checked packages but those that speak to integrators and operators
    (FOR_OPERATORS, named in this module's docstring)."""
    found = [str(p.relative_to(PLUGIN)) for package in CHECKED
             for p in sorted((PLUGIN / package).glob("*.py"))]
    assert set(FOR_OPERATORS) <= set(found), "FOR_OPERATORS names a module that is gone"
    return [module for module in found if module not in FOR_OPERATORS]


@pytest.mark.parametrize("module", _modules())
def test_a_module_that_decides_what_is_said_holds_no_sentence(module: str) -> None:
    name = "plugin." + module.removesuffix(".py").replace("/", ".")
    namespace = vars(importlib.import_module(name))
    assert sentences((PLUGIN / module).read_text(), namespace) == []


def test_the_rule_counts_what_reaches_a_page_and_leaves_the_log_alone() -> None:
    """The check is not blind: a page's sentence is found wherever it hides, a log's is not."""
    namespace = vars(importlib.import_module("plugin.web.record_routes"))
    found = sentences('''
"""A docstring of several words is documentation."""
import logging
log = logging.getLogger(__name__)
def route(rater):
    """So is a function's docstring of several words."""
    log.warning("the store did not answer in time: %s", rater)
    raise ValueError(f"a value of {rater} is not one we know")
HEADING = "Rupture, not back to usual"
def missing(rater):
    return f"This session: no {rater} rating yet."
def refuse():
    raise RecordingRefused("This rating cannot be changed here.", code="x")
def worded():
    raise RecordingRefused("The form given is not one offered here.", code="recording.unknown_form")
QUERY = "SELECT value FROM entries WHERE key = ?"
def gone():
    abort(404, "This rating could not be found.")
''', namespace)
    assert found == ["Rupture, not back to usual", "This session: no  …  rating yet.",
                     "This rating cannot be changed here.", "This rating could not be found."]


def test_the_catalogue_is_where_the_sentences_are() -> None:
    """The check above finds sentences where they are: it is not blind."""
    for module, at_least in [("trouble", 15), ("error_pages", 15), ("alerts", 25),
                             ("status", 20), ("client", 15), ("record", 20)]:
        source = (PLUGIN / "wording" / f"{module}.py").read_text()
        assert len(sentences(source)) >= at_least, module
