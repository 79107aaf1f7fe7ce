"""Saving a submission's transaction Bundle on a server that takes no transactions.

Some FHIR stores accept single creates (and batches) but refuse `transaction` Bundles, and say
so by leaving `transaction` out of their CapabilityStatement. The submission Bundle is made of
conditional creates (`ifNoneExist` on the submission's business identifiers) whose entries refer
to each other by `urn:uuid` fullUrls, which only a transaction resolves. So the entries are
sent one by one, in Bundle order (the QuestionnaireResponse, its score Observations, then the
Provenance that targets them), each as a conditional create, with every `urn:uuid` reference
replaced by the id the server gave the entry it names.

A failure part-way leaves a partial set on the server; sending the same Bundle again completes
it: the entries already stored match their condition and are returned, not created twice, and an
update (a correction's PUT with If-Match) that already went through is recognised by its content
(plugin/fhir/applied.py) instead of failing with 412.

References to an entry the server stored name the version it stored (``Type/id/_history/n``)
when the server says which (``meta.versionId`` or the ETag): the scores name the exact response
version they were computed from, and the Provenance the exact versions it accounts for.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from plugin.fhir.applied import applied_update
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirConflict, FhirRejected
from plugin.fhir.readers import version_id
from plugin.fhir.record_resources import RESOLVE_AS_VERSION_SPECIFIC


@dataclass(frozen=True)
class EntryResult:
    """Where each entry of the Bundle ended up: its fullUrl -> "Type/id" (and the version the
    server gave it, where it said)."""

    ids: dict[str, str]
    requests: int  # how many requests it took
    versions: dict[str, str] = field(default_factory=dict)


def _replace_references(value: Any, resolved: Mapping[str, str]) -> Any:
    """A copy of `value` with every reference to a resolved `urn:uuid` rewritten."""
    if isinstance(value, dict):
        out = {k: _replace_references(v, resolved) for k, v in value.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in resolved:
            out["reference"] = resolved[ref]  # already the version stored, where known
            kept = [e for e in out.get("extension") or []
                    if e.get("url") != RESOLVE_AS_VERSION_SPECIFIC]
            out.pop("extension", None)
            if kept:
                out["extension"] = kept
        return out
    if isinstance(value, list):
        return [_replace_references(v, resolved) for v in value]
    return value


def _stored_id(client: FhirClient, resource_type: str, answer: Mapping[str, Any],
               condition: str | None) -> str:
    """The id of the created (or matched) resource: from the answer's body, else by searching
    the condition (a server may answer a create with no body)."""
    if answer.get("resourceType") == resource_type and answer.get("id"):
        return str(answer["id"])
    if condition:
        found = client.search(resource_type, dict(parse_qsl(condition)))
        if len(found) == 1 and found[0].get("id"):
            return str(found[0]["id"])
    raise FhirRejected(f"Creating {resource_type} failed: the server's answer named no id.")


def _update(client: FhirClient, resource: Mapping[str, Any],
            if_match: str | None) -> dict[str, Any]:
    """A PUT with its If-Match; a 412 because an earlier send of this very update went through
    (its answer lost) is that update's result, not a conflict."""
    try:
        return client.update(resource, if_match=if_match)
    except FhirConflict:
        done = applied_update(client, resource, if_match)
        if done is None:
            raise
        return done


def write_entries(client: FhirClient, bundle: Mapping[str, Any]) -> EntryResult:
    """Send a Bundle's entries one by one (see the module doc): POSTs as conditional creates,
    PUTs (a correction's) with their If-Match. Raises the first FhirError; sending the same
    Bundle again resumes where it stopped, without duplicates."""
    resolved: dict[str, str] = {}
    ids: dict[str, str] = {}
    versions: dict[str, str] = {}
    requests = 0
    for entry in bundle.get("entry") or []:
        request = entry.get("request") or {}
        resource = _replace_references(copy.deepcopy(entry["resource"]), resolved)
        resource_type = str(resource["resourceType"])
        if request.get("method") == "PUT":
            answer = _update(client, resource, request.get("ifMatch"))
            condition = None
        elif request.get("method") == "POST":
            condition = request.get("ifNoneExist")
            answer = client.create(resource, if_none_exist=condition)
        else:
            raise FhirRejected(f"A {request.get('method')} entry cannot be sent on its own.")
        requests += 1
        stored = _stored_id(client, resource_type, answer, condition)
        key = str(entry.get("fullUrl") or f"#{requests}")
        ids[key] = f"{resource_type}/{stored}"
        version = version_id(answer) if answer.get("id") == stored else None
        if version:
            versions[key] = version
        resolved[key] = f"{ids[key]}/_history/{version}" if version else ids[key]
    return EntryResult(ids, requests, versions)
