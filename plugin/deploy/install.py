"""`alliance install --fhir URL`: load the fhir_profiles package into a FHIR server, idempotently.

Each conformance resource is matched on the server by its canonical ``url`` and ``version``:
one match is updated in place (or left alone when nothing but server metadata differs), no match
is created (under the package's id when that id is free, else under a server-assigned id, so an
older version of the same canonical resource is never overwritten), several matches are
reported. Run twice, it leaves one copy of each resource. Each shipped version of a Questionnaire
goes in (the earlier ones from fhir_profiles/previous/, after the current one, which so takes the
package's id on a fresh server), so every response on the server finds the form it names.
Terminology goes first, then profiles, then Questionnaires, then the rest, so a server that
validates on write can resolve references.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import fhir_profiles
from plugin.deploy.errors import InstallRefused
from plugin.fhir.errors import FhirError, FhirNotFound

BALP_STANDINS = fhir_profiles.PACKAGE_DIR / "balp"
ORDER = {"CodeSystem": 0, "ValueSet": 1, "StructureDefinition": 2, "Questionnaire": 3}
SERVER_FIELDS = ("id", "meta", "text")


Resource = dict[str, Any]


class WritableFhir(Protocol):
    def search(self, resource_type: str,
               params: Mapping[str, str] | None = None) -> list[Resource]: ...

    def read(self, resource_type: str, resource_id: str) -> Resource: ...

    def create(self, resource: Mapping[str, Any], *,
               if_none_exist: str | None = None) -> Resource: ...

    def update(self, resource: Mapping[str, Any], *, if_match: str | None = None) -> Resource: ...


@dataclass(frozen=True)
class Installed:
    reference: str  # "StructureDefinition/alliance-provenance"
    canonical: str  # "url|version"
    action: str  # "created", "updated", "unchanged"


def package_resources(with_balp_standins: bool = False) -> list[dict[str, Any]]:
    """The package's resources in install order, earlier Questionnaire versions included (and
    the BALP stand-ins when asked)."""
    resources = fhir_profiles.load_resources() + fhir_profiles.previous_versions()
    if with_balp_standins:
        resources += [_read(p) for p in sorted(BALP_STANDINS.glob("*.json"))]
    return sorted(resources, key=lambda r: ORDER.get(r["resourceType"], 9))


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _content(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in SERVER_FIELDS}


def install_resource(fhir: WritableFhir, resource: Mapping[str, Any]) -> Installed:
    """Create or update one conformance resource, matched by canonical url and version."""
    kind, url, version = resource["resourceType"], resource["url"], resource.get("version")
    canonical = f"{url}|{version}" if version else url
    params = {"url": url, **({"version": version} if version else {})}
    try:
        matches = [m for m in fhir.search(kind, params)
                   if m.get("url") == url and m.get("version") == version]
        if len(matches) > 1:
            ids = ", ".join(f"{kind}/{m.get('id')}" for m in matches)
            raise InstallRefused(f"{canonical} is on the server {len(matches)} times ({ids}); "
                                 "remove the extra copies, then run install again")
        if matches:
            found = matches[0]
            reference = f"{kind}/{found['id']}"
            if _content(found) == _content(resource):
                return Installed(reference, canonical, "unchanged")
            fhir.update({**resource, "id": found["id"]})
            return Installed(reference, canonical, "updated")
        if resource.get("id") and _id_is_free(fhir, kind, str(resource["id"])):
            fhir.update(dict(resource))
            return Installed(f"{kind}/{resource['id']}", canonical, "created")
        created = fhir.create({k: v for k, v in resource.items() if k != "id"})
        return Installed(f"{kind}/{created.get('id')}", canonical, "created")
    except FhirError as err:
        issues = "; ".join(str(i.get("diagnostics", "")) for i in err.issues[:3])
        raise InstallRefused(f"{canonical}: {err.message}"
                             + (f" ({issues})" if issues else "")) from err


def _id_is_free(fhir: WritableFhir, kind: str, resource_id: str) -> bool:
    try:
        fhir.read(kind, resource_id)
    except FhirNotFound:
        return True
    return False


def install_package(fhir: WritableFhir,
                    resources: Iterable[Mapping[str, Any]]) -> list[Installed]:
    """Install every resource in order; stops at the first the server refuses."""
    return [install_resource(fhir, r) for r in resources]
