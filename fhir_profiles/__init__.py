"""The Alliance Panel FHIR package: loads the conformance resources shipped beside this file.

Owns: the JSON resources in this folder (one resource per file, NPM-package layout), the
project's canonical base URL, read from ``package.json``, and the norms each instrument is
scored against (``norms/``: one file per instrument and rater, every value with its source).
``previous/`` keeps each earlier released version of a Questionnaire, as it was released, so a
response that names ``url|version`` is read with the form its rater answered; only the current
versions are offered to raters, listed by ``load_resources`` and read by renderers.
Imports only the standard library and the app's error root (app_errors).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from app_errors import AppError

PACKAGE_DIR = Path(__file__).resolve().parent


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


PACKAGE: dict[str, Any] = _read_json(PACKAGE_DIR / "package.json")
#: The one canonical base URL of every conformance resource this project defines.
CANONICAL: str = PACKAGE["canonical"]


class ProfileNotFound(AppError, LookupError):
    """No resource in the package has the requested url or id."""

    code = "fhir_profiles.not_found"


def _not_found(key: str) -> ProfileNotFound:
    return ProfileNotFound(f"No conformance resource {key!r} in the {PACKAGE['name']} package.")


@cache
def _resources() -> tuple[dict[str, Any], ...]:
    files = sorted(p for p in PACKAGE_DIR.glob("*.json") if p.name != "package.json")
    return tuple(_read_json(p) for p in files)


def load_resources() -> list[dict[str, Any]]:
    """Every resource in the package, as fresh dicts (callers may change them)."""
    return [copy.deepcopy(r) for r in _resources()]


@cache
def _previous() -> tuple[dict[str, Any], ...]:
    return tuple(_read_json(p) for p in sorted((PACKAGE_DIR / "previous").glob("*.json")))


def previous_versions() -> list[dict[str, Any]]:
    """Every earlier version of a shipped Questionnaire (``previous/``), as fresh dicts."""
    return [copy.deepcopy(r) for r in _previous()]


def _versioned(version: str, current: dict[str, Any], key: str) -> dict[str, Any]:
    """``current`` when it is that version (or none is asked), else the earlier version of the
    same canonical url shipped in ``previous/``; a version never shipped is not found."""
    if not version or current.get("version") == version:
        return copy.deepcopy(current)
    for res in _previous():
        if res.get("url") == current.get("url") and res.get("version") == version:
            return copy.deepcopy(res)
    raise _not_found(key)


def resource_by_url(url: str) -> dict[str, Any]:
    """The resource whose canonical ``url`` is ``url``; with ``|version``, that version (the
    current one or one kept in ``previous/``)."""
    bare, _, version = url.partition("|")
    for res in _resources():
        if res.get("url") == bare:
            return _versioned(version, res, url)
    raise _not_found(url)


def questionnaire(url_or_id: str) -> dict[str, Any]:
    """A shipped Questionnaire by canonical url or by id (e.g. ``"srs"``): the current version,
    or with ``|version`` exactly that version (ProfileNotFound when it was never shipped)."""
    bare, _, version = url_or_id.partition("|")
    for res in _resources():
        if res.get("resourceType") == "Questionnaire" and bare in (res.get("url"), res.get("id")):
            return _versioned(version, res, url_or_id)
    raise _not_found(url_or_id)


def questionnaire_or_current(canonical: str) -> dict[str, Any]:
    """The version a stored response names when it is shipped, else the current version of the
    same url: for reading a response made by a newer release of the app (a version this
    package does not know yet) rather than hiding it. Auditors use ``questionnaire``."""
    try:
        return questionnaire(canonical)
    except ProfileNotFound:
        return questionnaire(canonical.partition("|")[0])


def code_display(system: str, code: str) -> str | None:
    """The display of ``code`` in a CodeSystem of the package; None for any other system/code."""
    for res in _resources():
        if res.get("resourceType") == "CodeSystem" and res.get("url") == system:
            stack = list(res.get("concept", []))
            while stack:
                concept = stack.pop()
                if concept.get("code") == code:
                    return str(concept["display"])
                stack += concept.get("concept", [])
    return None


def questionnaires() -> list[dict[str, Any]]:
    """Every shipped Questionnaire."""
    return [r for r in load_resources() if r.get("resourceType") == "Questionnaire"]


@cache
def _norms() -> tuple[dict[str, Any], ...]:
    return tuple(_read_json(p) for p in sorted((PACKAGE_DIR / "norms").glob("*.json")))


def norms_documents() -> list[dict[str, Any]]:
    """The shipped norms documents (``norms/*.json``), one per instrument and rater."""
    return [copy.deepcopy(n) for n in _norms()]
