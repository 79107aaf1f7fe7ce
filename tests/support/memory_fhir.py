"""The one in-memory FHIR R4 server of the unit tests, behind the suite's fake transport
(tests/support/fake_http.py). Every test that runs a real server uses the sandbox EHR instead.

It serves one base URL (a constructor argument) and does what the app's FHIR code relies on:

- reads, vreads (``Type/id/_history/n``) and histories (``Type/id/_history``, newest first);
  every version is kept, numbered 1, 2, 3... per resource (``meta.versionId``);
- creates (POST, the server picks the id: ``qu1``, ``ob2``...: type prefix and a number),
  conditional with ``If-None-Exist`` (a match is answered 200 with the match, nothing stored);
- updates (PUT ``Type/id``), with ``If-Match`` (a stale version is refused with 412, as R4 says);
- transaction and batch Bundles, all or nothing, of conditional creates (``ifNoneExist``) and
  updates (``ifMatch``), with ``urn:uuid`` references between entries resolved to the ids given;
  ``transactions=False`` makes it refuse transactions (501), as a store without them does;
- searches (tests/support/fhir_search.py), the one rule shared by searches and conditions.

``faults`` is a list of things to do to the next requests, whatever their method: "503"
(refused, nothing done), "lost" (done, then the answer is a 503), "cut" (a connection error,
nothing done); None lets a request through.

Tests may also seed and inspect it directly: ``put`` stores a new version as the server would,
``current`` and ``all`` return the stored (live) dicts, ``versions`` is the store itself.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.support.fake_http import fake_session
from tests.support.fhir_search import matches, parse_query

Resource = dict[str, Any]
Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]

BASE = "https://fhir.example.org/r4"
WRITES = ("POST", "PUT")


def outcome(code: str, diagnostics: str) -> Resource:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}]}


class MemoryFhir:
    def __init__(self, base: str = BASE, *, transactions: bool = True) -> None:
        self.base = base.rstrip("/")
        self.transactions = transactions
        self.versions: dict[tuple[str, str], list[Resource]] = {}
        self.faults: list[str | None] = []
        self.session, self.transport = fake_session()
        for method in ("GET", *WRITES):
            self.transport.add(method, self.base, self._handle)

    # -- direct access for tests -------------------------------------------------------------
    def put(self, resource: Resource) -> Resource:
        """Store `resource` (its id kept) as its next version, as an update would."""
        history = self.versions.setdefault((resource["resourceType"], resource["id"]), [])
        stored = copy.deepcopy(resource)
        stored["meta"] = {**stored.get("meta", {}), "versionId": str(len(history) + 1)}
        history.append(stored)
        return stored

    def current(self, resource_type: str, resource_id: str) -> Resource:
        return self.versions[(resource_type, resource_id)][-1]

    def all(self, resource_type: str) -> list[Resource]:
        return [h[-1] for (kind, _), h in self.versions.items() if kind == resource_type and h]

    def search(self, resource_type: str, query: str) -> list[Resource]:
        params = parse_query(query)
        return [r for r in self.all(resource_type) if matches(r, params)]

    @property
    def writes(self) -> list[str]:
        """Every write request sent to the server, as "METHOD path"."""
        return [f"{r.method} {self._path(r.url)}" for r in self.transport.requests
                if r.method in WRITES]

    # -- the transport -----------------------------------------------------------------------
    def _path(self, url: str) -> str:
        return urlsplit(url).path[len(urlsplit(self.base).path):].strip("/")

    def _handle(self, request: requests.PreparedRequest) -> Answer:
        fault = self.faults.pop(0) if self.faults else None
        if fault == "cut":  # raised inside the transport's send, as the network would
            raise requests.ConnectionError("connection reset by peer")
        if fault == "503":
            return 503, outcome("transient", "try again later"), {"Retry-After": "1"}
        answer = self._answer(request)
        return (503, outcome("transient", "answer lost")) if fault == "lost" else answer

    def _answer(self, request: requests.PreparedRequest) -> Answer:
        url = request.url or ""
        path = [p for p in self._path(url).split("/") if p]
        body = json.loads(request.body) if request.body else None
        method, headers = request.method, request.headers
        if method == "GET" and len(path) == 1:
            return 200, _bundle("searchset", self.search(path[0], urlsplit(url).query))
        if method == "GET" and len(path) in (2, 3, 4) and path[2:3] in ([], ["_history"]):
            return self._read(path)
        if method == "POST" and not path:
            return self._bundle(body or {})
        if method == "POST" and len(path) == 1:
            return self._create({**(body or {}), "resourceType": path[0]},
                                headers.get("If-None-Exist"))[0]
        if method == "PUT" and len(path) == 2:
            return self._update(path[0], path[1], body or {}, headers.get("If-Match"))[0]
        return 400, outcome("not-supported", f"{method} {'/'.join(path)} is not served here")

    def _read(self, path: list[str]) -> Answer:
        history = self.versions.get((path[0], path[1])) or []
        if len(path) == 3:
            return 200, _bundle("history", list(reversed(history)))
        found = history[-1] if len(path) == 2 and history else None
        if len(path) == 4 and path[3].isdigit() and 0 < int(path[3]) <= len(history):
            found = history[int(path[3]) - 1]
        return (200, found) if found else (404, outcome("not-found", f"no {'/'.join(path)}"))

    def _create(self, resource: Resource, condition: str | None) -> tuple[Answer, Resource]:
        kind = resource["resourceType"]
        if condition:
            found = self.search(kind, condition)
            if found:
                return (200, found[0]), found[0]
        number = len(self.all(kind)) + 1
        while (kind, f"{kind[:2].lower()}{number}") in self.versions:
            number += 1
        stored = self.put({**resource, "id": f"{kind[:2].lower()}{number}"})
        return (201, stored), stored

    def _update(self, kind: str, resource_id: str, resource: Resource,
                if_match: str | None) -> tuple[Answer, Resource]:
        history = self.versions.get((kind, resource_id))
        wanted = (if_match or "").removeprefix("W/").strip('"')
        if history and wanted and wanted != history[-1]["meta"]["versionId"]:
            return (412, outcome("conflict", "version conflict")), {}
        stored = self.put({**resource, "resourceType": kind, "id": resource_id})
        return (200, stored), stored

    def _bundle(self, bundle: Resource) -> Answer:
        """A transaction or batch, all or nothing (every batch here is one)."""
        if bundle.get("type") == "transaction" and not self.transactions:
            return 501, outcome("not-supported", "no transactions")
        before = copy.deepcopy(self.versions)
        resolved: dict[str, str] = {}
        out = []
        for entry in bundle.get("entry") or []:
            resource = _resolve(copy.deepcopy(entry["resource"]), resolved)
            request = entry["request"]
            if request["method"] == "PUT":
                kind, resource_id = request["url"].split("?")[0].split("/")[:2]
                answer, stored = self._update(kind, resource_id, resource,
                                              request.get("ifMatch"))
            else:
                answer, stored = self._create(resource, request.get("ifNoneExist"))
            if answer[0] >= 400:
                self.versions = before
                return answer
            reference = f"{stored['resourceType']}/{stored['id']}"
            resolved[entry.get("fullUrl", "")] = reference
            out.append({"response": {
                "status": str(answer[0]),
                "location": f"{reference}/_history/{stored['meta']['versionId']}"}})
        return 200, {"resourceType": "Bundle", "type": f"{bundle.get('type')}-response",
                     "entry": out}


def _bundle(kind: str, resources: list[Resource]) -> Resource:
    return {"resourceType": "Bundle", "type": kind, "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


def _resolve(value: Any, resolved: dict[str, str]) -> Any:
    """`value` with every reference to an earlier entry's fullUrl replaced by its id."""
    if isinstance(value, dict):
        out = {k: _resolve(v, resolved) for k, v in value.items()}
        if out.get("reference") in resolved:
            out["reference"] = resolved[out["reference"]]
        return out
    if isinstance(value, list):
        return [_resolve(v, resolved) for v in value]
    return value
