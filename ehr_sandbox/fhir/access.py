"""Who may do what: SMART scopes (via the grant) and the patient compartment of patient/ scopes."""

from __future__ import annotations

from typing import Protocol

from ehr_sandbox.fhir.compartment import in_compartment_type, patient_of
from ehr_sandbox.fhir.errors import Forbidden
from ehr_sandbox.fhir.references import LocalRef
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.store import Store

# The SMART v2 interaction letters; v1 ".read"/".write" map onto them in the grant.
READ, SEARCH, CREATE, UPDATE = "r", "s", "c", "u"


class Grant(Protocol):
    """What the FHIR server needs of ehr_sandbox.auth.AccessGrant."""

    @property
    def patient(self) -> str | None: ...

    @property
    def scopes(self) -> frozenset[str]: ...

    def allows(self, resource_type: str, interaction: str) -> bool: ...


def bound_patient(grant: Grant) -> str | None:
    """The patient a grant is confined to: set only when every resource scope is patient/."""
    resource_scopes = [s for s in grant.scopes if "/" in s]
    if grant.patient and resource_scopes and all(s.startswith("patient/") for s in resource_scopes):
        return grant.patient
    return None


def require(grant: Grant, rtype: str, interaction: str) -> None:
    if not grant.allows(rtype, interaction):
        names = {READ: "read", SEARCH: "search", CREATE: "create", UPDATE: "update"}
        raise Forbidden(f"the access token does not permit {names[interaction]} of {rtype}")


class Compartments:
    """Decides whether a resource lies in the patient compartment a grant is bound to."""

    def __init__(self, store: Store, fhir_base: str) -> None:
        self._store = store
        self._base = fhir_base

    def patient_of(self, resource: Resource) -> str | None:
        def resolve(ref: LocalRef) -> str | None:
            return self._store.patient_of(ref.type, ref.id)

        return patient_of(resource, self._base, resolve)

    def visible(self, patient: str | None, resource: Resource) -> bool:
        if patient is None or not in_compartment_type(resource.get("resourceType", "")):
            return True
        return self.patient_of(resource) == patient

    def require_inside(self, patient: str | None, resource: Resource, verb: str) -> None:
        if not self.visible(patient, resource):
            rtype = resource.get("resourceType")
            raise Forbidden(f"cannot {verb} {rtype} outside the patient compartment of the launch")
