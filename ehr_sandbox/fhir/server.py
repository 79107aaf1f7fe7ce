"""The FHIR REST interactions, independent of Flask: a request in, a response out.

`FhirServer.handle` is what the blueprint and batch entries call; `dispatch` raises FhirError
instead of answering with an OperationOutcome, which is what a transaction needs to roll back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ehr_sandbox.fhir import writes
from ehr_sandbox.fhir.access import READ, SEARCH, Compartments, Grant, bound_patient, require
from ehr_sandbox.fhir.bundles import process_bundle
from ehr_sandbox.fhir.errors import (
    BadRequest,
    FhirError,
    Forbidden,
    Gone,
    NotFound,
    NotSupported,
    outcome_of,
)
from ehr_sandbox.fhir.messages import FhirRequest, FhirResponse, version_headers
from ehr_sandbox.fhir.references import is_valid_id, parse_reference
from ehr_sandbox.fhir.resource import Params, Resource
from ehr_sandbox.fhir.search import SearchScope, searchset
from ehr_sandbox.fhir.search_params import SEARCH_PARAMS
from ehr_sandbox.fhir.store import Store, Stored
from ehr_sandbox.fhir.validation import validate_resource

SUPPORTED_TYPES = frozenset(SEARCH_PARAMS)


class FhirServer:
    """The REST interactions over one store; a WriteTarget for writes.py, a BundleHost for
    bundles.py. `writable_types` may be narrowed while running (the CapabilityStatement and
    every write read it afresh)."""

    def __init__(
        self,
        store: Store,
        fhir_base: str,
        writable_types: frozenset[str],
        validate: Callable[[Resource], None] = validate_resource,
    ) -> None:
        self.store = store
        self.base = fhir_base
        self.writable_types = writable_types
        self.validate = validate
        self.compartments = Compartments(store, fhir_base)

    def handle(self, request: FhirRequest, grant: Grant) -> FhirResponse:
        try:
            return self.dispatch(request, grant)
        except FhirError as err:
            return FhirResponse(err.status, outcome_of(err))

    def dispatch(self, request: FhirRequest, grant: Grant) -> FhirResponse:
        parts = [p for p in request.path.split("/") if p]
        method = request.method
        if not parts:
            if method == "POST":
                return process_bundle(self, request, grant)
            raise NotSupported("system-level search and history are not supported")
        rtype = parts[0]
        if rtype not in SUPPORTED_TYPES:
            raise NotFound(f"resource type {rtype!r} is not supported by this server")
        if len(parts) == 1 and method == "GET":
            return self.search(rtype, request.params, request.headers, grant)
        if len(parts) == 1 and method == "POST":
            return writes.create(self, request, grant)
        if len(parts) == 2 and parts[1] == "_search" and method in ("GET", "POST"):
            return self.search(rtype, request.params, request.headers, grant)
        if not is_valid_id(parts[1]):
            raise BadRequest(f"invalid resource id {parts[1]!r}")
        if len(parts) == 2 and method == "GET":
            return self.read(rtype, parts[1], grant)
        if len(parts) == 2 and method == "PUT":
            return writes.update(self, request, parts[1], grant)
        if len(parts) == 3 and parts[2] == "_history" and method == "GET":
            return self.history(rtype, parts[1], grant)
        if len(parts) == 4 and parts[2] == "_history" and method == "GET":
            if not parts[3].isdigit():
                raise NotFound(f"no version {parts[3]!r} of {rtype}/{parts[1]}")
            return self.read(rtype, parts[1], grant, version=int(parts[3]))
        raise NotSupported(f"{method} {request.path} is not a supported interaction")

    # -- reads ---------------------------------------------------------------------------------

    def read(self, rtype: str, rid: str, grant: Grant, version: int | None = None) -> FhirResponse:
        require(grant, rtype, READ)
        stored = (
            self.store.read(rtype, rid)
            if version is None
            else self.store.vread(rtype, rid, version)
        )
        if stored is None:
            what = f"{rtype}/{rid}" + (f"/_history/{version}" if version else "")
            raise NotFound(f"{what} is not known")
        if stored.deleted:
            raise Gone(f"{rtype}/{rid} was deleted")
        self.compartments.require_inside(bound_patient(grant), stored.resource or {}, "read")
        return FhirResponse(200, stored.resource, version_headers(stored))

    def history(self, rtype: str, rid: str, grant: Grant) -> FhirResponse:
        require(grant, rtype, READ)
        versions = self.store.history(rtype, rid)
        if not versions:
            raise NotFound(f"{rtype}/{rid} is not known")
        current = self.store.read(rtype, rid)
        last = current.resource if current and current.resource else versions[-1].resource
        self.compartments.require_inside(bound_patient(grant), last or {}, "read")
        entries = [self._history_entry(stored) for stored in versions]
        return FhirResponse(200, {
            "resourceType": "Bundle",
            "type": "history",
            "total": len(entries),
            "link": [{"relation": "self", "url": f"{self.base}/{rtype}/{rid}/_history"}],
            "entry": entries,
        })

    def _history_entry(self, stored: Stored) -> Resource:
        url = f"{stored.type}/{stored.id}"
        if stored.deleted:
            method, status = "DELETE", "204 No Content"
        elif stored.version == 1:
            method, status = "POST", "201 Created"
        else:
            method, status = "PUT", "200 OK"
        entry: Resource = {"fullUrl": f"{self.base}/{url}"}
        if stored.resource is not None:
            entry["resource"] = stored.resource
        entry["request"] = {"method": method, "url": url if method != "POST" else stored.type}
        entry["response"] = {
            "status": status, "etag": stored.etag, "lastModified": stored.last_updated,
        }
        return entry

    def search(self, rtype: str, params: Params, headers: Mapping[str, str],
               grant: Grant) -> FhirResponse:
        require(grant, rtype, SEARCH)
        scope = self.scope_for(rtype, params, grant)
        lenient = "handling=lenient" in headers.get("prefer", "").replace(" ", "")
        bundle = searchset(self.store, self.base, rtype, params, scope, lenient)
        return FhirResponse(200, bundle)

    def scope_for(self, rtype: str, params: Params, grant: Grant) -> SearchScope:
        """The caller's view; refuse a search that names a patient outside a bound grant."""
        patient = bound_patient(grant)
        if patient is not None:
            for key, raw in params:
                name = key.partition(":")[0]
                if name == "patient" or (rtype == "Patient" and name == "_id"):
                    for alt in raw.split(","):
                        ref = parse_reference(alt, self.base)
                        if (ref.id if ref else alt) != patient:
                            raise Forbidden("the search names a patient outside the launch")

        def visible(resource: Resource) -> bool:
            rtype = resource["resourceType"]
            if not (grant.allows(rtype, READ) or grant.allows(rtype, SEARCH)):
                return False
            return self.compartments.visible(patient, resource)

        return SearchScope(patient, visible)
