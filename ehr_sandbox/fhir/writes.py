"""create, conditional create and update (with If-Match), shared by REST calls and bundles.

Each function takes the server it writes to as a `WriteTarget`: the few things a write needs
(store, base, accepted types, validator, compartments, the caller's search scope). FhirServer is
one; this module does not import it, so the server can import the writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl

from ehr_sandbox.fhir.access import CREATE, UPDATE, Compartments, Grant, bound_patient, require
from ehr_sandbox.fhir.errors import BadRequest, NotSupported, PreconditionFailed, operation_outcome
from ehr_sandbox.fhir.messages import FhirRequest, FhirResponse, version_headers
from ehr_sandbox.fhir.references import is_valid_id
from ehr_sandbox.fhir.resource import Params, Resource
from ehr_sandbox.fhir.search import SearchScope, find
from ehr_sandbox.fhir.store import Store, Stored
from ehr_sandbox.fhir.validation import check_references

_ETAG = re.compile(r'\s*(?:W/)?"?(?P<version>[0-9]+)"?\s*')


class WriteTarget(Protocol):
    """What a write needs of the FHIR server (ehr_sandbox.fhir.server.FhirServer)."""

    store: Store
    base: str
    writable_types: frozenset[str]  # read at each write: tests narrow it on a running server
    validate: Callable[[Resource], None]
    compartments: Compartments

    def scope_for(self, rtype: str, params: Params, grant: Grant) -> SearchScope: ...


def _body_for(server: WriteTarget, request: FhirRequest, rtype: str) -> Resource:
    body = request.body
    if not isinstance(body, dict) or "resourceType" not in body:
        raise BadRequest("the request body must be a FHIR resource in JSON")
    if body["resourceType"] != rtype:
        raise BadRequest(f"the body is a {body['resourceType']}, the URL names {rtype}")
    if rtype not in server.writable_types:
        raise NotSupported(f"this server does not accept writes of {rtype}")
    return body


def conditional_matches(server: WriteTarget, rtype: str, query: str,
                        grant: Grant) -> list[Resource]:
    """The resources an If-None-Exist query (e.g. `identifier=sys|val`) finds."""
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise BadRequest(f"empty If-None-Exist query {query!r}")
    scope = server.scope_for(rtype, params, grant)
    return find(server.store, server.base, rtype, params, scope)


def written(server: WriteTarget, request: FhirRequest, stored: Stored,
            status: int) -> FhirResponse:
    headers = version_headers(stored)
    headers["Location"] = f"{server.base}/{stored.type}/{stored.id}/_history/{stored.version}"
    prefer = request.headers.get("prefer", "").replace(" ", "")
    if "return=minimal" in prefer:
        return FhirResponse(status, None, headers)
    if "return=OperationOutcome" in prefer:
        text = f"{stored.type}/{stored.id} version {stored.version} stored"
        return FhirResponse(status, operation_outcome(text, code="informational",
                                                      severity="information"), headers)
    return FhirResponse(status, stored.resource, headers)


def create(server: WriteTarget, request: FhirRequest, grant: Grant, *,
           assigned_id: str | None = None, defer_refs: bool = False) -> FhirResponse:
    rtype = request.resource_type
    require(grant, rtype, CREATE)
    body = _body_for(server, request, rtype)
    condition = request.headers.get("if-none-exist")
    if condition:
        existing = conditional_matches(server, rtype, condition, grant)
        if len(existing) > 1:
            raise PreconditionFailed(f"If-None-Exist {condition!r} matches {len(existing)}")
        if existing:
            stored = server.store.read(rtype, existing[0]["id"])
            assert stored is not None
            return written(server, request, stored, 200)
    resource = {k: v for k, v in body.items() if k != "id"}
    server.validate(resource)
    patient = server.compartments.patient_of(resource)
    server.compartments.require_inside(bound_patient(grant), resource, "create")
    if not defer_refs:
        check_references(server.store, resource, server.base)
    if assigned_id is not None:
        resource["id"] = assigned_id
    stored = server.store.create(resource, patient=patient, keep_id=assigned_id is not None)
    return written(server, request, stored, 201)


def update(server: WriteTarget, request: FhirRequest, rid: str, grant: Grant, *,
           defer_refs: bool = False) -> FhirResponse:
    rtype = request.resource_type
    require(grant, rtype, UPDATE)
    body = _body_for(server, request, rtype)
    if body.get("id") != rid:
        raise BadRequest(f"the body's id {body.get('id')!r} must equal the URL's id {rid!r}")
    if not is_valid_id(rid):
        raise BadRequest(f"invalid resource id {rid!r}")
    current = server.store.read(rtype, rid)
    bound = bound_patient(grant)
    if current is not None and current.resource is not None:
        server.compartments.require_inside(bound, current.resource, "update")
    expected = request.headers.get("if-match")
    if expected:
        match = _ETAG.fullmatch(expected)
        if match is None:
            raise BadRequest(f"If-Match must be an ETag like W/\"3\", not {expected!r}")
        if current is None or current.deleted or current.version != int(match["version"]):
            have = f"W/\"{current.version}\"" if current else "none"
            raise PreconditionFailed(f"If-Match {expected} does not match the current {have}")
    server.validate(body)
    server.compartments.require_inside(bound, body, "update")
    if not defer_refs:
        check_references(server.store, body, server.base)
    patient = server.compartments.patient_of(body)
    stored = server.store.update(body, patient=patient)
    created = current is None or current.deleted
    return written(server, request, stored, 201 if created else 200)
