"""batch and transaction Bundles posted to the FHIR base.

A batch runs each entry on its own. A transaction is all or nothing: ids are assigned to the
new resources first, `urn:uuid:` fullUrls are rewritten to them wherever they are referenced
(to the version the transaction makes where the reference asks so with FHIR's
resolve-as-version-specific extension),
entries run in the order the specification gives (POST, PUT, GET), references are checked once
every write is done, and any failure rolls the whole bundle back.

The server hands itself in as a `BundleHost` (a WriteTarget that can also run one request), so
this module never imports the server that calls it.
"""

from __future__ import annotations

import copy
from typing import Protocol

from ehr_sandbox.fhir import writes
from ehr_sandbox.fhir.access import Grant
from ehr_sandbox.fhir.errors import BadRequest, FhirError, PreconditionFailed, outcome_of
from ehr_sandbox.fhir.messages import FhirRequest, FhirResponse
from ehr_sandbox.fhir.references import iter_references, parse_reference, rewrite_references
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.validation import check_references

_STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
                403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone",
                412: "Precondition Failed", 422: "Unprocessable Entity"}
RESOLVE_AS_VERSION_SPECIFIC = "http://hl7.org/fhir/StructureDefinition/resolve-as-version-specific"
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
# One Bundle entry: its index, the entry as sent, and its request.
Entry = tuple[int, Resource, FhirRequest]


class BundleHost(writes.WriteTarget, Protocol):
    """What a bundle needs of the FHIR server: the writes' needs, and running one request."""

    def handle(self, request: FhirRequest, grant: Grant) -> FhirResponse:
        """Answer a request, errors as an OperationOutcome response."""
        ...

    def dispatch(self, request: FhirRequest, grant: Grant) -> FhirResponse:
        """Answer a request; raises FhirError."""
        ...


def process_bundle(server: BundleHost, request: FhirRequest, grant: Grant) -> FhirResponse:
    bundle = request.body
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BadRequest("POST to the FHIR base takes a batch or transaction Bundle")
    kind = bundle.get("type")
    if kind not in ("batch", "transaction"):
        raise BadRequest(f"Bundle.type must be batch or transaction, not {kind!r}")
    entries = [_entry_request(i, e, server.base) for i, e in enumerate(bundle.get("entry") or [])]
    if kind == "batch":
        results = [_run_batch_entry(server, req, grant) for req in entries]
    else:
        results = _run_transaction(server, entries, grant)
    return FhirResponse(200, {
        "resourceType": "Bundle",
        "type": f"{kind}-response",
        "entry": [_response_entry(server, r) for r in results],
    })


def _entry_request(index: int, entry: object, base: str) -> Entry:
    if not isinstance(entry, dict):
        raise BadRequest(f"Bundle.entry[{index}] must be an object")
    request = entry.get("request")
    if not isinstance(request, dict) or not request.get("method") or not request.get("url"):
        raise BadRequest(f"Bundle.entry[{index}] needs request.method and request.url")
    headers = {
        name: request[key]
        for key, name in (("ifMatch", "if-match"), ("ifNoneExist", "if-none-exist"))
        if isinstance(request.get(key), str)
    }
    resource = entry.get("resource")
    body = copy.deepcopy(resource) if isinstance(resource, dict) else None
    req = FhirRequest.from_url(str(request["method"]), str(request["url"]), base, headers, body)
    return index, entry, req


def _run_batch_entry(server: BundleHost, entry: Entry, grant: Grant) -> FhirResponse:
    _, _, req = entry
    if not req.path:
        return _error_response(BadRequest("a batch entry cannot itself be a Bundle"))
    return server.handle(req, grant)


def _error_response(err: FhirError) -> FhirResponse:
    return FhirResponse(err.status, outcome_of(err))


def _run_transaction(server: BundleHost, entries: list[Entry],
                     grant: Grant) -> list[FhirResponse]:
    for index, _, req in entries:
        if req.method not in ("POST", "PUT", "GET"):
            raise BadRequest(f"entry {index}: {req.method} is not supported in a transaction")
        if not req.path:
            raise BadRequest(f"entry {index}: a transaction entry cannot itself be a Bundle")
    results: dict[int, FhirResponse] = {}
    with server.store.atomic():
        ids = _assign_ids(server, entries, grant)
        versions = _versions_made(server, entries, ids)
        for _, _entry, req in entries:
            if req.body is not None:
                _resolve_version_specific(req.body, ids, versions)
                rewrite_references(req.body, lambda v: ids.get(v))
            for old, new in ids.items():
                req.params = [(k, v.replace(old, new)) for k, v in req.params]
        written: list[tuple[int, Resource | None]] = []
        for index, entry, req in _in_processing_order(entries, server.base):
            try:
                response = _run_transaction_entry(server, entry, req, ids, grant)
            except FhirError as err:
                err.message = f"transaction failed at entry {index}: {err.message}"
                raise
            results[index] = response
            if response.status == 201 or req.method == "PUT":
                written.append((index, response.body))
        for index, body in written:
            if body is not None:
                try:
                    check_references(server.store, body, server.base)
                except FhirError as err:
                    err.message = f"transaction failed at entry {index}: {err.message}"
                    raise
    return [results[index] for index, _, _ in entries]  # every entry ran, in the Bundle's order


