"""The search parameters the sandbox supports, per resource type, and how each one matches."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ehr_sandbox.fhir.dates import date_matches, split_prefix, value_range
from ehr_sandbox.fhir.errors import BadRequest
from ehr_sandbox.fhir.references import parse_reference, values_at
from ehr_sandbox.fhir.resource import Resource


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "token" | "reference" | "date" | "string" | "uri" | "id"
    paths: tuple[str, ...]
    targets: tuple[str, ...] = ()  # reference params: the types they may point to


def _p(name: str, kind: str, *paths: str, targets: tuple[str, ...] = ()) -> Param:
    return Param(name, kind, paths, targets)


_COMMON = (_p("_id", "id", "id"), _p("_lastUpdated", "date", "meta.lastUpdated"),
           _p("_tag", "token", "meta.tag"))
_ANY = ("Patient", "Practitioner", "Organization", "Encounter", "Appointment",
        "QuestionnaireResponse", "Observation", "Provenance", "Questionnaire")
_PAT = ("Patient",)

SEARCH_PARAMS: dict[str, dict[str, Param]] = {
    rtype: {p.name: p for p in _COMMON + params}
    for rtype, params in {
        "Patient": (_p("identifier", "token", "identifier"), _p("name", "string", "name"),
                    _p("birthdate", "date", "birthDate")),
        "Practitioner": (_p("identifier", "token", "identifier"), _p("name", "string", "name")),
        "Organization": (_p("identifier", "token", "identifier"), _p("name", "string", "name")),
        "Encounter": (
            _p("patient", "reference", "subject", targets=_PAT),
            _p("subject", "reference", "subject", targets=_ANY),
            _p("date", "date", "period"), _p("status", "token", "status"),
            _p("appointment", "reference", "appointment", targets=("Appointment",)),
            _p("practitioner", "reference", "participant.individual", targets=("Practitioner",)),
        ),
        "Appointment": (
            _p("patient", "reference", "participant.actor", targets=_PAT),
            _p("actor", "reference", "participant.actor", targets=_ANY),
            _p("practitioner", "reference", "participant.actor", targets=("Practitioner",)),
            _p("date", "date", "start"), _p("status", "token", "status"),
        ),
        "QuestionnaireResponse": (
            _p("patient", "reference", "subject", targets=_PAT),
            _p("subject", "reference", "subject", targets=_ANY),
            _p("encounter", "reference", "encounter", targets=("Encounter",)),
            _p("author", "reference", "author", targets=_ANY),
            _p("questionnaire", "uri", "questionnaire"),
            _p("identifier", "token", "identifier"), _p("status", "token", "status"),
            _p("authored", "date", "authored"),
        ),
        "Observation": (
            _p("patient", "reference", "subject", targets=_PAT),
            _p("subject", "reference", "subject", targets=_ANY),
            _p("encounter", "reference", "encounter", targets=("Encounter",)),
            _p("code", "token", "code"), _p("category", "token", "category"),
            _p("derived-from", "reference", "derivedFrom", targets=_ANY),
            _p("identifier", "token", "identifier"), _p("status", "token", "status"),
            _p("date", "date", "effectiveDateTime", "effectivePeriod"),
        ),
        "Provenance": (
            _p("target", "reference", "target", targets=_ANY),
            _p("patient", "reference", "target", targets=_PAT),
            _p("agent", "reference", "agent.who", targets=_ANY),
            _p("recorded", "date", "recorded"),
        ),
        "Questionnaire": (
            _p("url", "uri", "url"), _p("status", "token", "status"),
            _p("version", "token", "version"), _p("identifier", "token", "identifier"),
        ),
    }.items()
}


def split_values(raw: str) -> list[str]:
    """Comma-separated alternatives (OR), honouring `\\,` escapes."""
    parts, current, escaped = [], "", False
    for char in raw:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def matches(param: Param, modifier: str, wanted: str, resource: Resource, fhir_base: str) -> bool:
    """Does one alternative of one parameter match the resource?"""
    values = [v for path in param.paths for v in values_at(resource, path)]
    if modifier == "missing":
        return (wanted == "true") == (not values)
    if param.kind == "id":
        return resource.get("id") == wanted
    if param.kind == "token":
        hit = any(_token_hit(wanted, v) for v in values)
        return not hit if modifier == "not" else hit
    if param.kind == "string":
        return any(_string_hit(wanted, v, modifier) for v in values)
    if param.kind == "uri":
        version = resource.get("version")
        return any(
            isinstance(v, str)
            and (wanted == v or wanted == v.split("|")[0] or wanted == f"{v}|{version}")
            for v in values
        )
    if param.kind == "date":
        prefix, wanted_range = split_prefix(wanted)
        return any(
            (r := value_range(v)) is not None and date_matches(prefix, wanted_range, r)
            for v in values
        )
    return any(_reference_hit(param, modifier, wanted, v, fhir_base) for v in values)


def _token_hit(wanted: str, value: object) -> bool:
    system, _, code = wanted.rpartition("|") if "|" in wanted else (None, "", wanted)
    if isinstance(value, dict) and "coding" in value:
        return any(_token_hit(wanted, c) for c in value["coding"] if isinstance(c, dict))
    if isinstance(value, dict):
        v_system = value.get("system")
        v_code = value.get("code", value.get("value"))
    else:
        v_system, v_code = None, value if isinstance(value, str | bool) else None
        v_code = str(v_code).lower() if isinstance(v_code, bool) else v_code
    if system is not None and (system or None) != v_system:
        return False
    return not code or code == v_code


def _string_hit(wanted: str, value: object, modifier: str) -> bool:
    if isinstance(value, dict):  # HumanName, Address: any string part
        parts = [value.get("text"), value.get("family"), *value.get("given", [])]
        return any(_string_hit(wanted, p, modifier) for p in parts if isinstance(p, str))
    if not isinstance(value, str):
        return False
    if modifier == "exact":
        return value == wanted
    if modifier == "contains":
        return wanted.casefold() in value.casefold()
    return value.casefold().startswith(wanted.casefold())


def _reference_hit(param: Param, modifier: str, wanted: str, value: object, base: str) -> bool:
    reference = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(reference, str):
        return False
    ref = parse_reference(reference, base)
    if ref is None:
        return reference == wanted
    types = (modifier,) if modifier else param.targets
    target = parse_reference(wanted, base)
    if target is not None:
        return target.type == ref.type and target.id == ref.id
    return ref.id == wanted and ref.type in types


def sort_key(param: Param, resource: Resource) -> tuple[int, float, str]:
    """Sort on the first value: dates by start, other kinds by text; missing values last."""
    for path in param.paths:
        for value in values_at(resource, path):
            if param.kind == "date":
                found = value_range(value)
                if found is not None:
                    start = found[0] if found[0] != -math.inf else found[1]
                    return (0, start, "")
            else:
                return (0, 0.0, str(value).casefold())
    return (1, 0.0, "")


def lookup(rtype: str, name: str) -> Param:
    param = SEARCH_PARAMS.get(rtype, {}).get(name)
    if param is None:
        raise BadRequest(f"unknown search parameter {name!r} for {rtype}")
    return param
