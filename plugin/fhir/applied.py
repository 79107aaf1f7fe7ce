"""Whether a write the app is about to repeat already went through.

A send can be cut after the server did the work (the answer lost, a timeout, a 503 from a proxy
in front of it). Conditional creates repeat safely: the server finds what the first one stored.
An update with ``If-Match: W/"n"`` does not: repeated, it meets version n + 1 and the server
answers 412. Here the app asks the server whether version n + 1 is the update it sent (the same
content, read with a vread); if so the update is done and is not an error.

"The same content" compares what the app sent with what the server holds, ignoring what a server
adds or rewrites on its own: ``meta``, ``text``, fields the app did not send, the version part of
a reference (some servers store references without it) and how a number is written (3 or 3.0).

Only numeric version ids can be followed to "the next version"; with opaque ones the answer is
"not known", and the caller treats the conflict as a real one. A read that fails in a way a
retry may mend (no answer, a 503) is raised: the send is tried again, never called a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError
from plugin.fhir.retry import retryable

IGNORED = frozenset({"meta", "text", "id"})
HISTORY = re.compile(r"/_history/[^/]+$")


def etag_version(if_match: str | None) -> str | None:
    """``W/"3"`` -> ``3``."""
    if not if_match:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    return value or None


def _same(ours: Any, theirs: Any, key: str = "") -> bool:
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return bool(ours == theirs)
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return float(ours) == float(theirs)
    if isinstance(ours, str) and isinstance(theirs, str) and key == "reference":
        return HISTORY.sub("", ours) == HISTORY.sub("", theirs)
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(k in IGNORED or (k in theirs and _same(v, theirs[k], k))
                   for k, v in ours.items())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(
            _same(a, b) for a, b in zip(ours, theirs, strict=True))
    return bool(ours == theirs)


def same_content(sent: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """True when the server holds what was sent (see the module doc for what is ignored)."""
    return (sent.get("resourceType") == stored.get("resourceType")
            and str(sent.get("id")) == str(stored.get("id")) and _same(dict(sent), dict(stored)))


def applied_update(client: FhirClient, resource: Mapping[str, Any],
                   if_match: str | None) -> dict[str, Any] | None:
    """The version an earlier send of this update made, when it went through; else None."""
    version = etag_version(if_match)
    if version is None or not version.isdigit():
        return None
    try:
        stored = client.vread(str(resource["resourceType"]), str(resource["id"]),
                              str(int(version) + 1))
    except FhirError as err:
        if retryable(err):  # nothing is known yet: the caller's send is tried again later
            raise
        return None
    return stored if same_content(resource, stored) else None


def stored_match(client: FhirClient, resource_type: str, condition: str) -> str | None:
    """The id of the one resource matching a conditional create's condition, else None."""
    found = client.search(resource_type, dict(parse_qsl(condition)))
    return str(found[0]["id"]) if len(found) == 1 and found[0].get("id") else None


def bundle_applied(client: FhirClient, bundle: Mapping[str, Any]) -> dict[str, str] | None:
    """When every entry of a Bundle of updates and conditional creates is already on the server
    (a transaction that went through, its answer lost): its fullUrls -> "Type/id"; else None.
    A create without a condition cannot be told apart from another, so it answers None."""
    ids: dict[str, str] = {}
    for number, entry in enumerate(bundle.get("entry") or [], start=1):
        request, resource = entry.get("request") or {}, entry.get("resource") or {}
        kind = str(resource.get("resourceType"))
        if request.get("method") == "PUT":
            if applied_update(client, resource, request.get("ifMatch")) is None:
                return None
            found: str | None = str(resource["id"])
        elif request.get("method") == "POST" and request.get("ifNoneExist"):
            found = stored_match(client, kind, str(request["ifNoneExist"]))
        else:
            return None
        if found is None:
            return None
        ids[str(entry.get("fullUrl") or f"#{number}")] = f"{kind}/{found}"
    return ids
