"""create, conditional create and update (with If-Match), shared by REST calls and bundles."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from ehr_sandbox.fhir.access import CREATE, UPDATE, Grant, bound_patient, require
from ehr_sandbox.fhir.errors import BadRequest, NotSupported, PreconditionFailed, operation_outcome
from ehr_sandbox.fhir.references import is_valid_id
from ehr_sandbox.fhir.search import find
from ehr_sandbox.fhir.store import Stored
from ehr_sandbox.fhir.validation import check_references

if TYPE_CHECKING:
    from ehr_sandbox.fhir.server import FhirRequest, FhirResponse, FhirServer

_ETAG = re.compile(r'\s*(?:W/)?"?(?P<version>[0-9]+)"?\s*')


def _body_for(server: FhirServer, request: FhirRequest, rtype: str) -> dict:
    body = request.body
    if not isinstance(body, dict) or "resourceType" not in body:
        raise BadRequest("the request body must be a FHIR resource in JSON")
    if body["resourceType"] != rtype:
        raise BadRequest(f"the body is a {body['resourceType']}, the URL names {rtype}")
    if rtype not in server.writable_types:
        raise NotSupported(f"this server does not accept writes of {rtype}")
    return body


def conditional_matches(server: FhirServer, rtype: str, query: str, grant: Grant) -> list[dict]:
    """The resources an If-None-Exist query (e.g. `identifier=sys|val`) finds."""
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise BadRequest(f"empty If-None-Exist query {query!r}")
    scope = server.scope_for(rtype, params, grant)
    return find(server.store, server.base, rtype, params, scope)


def written(server: FhirServer, request: FhirRequest, stored: Stored, status: int) -> FhirResponse:
    from ehr_sandbox.fhir.server import FhirResponse, version_headers

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


def create(server: FhirServer, request: FhirRequest, grant: Grant, *,
           assigned_id: str | None = None, defer_refs: bool = False) -> FhirResponse:
    rtype = request.path.strip("/").split("/")[0]
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


def update(server: FhirServer, request: FhirRequest, rid: str, grant: Grant, *,
           defer_refs: bool = False) -> FhirResponse:
    rtype = request.path.strip("/").split("/")[0]
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
