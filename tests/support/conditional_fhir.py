"""An in-memory FHIR store behind a FakeTransport, for unit tests of how the app writes
(tests/support/memory_fhir.py is the one for reads, versions and the audit tools).

It does what the outbox relies on and no more: transaction Bundles of conditional creates
(`ifNoneExist`) with `urn:uuid` references resolved, single creates with `If-None-Exist`,
searches by identifier, `_tag` and subject. `transactions=False` makes it refuse transactions
(501), as a store without them does. `faults` is a list of things to do to the next requests:
"503" (refused, nothing done), "lost" (done, then the answer is a 503), "cut" (a connection
error, nothing done); None lets a request through.
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
        self.faults: list[str | None] = []
        self.requests = 0
        self.session, self.transport = fake_session()
        self.transport.add("POST", BASE, self._post).add("GET", BASE, self._get)

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
        resolved: dict[str, str] = {}
        out = []
        for entry in bundle.get("entry") or []:
            resource = _resolve(copy.deepcopy(entry["resource"]), resolved)
            status, stored = self._create(resource, entry["request"].get("ifNoneExist"))
            ref = f"{stored['resourceType']}/{stored['id']}"
            resolved[entry.get("fullUrl", "")] = ref
            out.append({"response": {"status": str(status[0]),
                                     "location": f"{ref}/_history/1"}})
        return (200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out})

    def _create(self, resource: dict[str, Any],
                condition: str | None) -> tuple[tuple[int, Any], dict[str, Any]]:
        kind = resource["resourceType"]
        if condition:
            found = self._search(kind, dict(parse_qsl(condition)))
            if found:
                return (200, found[0]), found[0]
        stored = {**resource, "id": f"{kind[:2].lower()}{len(self.resources[kind]) + 1}",
                  "meta": {**resource.get("meta", {}), "versionId": "1"}}
        self.resources[kind][stored["id"]] = stored
        return (201, stored), stored

    def _get(self, request: requests.PreparedRequest) -> Any:
        self._fault()
        parts = urlsplit(request.url or "")
        kind = parts.path.rstrip("/").rsplit("/", 1)[-1]
        found = self._search(kind, dict(parse_qsl(parts.query)))
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
    return False
