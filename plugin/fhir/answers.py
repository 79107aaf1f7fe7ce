"""A FHIR server's answer, read: its JSON decoded and checked against the EHR's ReadLimits.

The bytes were bounded while they were read (smart_launch.reading); here the JSON's shape is
checked before decoding (depth, objects and arrays: smart_launch.limits.check_shape) and the
entries of each Bundle after it (one page of a search, or each search of a batch answer).
"""

from __future__ import annotations

from typing import Any

import orjson
import requests

from plugin.fhir.errors import FhirLimitExceeded, error_for_status
from smart_launch.errors import ResponseLimitExceeded
from smart_launch.limits import ReadLimits, check_shape, server_of

Json = dict[str, Any]


def limit_exceeded(err: ResponseLimitExceeded, what: str, base_url: str) -> FhirLimitExceeded:
    return FhirLimitExceeded(f"{what} failed: {err.message}.", code=f"fhir.{err.code}",
                             server=server_of(base_url))


def decode_answer(response: requests.Response, content: bytes, what: str, limits: ReadLimits,
                  base_url: str) -> Json:
    """The answer as a dict (an error status raised as its typed FhirResponseError); an ETag
    becomes ``meta.versionId`` when the resource has none."""
    try:
        check_shape(content, limits, response.url or base_url)
    except ResponseLimitExceeded as err:
        raise limit_exceeded(err, what, base_url) from err
    try:
        # orjson: a panel view decodes about 0.8 MB of FHIR JSON (the 150-session patient),
        # a third of the app's time per view with the standard library's decoder.
        body = orjson.loads(content) if content else {}
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        body = None
    if response.status_code >= 400:
        raise error_for_status(response.status_code, body, what)
    if not isinstance(body, dict):
        raise error_for_status(502, None, f"{what} (the answer was not FHIR JSON)")
    count_entries(body, what, limits, base_url)
    etag = response.headers.get("ETag")
    if etag and body.get("resourceType") and isinstance(body.setdefault("meta", {}), dict):
        body["meta"].setdefault("versionId", etag.removeprefix("W/").strip('"'))
    return body


def count_entries(body: Json, what: str, limits: ReadLimits, base_url: str) -> None:
    """Each Bundle in the answer (and each one a batch answer holds) within max_entries."""
    bundles = [body]
    if body.get("resourceType") == "Bundle" and str(body.get("type", "")).endswith("-response"):
        bundles += [e["resource"] for e in body.get("entry") or []
                    if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    for bundle in bundles:
        entries = bundle.get("entry") if bundle.get("resourceType") == "Bundle" else None
        if isinstance(entries, list) and len(entries) > limits.max_entries:
            raise FhirLimitExceeded(
                f"{what} failed: {server_of(base_url)} answered a Bundle of {len(entries)} "
                f"entries, more than {limits.max_entries}; it was not used.",
                code="fhir.response_too_many_entries", server=server_of(base_url))
