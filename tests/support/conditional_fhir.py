"""An in-memory FHIR store behind a FakeTransport, for unit tests of how the app writes
(tests/support/memory_fhir.py is the one for reads, versions and the audit tools).

It does what the outbox relies on and no more: transaction Bundles (all or nothing) of
conditional creates (`ifNoneExist`) and updates (`ifMatch`) with `urn:uuid` references resolved,
single creates with `If-None-Exist`, updates with `If-Match` (a stale one is refused with 412,
as R4 says), reads and vreads (every version is kept), searches by identifier, `_tag`, subject
and derived-from (a versioned reference matches its resource, as on HAPI). `transactions=False`
makes it refuse transactions (501), as a store without them does. `faults` is a list of things
to do to the next requests, whatever their method: "503" (refused, nothing done), "lost" (done,
then the answer is a 503), "cut" (a connection error, nothing done); None lets a request through.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from tests.support.fake_http import fake_session

BASE = "https://records.example/fhir"


class ConditionalFhir:
    def __init__(self, *, transactions: bool = True) -> None:
        self.transactions = transactions
        self.resources: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.versions: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.faults: list[str | None] = []
        self.requests = 0
        self.session, self.transport = fake_session()
        self.transport.add("POST", BASE, self._post).add("GET", BASE, self._get)
        self.transport.add("PUT", BASE, self._put)

    def all(self, resource_type: str) -> list[dict[str, Any]]:
        return list(self.resources[resource_type].values())

    # -- the server ----------------------------------------------------------------------------
    def _fault(self) -> str | None:
        self.requests += 1
        return self.faults.pop(0) if self.faults else None

    def _post(self, request: requests.PreparedRequest) -> Any:
        fault = self._fault()
        if fault == "cut":
            return requests.ConnectionError("connection reset by peer")
        if fault == "503":
            return (503, {"resourceType": "OperationOutcome", "issue": []}, {"Retry-After": "1"})
        body = json.loads(request.body or b"{}")
        path = urlsplit(request.url or "").path.rstrip("/").split("/fhir", 1)[1].strip("/")
        if not path:
            answer = self._bundle(body)
        else:
            answer = self._create(body, request.headers.get("If-None-Exist"))[0]
        return (503, {}) if fault == "lost" else answer

    def _bundle(self, bundle: dict[str, Any]) -> Any:
        if bundle.get("type") == "transaction" and not self.transactions:
            return (501, {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "not-supported", "diagnostics": "no transactions"}]})
        before = (copy.deepcopy(self.resources), copy.deepcopy(self.versions))
        resolved: dict[str, str] = {}
        out = []
        for entry in bundle.get("entry") or []:
            resource = _resolve(copy.deepcopy(entry["resource"]), resolved)
            request = entry["request"]
            if request["method"] == "PUT":
                status, stored = self._update(resource, request.get("ifMatch"))
            else:
                status, stored = self._create(resource, request.get("ifNoneExist"))
            if status[0] >= 400:  # all or nothing
                self.resources, self.versions = before
                return status
            ref = f"{stored['resourceType']}/{stored['id']}"
            resolved[entry.get("fullUrl", "")] = ref
            out.append({"response": {"status": str(status[0]),
                                     "location": f"{ref}/_history/{stored['meta']['versionId']}"}})
        return (200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out})

    def _keep(self, resource: dict[str, Any]) -> dict[str, Any]:
        kind, rid = resource["resourceType"], resource["id"]
        history = self.versions[(kind, rid)]
        stored = {**resource, "meta": {**resource.get("meta", {}),
                                       "versionId": str(len(history) + 1)}}
        history.append(stored)
        self.resources[kind][rid] = stored
        return stored

    def _create(self, resource: dict[str, Any],
                condition: str | None) -> tuple[tuple[int, Any], dict[str, Any]]:
        kind = resource["resourceType"]
        if condition:
            found = self._search(kind, dict(parse_qsl(condition)))
            if found:
                return (200, found[0]), found[0]
        new_id = f"{kind[:2].lower()}{len(self.resources[kind]) + 1}"
        stored = self._keep({**resource, "id": new_id})
        return (201, stored), stored

    def _update(self, resource: dict[str, Any],
                if_match: str | None) -> tuple[tuple[int, Any], dict[str, Any]]:
        current = self.resources[resource["resourceType"]].get(resource["id"])
        wanted = (if_match or "").removeprefix("W/").strip('"')
        if current is not None and wanted and wanted != current["meta"]["versionId"]:
            return (412, {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "conflict", "diagnostics": "version conflict"}]}), {}
        stored = self._keep(copy.deepcopy(resource))
        return (200, stored), stored

    def _put(self, request: requests.PreparedRequest) -> Any:
        fault = self._fault()
        if fault == "cut":
            return requests.ConnectionError("connection reset by peer")
        if fault == "503":
            return (503, {"resourceType": "OperationOutcome", "issue": []}, {"Retry-After": "1"})
        status, _stored = self._update(json.loads(request.body or b"{}"),
                                       request.headers.get("If-Match"))
        return (503, {}) if fault == "lost" else status

    def _get(self, request: requests.PreparedRequest) -> Any:
        if self._fault() == "cut":
            return requests.ConnectionError("connection reset by peer")
        parts = urlsplit(request.url or "")
        path = parts.path.rstrip("/").split("/fhir/", 1)[1].split("/")
        if len(path) in (2, 4):  # a read, or a vread of Type/id/_history/n
            history = self.versions.get((path[0], path[1])) or []
            found = history[-1] if len(path) == 2 and history else None
            if len(path) == 4 and path[3].isdigit() and 0 < int(path[3]) <= len(history):
                found = history[int(path[3]) - 1]
            return (200, found) if found else (404, {"resourceType": "OperationOutcome",
                                                     "issue": []})
        found = self._search(path[0], dict(parse_qsl(parts.query)))
        return (200, {"resourceType": "Bundle", "type": "searchset",
                      "entry": [{"resource": r} for r in found]})

    def _search(self, kind: str, params: dict[str, str]) -> list[dict[str, Any]]:
        return [r for r in self.resources[kind].values() if all(
            _matches(r, name, value) for name, value in params.items() if name != "_count")]


def _resolve(value: Any, resolved: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if value.get("reference") in resolved:
            value["reference"] = resolved[value["reference"]]
        return {k: _resolve(v, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, resolved) for v in value]
    return value


def _matches(resource: dict[str, Any], name: str, value: str) -> bool:
    system, _, code = value.rpartition("|")
    if name == "identifier":
        ids = resource.get("identifier") or []
        ids = ids if isinstance(ids, list) else [ids]
        return any(i.get("system") == system and i.get("value") == code for i in ids)
    if name == "_tag":
        return any(t.get("system") == system and t.get("code") == code
                   for t in (resource.get("meta") or {}).get("tag") or [])
    if name in ("subject", "patient"):
        return (resource.get("subject") or {}).get("reference") == value
    if name == "derived-from":
        return any(str(d.get("reference", "")).split("/_history/")[0] == value
                   for d in resource.get("derivedFrom") or [])
    return False
