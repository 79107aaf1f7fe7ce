"""References inside resources: find them, parse them, rewrite them, and the id rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ehr_sandbox.fhir.resource import Resource

ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_LOCAL = re.compile(
    r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/(?P<version>[0-9]+))?"
)

_EXTERNAL_PATIENT = re.compile(r"https?://[^\s|?#]+/Patient/[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class LocalRef:
    type: str
    id: str
    version: int | None = None

    @property
    def relative(self) -> str:
        return f"{self.type}/{self.id}"


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def parse_reference(reference: str, fhir_base: str) -> LocalRef | None:
    """`Type/id[/_history/v]`, relative or under fhir_base; None for anything else."""
    if reference.startswith(fhir_base + "/"):
        reference = reference[len(fhir_base) + 1 :]
    match = _LOCAL.fullmatch(reference)
    if match is None:
        return None
    version = match.group("version")
    return LocalRef(match.group("type"), match.group("id"), int(version) if version else None)


def external_patient(reference: str, fhir_base: str) -> str | None:
    """An absolute reference to a Patient on another server (a companion store's records point
    at the EHR's patient so), without any `_history` part; None for anything else."""
    if reference.startswith(fhir_base + "/"):
        return None
    reference = reference.split("/_history/")[0]
    return reference if _EXTERNAL_PATIENT.fullmatch(reference) else None


def iter_references(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (element path, reference string) for every Reference.reference in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key == "reference" and isinstance(value, str):
                yield path, value
            elif key != "contained":
                yield from iter_references(value, child)
    elif isinstance(node, list):
        for item in node:
            yield from iter_references(item, path)


def rewrite_references(node: object, replace: Callable[[str], str | None]) -> None:
    """Replace, in place, each Reference.reference for which `replace` returns a string."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                new = replace(value)
                if new is not None:
                    node[key] = new
            else:
                rewrite_references(value, replace)
    elif isinstance(node, list):
        for item in node:
            rewrite_references(item, replace)


def values_at(resource: Resource, path: str) -> list[Any]:
    """The values at a dotted element path, lists flattened (a tiny FHIRPath subset)."""
    nodes: list[Any] = [resource]
    for part in path.split("."):
        found: list[Any] = []
        for node in nodes:
            value = node.get(part) if isinstance(node, dict) else None
            if isinstance(value, list):
                found.extend(value)
            elif value is not None:
                found.append(value)
        nodes = found
    return nodes


def reference_values(resource: Resource, path: str) -> list[str]:
    """The reference strings of the Reference elements at a dotted path."""
    return [
        n["reference"]
        for n in values_at(resource, path)
        if isinstance(n, dict) and isinstance(n.get("reference"), str)
    ]
