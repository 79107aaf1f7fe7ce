"""FHIR search for the in-memory server (tests/support/memory_fhir.py): the parameters the app
and its tools search on, and nothing else (any other one fails the test, loudly).

A parameter given twice must match both times (AND); comma-separated values are alternatives
(OR). A reference parameter finds a versioned reference too (``Type/id/_history/n``), as HAPI
does. Result parameters (``_count``, ``_sort``...) change nothing here: every match is returned
on one page. ``authored`` takes the prefixes ge, gt, le, lt and eq (the default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

Params = dict[str, list[str]]

REFERENCES = {"subject": "subject", "patient": "subject", "target": "target",
              "derived-from": "derivedFrom"}
IGNORED = ("_count", "_sort", "_summary", "_elements", "_total")
COMPARE: dict[str, Callable[[str, str], bool]] = {
    "ge": str.__ge__, "gt": str.__gt__, "le": str.__le__, "lt": str.__lt__, "eq": str.__eq__}


def parse_query(query: str) -> Params:
    """A search's query string (or an If-None-Exist condition) as parameters."""
    return {name: values for name, values in parse_qs(query).items() if name not in IGNORED}


def matches(resource: dict[str, Any], params: Params) -> bool:
    return all(_matches_one(resource, name, value.split(","))
               for name, values in params.items() for value in values)


def _matches_one(resource: dict[str, Any], name: str, options: list[str]) -> bool:
    if name in ("url", "version"):
        return resource.get(name) in options
    if name == "identifier":
        return bool(_tokens(resource.get("identifier"), "value") & set(options))
    if name == "_tag":
        return bool(_tokens((resource.get("meta") or {}).get("tag"), "code") & set(options))
    if name in REFERENCES:
        return any(ref in options for ref in _references(resource.get(REFERENCES[name])))
    if name == "authored":
        authored = str(resource.get("authored", ""))
        return any(_compare(authored, option) for option in options)
    raise AssertionError(f"the in-memory FHIR server does not search on {name}")


def _tokens(value: Any, code: str) -> set[str]:
    """The ``system|code`` tokens of one Identifier or Coding, or of a list of them."""
    items = value if isinstance(value, list) else [value] if value else []
    return {f"{i.get('system')}|{i.get(code)}" for i in items}


def _references(value: Any) -> list[str]:
    """The references in an element, without their version."""
    if isinstance(value, dict):
        return [str(value.get("reference", "")).split("/_history/")[0]]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


def _compare(value: str, option: str) -> bool:
    prefix = option[:2] if option[:2] in COMPARE else "eq"
    wanted = option[2:] if option[:2] in COMPARE else option
    return COMPARE[prefix](value, wanted)
