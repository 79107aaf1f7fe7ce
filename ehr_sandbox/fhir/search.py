"""Type-level search: filter, sort, page, _include/_revinclude, and the searchset Bundle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from ehr_sandbox.fhir.compartment import in_compartment_type
from ehr_sandbox.fhir.errors import BadRequest
from ehr_sandbox.fhir.references import parse_reference, reference_values
from ehr_sandbox.fhir.resource import Params, Resource
from ehr_sandbox.fhir.search_params import Param, lookup, matches, sort_key, split_values
from ehr_sandbox.fhir.store import Store

DEFAULT_COUNT, MAX_COUNT = 50, 500
_IGNORED = {"_format", "_pretty", "_elements", "_total"}
_CONTROL = {"_count", "_offset", "_sort", "_include", "_revinclude", "_summary"}

# One search criterion: the parameter, its modifier, and the values any of which may match.
Criterion = tuple[Param, str, list[str]]


@dataclass(frozen=True)
class SearchScope:
    """What the caller may see: the patient it is bound to, and a per-resource check."""

    patient: str | None
    visible: Callable[[Resource], bool]


def parse_criteria(rtype: str, params: Params, lenient: bool) -> list[Criterion]:
    """[(Param, modifier, [alternatives])]; unknown parameters are an error unless lenient."""
    criteria = []
    for key, raw in params:
        if key in _IGNORED or key in _CONTROL:
            continue
        name, _, modifier = key.partition(":")
        try:
            param = lookup(rtype, name)
        except BadRequest:
            if lenient:
                continue
            raise
        criteria.append((param, modifier, split_values(raw)))
    return criteria


def find(store: Store, base: str, rtype: str, params: Params, scope: SearchScope,
         lenient: bool = False) -> list[Resource]:
    """All matches, sorted; no paging."""
    criteria = parse_criteria(rtype, params, lenient)
    patient = scope.patient if in_compartment_type(rtype) else None
    if patient is None and rtype != "Provenance":
        patient = _narrowing_patient(criteria, base)
    found = [
        r for r in store.scan(rtype, patient)
        if all(any(matches(p, m, alt, r, base) for alt in alts) for p, m, alts in criteria)
        and scope.visible(r)
    ]
    for raw in reversed([v for k, v in params if k == "_sort"]):
        for field in reversed(raw.split(",")):
            descending = field.startswith("-")
            param = lookup(rtype, field.lstrip("-"))
            keyed = [(sort_key(param, r), r) for r in found]
            present = [pair for pair in keyed if pair[0][0] == 0]
            present.sort(key=lambda pair: pair[0], reverse=descending)
            found = [r for _, r in present] + [r for k, r in keyed if k[0] == 1]
    return found


def _narrowing_patient(criteria: list[Criterion], base: str) -> str | None:
    for param, modifier, alts in criteria:
        if len(alts) != 1 or param.kind != "reference" or modifier not in ("", "Patient"):
            continue
        if param.name == "patient" or (param.name == "subject" and modifier == "Patient"):
            ref = parse_reference(alts[0], base)
            return ref.id if ref else alts[0]
        if param.name == "subject" and (ref := parse_reference(alts[0], base)):
            if ref.type == "Patient":
                return ref.id
    return None


def page_size(params: Params) -> int:
    """The page size `_count` asks for (DEFAULT_COUNT without one), at most MAX_COUNT."""
    raw = next((v for k, v in params if k == "_count"), str(DEFAULT_COUNT))
    if not raw.isdigit():
        raise BadRequest(f"_count must be a non-negative integer, not {raw!r}")
    return min(int(raw), MAX_COUNT)


def _offset_of(params: Params) -> int:
    raw = next((v for k, v in params if k == "_offset"), "0")
    if not raw.isdigit():
        raise BadRequest(f"_offset must be a non-negative integer, not {raw!r}")
    return int(raw)


def searchset(store: Store, base: str, rtype: str, params: Params, scope: SearchScope,
              lenient: bool = False) -> Resource:
    found = find(store, base, rtype, params, scope, lenient)
    count, offset = page_size(params), _offset_of(params)
    summary_count = any(k == "_summary" and v == "count" for k, v in params)
    page = [] if summary_count else found[offset : offset + count]
    entries = [_entry(base, r, "match") for r in page]
    included = _includes(store, base, rtype, params, page, scope)
    entries += [_entry(base, r, "include") for r in included]
    kept = [(k, v) for k, v in params if k != "_offset"]
    links = [{"relation": "self", "url": _page_url(base, rtype, kept, offset)}]
    if not summary_count and count and offset + count < len(found):
        links.append({"relation": "next", "url": _page_url(base, rtype, kept, offset + count)})
    if not summary_count and count and offset > 0:
        previous = max(offset - count, 0)
        links.append({"relation": "previous", "url": _page_url(base, rtype, kept, previous)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": links,
        "entry": entries,
    }


def _page_url(base: str, rtype: str, params: Params, offset: int) -> str:
    query = params + ([("_offset", str(offset))] if offset else [])
    return f"{base}/{rtype}" + (f"?{urlencode(query)}" if query else "")


def _entry(base: str, resource: Resource, mode: str) -> Resource:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _includes(store: Store, base: str, rtype: str, params: Params, page: list[Resource],
              scope: SearchScope) -> list[Resource]:
    seen = {(r["resourceType"], r["id"]) for r in page}
    out: list[Resource] = []

    def add(resource: Resource) -> None:
        key = (resource["resourceType"], resource["id"])
        if key not in seen and scope.visible(resource):
            seen.add(key)
            out.append(resource)

    for key, raw in params:
        if key not in ("_include", "_revinclude", "_include:iterate", "_revinclude:iterate"):
            continue
        source, _, rest = raw.partition(":")
        name, _, target_type = rest.partition(":")
        param = lookup(source, name)
        if param.kind != "reference":
            raise BadRequest(f"{raw!r} is not a reference search parameter")
        if key.startswith("_include"):
            if source != rtype:
                continue
            for resource in page:
                for path in param.paths:
                    for value in reference_values(resource, path):
                        ref = parse_reference(value, base)
                        if ref and (not target_type or ref.type == target_type):
                            stored = store.read(ref.type, ref.id)
                            if stored and stored.resource:
                                add(stored.resource)
        else:
            wanted = {f"{r['resourceType']}/{r['id']}" for r in page if r["resourceType"] == rtype}
            if not wanted:
                continue
            patient = scope.patient if in_compartment_type(source) else None
            for candidate in store.scan(source, patient):
                refs = (parse_reference(v, base) for p in param.paths
                        for v in reference_values(candidate, p))
                if any(ref and ref.relative in wanted for ref in refs):
                    add(candidate)
    return out
