"""Checks on resources a client writes: structure (fhir.resources) and reference integrity."""

from __future__ import annotations

from functools import cache

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from ehr_sandbox.fhir.errors import BadRequest, Unprocessable
from ehr_sandbox.fhir.references import is_valid_id, iter_references, parse_reference
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.store import Store


@cache
def _model(rtype: str) -> type[FHIRAbstractModel] | None:
    # fhir.resources' R4B models match R4 for every type the sandbox accepts writes of.
    try:
        return get_fhir_model_class(rtype)
    except KeyError:
        return None


def validate_resource(resource: Resource) -> None:
    """Raise Unprocessable when the resource is not a valid FHIR R4 resource."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        raise BadRequest("the body is not a FHIR resource: resourceType is missing")
    if "id" in resource and not is_valid_id(resource["id"]):
        raise BadRequest(f"invalid resource id {resource['id']!r}", expression=f"{rtype}.id")
    model = _model(rtype)
    if model is None:
        raise Unprocessable(f"unknown resource type {rtype!r}")
    try:
        model.model_validate(resource)
    except ValidationError as err:
        first = err.errors()[0] if err.errors() else None
        where = ".".join(str(p) for p in first["loc"]) if first else None
        message = first["msg"] if first else str(err)
        raise Unprocessable(
            f"invalid {rtype}: {message}" + (f" at {where}" if where else ""),
            expression=f"{rtype}.{where}" if where else None,
        ) from err
    except ValueError as err:  # a model's own check, outside pydantic's error list
        raise Unprocessable(f"invalid {rtype}: {err}") from err


def check_references(store: Store, resource: Resource, fhir_base: str) -> None:
    """Every reference to this server must name a resource (and version) that exists."""
    rtype = resource.get("resourceType")
    for path, value in iter_references(resource):
        where = f"{rtype}.{path}"
        if value.startswith("#"):
            continue
        if value.startswith(("urn:uuid:", "urn:oid:")):
            raise BadRequest(f"unresolved reference {value!r} at {where}", expression=where)
        ref = parse_reference(value, fhir_base)
        if ref is None:
            continue  # an external or logical reference
        stored = (
            store.vread(ref.type, ref.id, ref.version)
            if ref.version is not None
            else store.read(ref.type, ref.id)
        )
        if stored is None or stored.deleted:
            raise BadRequest(f"{value} does not exist (referenced at {where})", expression=where)