def _assign_ids(server: BundleHost, entries: list[Entry], grant: Grant) -> dict[str, str]:
    """fullUrl -> Type/id for every entry that creates or updates a resource."""
    ids: dict[str, str] = {}
    for index, entry, req in entries:
        full_url = entry.get("fullUrl")
        if req.method not in ("POST", "PUT") or not isinstance(full_url, str):
            continue
        if full_url in ids:
            raise BadRequest(f"entry {index}: fullUrl {full_url} appears twice")
        rtype = req.path.split("/")[0]
        if req.method == "PUT":
            ids[full_url] = req.path
            continue
        condition = req.headers.get("if-none-exist")
        found = writes.conditional_matches(server, rtype, condition, grant) if condition else []
        if len(found) > 1:
            raise PreconditionFailed(f"entry {index}: If-None-Exist matches {len(found)}")
        new_id = found[0]["id"] if found else server.store.new_id()
        req.assigned_id = new_id
        ids[full_url] = f"{rtype}/{new_id}"
    return ids


def _versions_made(server: BundleHost, entries: list[Entry],
                   ids: dict[str, str]) -> dict[str, int]:
    """fullUrl -> the version the transaction leaves its resource at: 1 for a new one, the
    current one for a conditional create that matched, the next one for an update."""
    versions: dict[str, int] = {}
    for _, entry, req in entries:
        full_url = entry.get("fullUrl")
        if not isinstance(full_url, str) or full_url not in ids:
            continue
        rtype, rid = ids[full_url].split("/", 1)
        current = server.store.read(rtype, rid)
        version = current.version if current is not None else 0
        versions[full_url] = version + 1 if req.method == "PUT" or current is None else version
    return versions


def _resolve_version_specific(node: object, ids: dict[str, str],
                              versions: dict[str, int]) -> None:
    """A reference to an entry that carries FHIR's resolve-as-version-specific extension becomes
    `Type/id/_history/n`, n the version this transaction makes, and loses the extension (as
    the specification asks of a server that supports it)."""
    if isinstance(node, dict):
        target = node.get("reference")
        marks = [e for e in node.get("extension") or []
                 if isinstance(e, dict) and e.get("url") == RESOLVE_AS_VERSION_SPECIFIC]
        if isinstance(target, str) and target in ids and target in versions and marks:
            node["reference"] = f"{ids[target]}/_history/{versions[target]}"
            kept = [e for e in node["extension"] if e not in marks]
            if kept:
                node["extension"] = kept
            else:
                del node["extension"]
        for value in node.values():
            _resolve_version_specific(value, ids, versions)
    elif isinstance(node, list):
        for value in node:
            _resolve_version_specific(value, ids, versions)


def _in_processing_order(entries: list[Entry], base: str) -> list[Entry]:
    """By method as the specification orders them; a POST after the POSTs it references."""
    by_method = sorted(entries, key=lambda e: _ORDER.get(e[2].method, 9))
    posts = [e for e in by_method if e[2].method == "POST"]
    targets = {f"{e[2].path.split('/')[0]}/{e[2].assigned_id}": e for e in posts}
    ordered: list[Entry] = []
    visiting: set[int] = set()

    def visit(entry: Entry) -> None:
        if entry[0] in visiting:
            return
        visiting.add(entry[0])
        for _, value in iter_references(entry[2].body or {}):
            ref = parse_reference(value, base)
            if ref and ref.relative in targets:
                visit(targets[ref.relative])
        ordered.append(entry)

    for entry in posts:
        visit(entry)
    return ordered + [e for e in by_method if e[2].method != "POST"]


def _run_transaction_entry(server: BundleHost, entry: Resource, req: FhirRequest,
                           ids: dict[str, str], grant: Grant) -> FhirResponse:
    if req.method == "POST":
        return writes.create(server, req, grant, assigned_id=req.assigned_id, defer_refs=True)
    if req.method == "PUT":
        rid = req.path.split("/")[1] if "/" in req.path else ""
        return writes.update(server, req, rid, grant, defer_refs=True)
    return server.dispatch(req, grant)  # a failing read fails the transaction too


def _response_entry(server: BundleHost, response: FhirResponse) -> Resource:
    status = f"{response.status} {_STATUS_TEXT.get(response.status, '')}".strip()
    result: Resource = {"status": status}
    if "Location" in response.headers:
        result["location"] = response.headers["Location"]
    if "ETag" in response.headers:
        result["etag"] = response.headers["ETag"]
    if response.body is not None and response.body.get("resourceType") == "OperationOutcome":
        result["outcome"] = response.body
        return {"response": result}
    if response.body is not None and "Location" in response.headers:
        result["lastModified"] = response.body.get("meta", {}).get("lastUpdated")
    entry: Resource = {"response": result}
    if response.body is not None:
        rtype, rid = response.body.get("resourceType"), response.body.get("id")
        if rid:
            entry["fullUrl"] = f"{server.base}/{rtype}/{rid}"
        entry["resource"] = response.body
    return entry
