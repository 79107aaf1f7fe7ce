"""An in-memory FHIR server behind the fake transport (tests/support/fake_http.py): read, vread
history, search on the few parameters the audit and install tools use, create and update with
versions. Enough FHIR to test those tools' logic; the interop tier runs them against HAPI."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.fake_http import FakeTransport, fake_session

OUTCOME_404 = {"resourceType": "OperationOutcome", "issue": [{"severity": "error",
                                                              "code": "not-found"}]}


class MemoryFhir:
    def __init__(self, base: str = "https://fhir.example.org/r4") -> None:
        self.base = base
        self.versions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.writes: list[str] = []
        self._ids = itertools.count(1)
        self.session, self.transport = fake_session()
        for method in ("GET", "POST", "PUT"):
            self.transport.add(method, base, self._handle)

    # -- direct access for tests -------------------------------------------------------------
    def put(self, resource: dict[str, Any]) -> dict[str, Any]:
        key = (resource["resourceType"], resource["id"])
        history = self.versions.setdefault(key, [])
        stored = copy.deepcopy(resource)
        stored["meta"] = {**stored.get("meta", {}), "versionId": str(len(history) + 1)}
        history.append(stored)
        return stored

    def current(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        return self.versions[(resource_type, resource_id)][-1]

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [h[-1] for (t, _), h in self.versions.items() if t == resource_type]

    # -- the transport ---------------------------------------------------------------------
    def _handle(self, request: requests.PreparedRequest) -> tuple[int, Any]:
        parts = urlsplit(request.url or "")
        path = parts.path[len(urlsplit(self.base).path):].strip("/").split("/")
        params = parse_qs(parts.query)
        body = json.loads(request.body) if request.body else None
        if request.method == "GET" and len(path) == 1:
            return 200, self._bundle(self._search(path[0], params))
        if request.method == "GET" and len(path) == 2:
            found = self.versions.get((path[0], path[1]))
            return (200, found[-1]) if found else (404, OUTCOME_404)
        if request.method == "GET" and len(path) == 3 and path[2] == "_history":
            found = self.versions.get((path[0], path[1]), [])
            return 200, self._bundle(list(reversed(found)))
        if request.method == "PUT" and len(path) == 2:
            self.writes.append(f"PUT {path[0]}/{path[1]}")
            return 200, self.put({**body, "id": path[1]})
        if request.method == "POST" and len(path) == 1:
            self.writes.append(f"POST {path[0]}")
            return 201, self.put({**body, "id": f"srv{next(self._ids)}"})
        return 400, OUTCOME_404

    def _bundle(self, resources: list[dict[str, Any]]) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
                "entry": [{"resource": r} for r in resources]}

    def _search(self, resource_type: str, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        return [r for r in self.of_type(resource_type)
                if all(_matches(r, name, values) for name, values in params.items())]


def _reference(value: Any) -> list[str]:
    """The references in an element, without their version: a search by reference finds a
    versioned one too, as on HAPI."""
    if isinstance(value, dict):
        return [str(value.get("reference", "")).split("/_history/")[0]]
    if isinstance(value, list):
        return [ref for item in value for ref in _reference(item)]
    return []


def _matches(resource: dict[str, Any], name: str, values: list[str]) -> bool:
    if name.startswith("_"):
        return True
    for value in values:
        options = value.split(",")
        if name in ("url", "version"):
            ok = resource.get(name) in options
        elif name == "identifier":
            ids = resource.get("identifier")
            ids = ids if isinstance(ids, list) else [ids] if ids else []
            ok = any(f"{i.get('system')}|{i.get('value')}" in options for i in ids)
        elif name in ("subject", "patient"):
            ok = any(r in options for r in _reference(resource.get("subject")))
        elif name == "target":
            ok = any(r in options for r in _reference(resource.get("target")))
        elif name == "derived-from":
            ok = any(r in options for r in _reference(resource.get("derivedFrom")))
        elif name == "authored":
            authored = str(resource.get("authored", ""))
            ok = (authored >= value[2:]) if value.startswith("ge") else (authored < value[2:])
        else:
            raise AssertionError(f"MemoryFhir does not search on {name}")
        if not ok:
            return False
    return True


def memory_fhir() -> tuple[MemoryFhir, FakeTransport]:
    server = MemoryFhir()
    return server, server.transport
