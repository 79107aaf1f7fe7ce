"""A small FHIR R4 REST client: JSON in and out, timeouts, retries, paging, typed errors.

Reads stay plain dicts (no pydantic on the hot path); the record builders validate what the app
writes. Retries with backoff happen only for requests that are safe to repeat (GET, batches of
GETs, conditional writes), on connection failures and on the statuses plugin/fhir/retry.py lists
(a 401 only when the token source has a fresh token by then).

The bearer token goes only where it should: no redirect is followed (a 3xx is an error), and
paging links, ids and batch entries pass plugin/fhir/url_safety.py before they become a URL.

Every answer is read within the client's ReadLimits (smart_launch.limits, one set per EHR): its
bytes as received and decompressed, its JSON depth, the entries of each Bundle in it, and a
deadline for the whole request; past one, FhirLimitExceeded and nothing of the answer is used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from plugin.fhir.answers import decode_answer, limit_exceeded
from plugin.fhir.batch_reads import (
    batch_refused,
    read_in_parallel,
    refused_lately,
    remember_refusal,
)
from plugin.fhir.errors import (
    FhirResponseError,
    FhirTransportError,
    FhirUnsafeUrl,
    error_for_status,
)
from plugin.fhir.retry import retryable
from plugin.fhir.url_safety import (
    REDIRECT_STATUSES,
    check_batch_entry,
    check_id,
    harden,
    same_server,
)
from smart_launch.deadline import Deadline, deadline
from smart_launch.errors import ResponseLimitExceeded, TransportError
from smart_launch.limits import DEFAULT_LIMITS, ReadLimits
from smart_launch.reading import ACCEPT_ENCODING, close, read_body, too_slow

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
Json = dict[str, Any]  # a FHIR resource or Bundle as decoded JSON


def bundle_resources(bundle: Mapping[str, Any], resource_type: str | None = None) -> list[Json]:
    """The resources in a Bundle's entries, optionally only those of one type."""
    found = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and (
            resource_type is None or resource.get("resourceType") == resource_type
        ):
            found.append(resource)
    return found


def next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


@dataclass(frozen=True)
class _Again:
    """An answer worth sending the request again for (plugin/fhir/retry.py): try again after
    ``Retry-After`` (seconds) or the backoff."""

    retry_after: str | None


class FhirClient:
    """One FHIR server, one access token source."""

    def __init__(
        self,
        base_url: str,
        *,
        token: Callable[[], str | None] | None = None,
        http: requests.Session | None = None,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_pages: int = 50,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        """``timeout`` bounds each read, ``limits`` each answer and each whole request."""
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = harden(http or requests.Session())
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._max_pages = max_pages
        self.limits = limits

    # -- reads -------------------------------------------------------------------------------
    def read(self, resource_type: str, resource_id: str) -> Json:
        path = check_id(resource_type, resource_id)
        return self._json("GET", path, what=f"Reading {resource_type}")

    def search(self, resource_type: str, params: Mapping[str, str] | None = None) -> list[Json]:
        """All matching resources of that type, following `next` links (bounded)."""
        found: list[Json] = []
        for page in self.pages(resource_type, params):
            found.extend(bundle_resources(page, resource_type))
        return found

    def pages(self, resource_type: str, params: Mapping[str, str] | None = None) -> Iterator[Json]:
        bundle = self._json("GET", resource_type, params=params, what=f"Searching {resource_type}")
        yield bundle
        yield from self.follow(bundle)

    def follow(self, bundle: Mapping[str, Any]) -> Iterator[Json]:
        """The pages after this searchset page, by its `next` links."""
        url = next_link(bundle)
        for _ in range(self._max_pages):
            if not url:
                return
            page = self._json("GET", self._same_server(url), what="Reading the next page")
            yield page
            url = next_link(page)
        log.warning("stopped paging after %d pages", self._max_pages)

    def vread(self, resource_type: str, resource_id: str, version: str) -> Json:
        """One version of a resource (``Type/id/_history/version``)."""
        path = check_id(resource_type, resource_id)
        check_id(resource_type, version)  # a version id has the syntax of an id
        return self._json("GET", f"{path}/_history/{version}", what=f"Reading {resource_type}")

    def history(self, resource_type: str, resource_id: str) -> list[Json]:
        path = check_id(resource_type, resource_id)
        bundle = self._json("GET", f"{path}/_history", what="Reading the history")
        return bundle_resources(bundle)

    def get(self, url: str) -> Json:
        """One batch-style entry (a search or a read by id) on its own: ``Encounter?patient=1``."""
        return self._json("GET", check_batch_entry(url), what="Reading")

    def batch(self, requests_: Sequence[str], *, fallback: bool = True) -> list[Json]:
        """Several GETs in one batch Bundle: each entry's resource (a Bundle for a search).

        Where the server refuses batch (plugin/fhir/batch_reads.py), the same GETs are sent side
        by side, unless ``fallback`` is False (`alliance check` wants the refusal itself)."""
        urls = [check_batch_entry(url) for url in requests_]
        if fallback and refused_lately(self._http, self.base_url):
            return read_in_parallel(self.get, urls)
        bundle = {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [{"request": {"method": "GET", "url": url}} for url in urls],
        }
        try:
            answer = self._json("POST", "", body=bundle, what="Reading in a batch",
                                idempotent=True)
        except FhirResponseError as err:
            if not (fallback and batch_refused(err)):
                raise
            log.info("%s refused a batch (%s); reading side by side", self.base_url, err.code)
            remember_refusal(self._http, self.base_url)
            return read_in_parallel(self.get, urls)
        results = []
        for entry in answer.get("entry") or []:
            status = str((entry.get("response") or {}).get("status", "200")).split(" ")[0]
            resource = entry.get("resource") or {}
            if not status.startswith("2"):
                raise error_for_status(int(status), resource, "A batch entry")
            results.append(resource)
        return results

    # -- writes ------------------------------------------------------------------------------
    def transaction(self, bundle: Mapping[str, Any], *, idempotent: bool = False) -> Json:
        """Send a transaction Bundle. Pass idempotent=True when every entry is conditional."""
        return self._json(
            "POST", "", body=bundle, what="Saving the transaction", idempotent=idempotent
        )

    def create(self, resource: Mapping[str, Any], *, if_none_exist: str | None = None) -> Json:
        headers = {"If-None-Exist": if_none_exist} if if_none_exist else {}
        return self._json(
            "POST",
            str(resource["resourceType"]),
            body=resource,
            headers=headers,
            what=f"Creating {resource['resourceType']}",
            idempotent=bool(if_none_exist),
        )

    def update(self, resource: Mapping[str, Any], *, if_match: str | None = None) -> Json:
        path = check_id(str(resource["resourceType"]), str(resource["id"]))
        headers = {"If-Match": if_match} if if_match else {}
        return self._json(
            "PUT",
            path,
            body=resource,
            headers=headers,
            what=f"Updating {resource['resourceType']}",
            idempotent=bool(if_match),
        )

    def capabilities(self) -> Json:
        return self._json("GET", "metadata", what="Reading the CapabilityStatement")

    # -- transport ---------------------------------------------------------------------------
    def _same_server(self, url: str) -> str:
        return same_server(self.base_url, url)

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return self._same_server(path)
        return f"{self.base_url}/{path}" if path else self.base_url

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str,
        idempotent: bool | None = None,
    ) -> Json:
        send_headers = {"Accept": FHIR_JSON, "Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        if body is not None:
            send_headers["Content-Type"] = FHIR_JSON
        may_retry = method == "GET" if idempotent is None else idempotent
        attempts = self._retries + 1 if may_retry else 1
        url = self._url(path)
        for attempt in range(attempts):
            retry_left = attempt + 1 < attempts
            token = self._token() if self._token else None
            if token:
                send_headers["Authorization"] = f"Bearer {token}"
            try:
                with deadline(self.limits.deadline) as scope:
                    answer = self._send(method, url, params, body, send_headers, what, scope,
                                        retry_left)
            except requests.RequestException as err:
                if retry_left:
                    self._wait(attempt, None)
                    continue
                if isinstance(err, requests.exceptions.SSLError):
                    raise FhirTransportError(
                        f"{what} failed: the TLS certificate of the FHIR server at "
                        f"{self.base_url} could not be verified (SSLError).",
                        code="fhir.tls_untrusted") from err
                raise FhirTransportError(
                    f"{what} failed: the FHIR server at {self.base_url} did not answer "
                    f"({type(err).__name__})."
                ) from err
            if isinstance(answer, dict):
                return answer
            self._wait(attempt, answer.retry_after)  # worth another try (retry.py)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, params: Mapping[str, str] | None,
              body: Mapping[str, Any] | None, headers: Mapping[str, str], what: str,
              scope: Deadline, retry_left: bool) -> Json | _Again:
        """One attempt within one deadline: the decoded answer, or _Again when the answer is
        worth another try (plugin/fhir/retry.py) and an attempt is left."""
        try:
            response = self._http.request(
                method, url, params=params, json=body, headers=headers,
                timeout=scope.timeout(self._timeout), allow_redirects=False, stream=True)
        except requests.RequestException as err:
            if scope.passed:
                raise limit_exceeded(too_slow(scope, url), what, self.base_url) from err
            raise
        try:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("X-Refused-Location") or response.headers.get(
                    "Location"
                )
                where = urlsplit(location or "").netloc
                raise FhirUnsafeUrl(
                    f"{what} failed: the FHIR server at {self.base_url} answered with a "
                    f"redirect (HTTP {response.status_code}"
                    + (f" to {where}" if where else "")
                    + "); redirects are not followed, so nothing was sent there.",
                    upstream_status=response.status_code,
                )
            if retry_left and retryable(response.status_code) and (
                    response.status_code != 401 or self._fresh_token(headers)):
                return _Again(response.headers.get("Retry-After"))
            try:
                content = read_body(response, self.limits, scope, url)
            except ResponseLimitExceeded as err:
                raise limit_exceeded(err, what, self.base_url) from err
            except TransportError as err:  # a body in an encoding not asked for
                raise FhirTransportError(f"{what} failed: {err.message}.") from err
        finally:
            close(response)
        return decode_answer(response, content, what, self.limits, self.base_url)

    def _fresh_token(self, sent: Mapping[str, str]) -> bool:
        """After a 401: does the token source give another token than the one refused?"""
        token = self._token() if self._token else None
        return bool(token) and sent.get("Authorization") != f"Bearer {token}"

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = self._backoff * (2**attempt)
        if retry_after and retry_after.isdigit():
            delay = min(float(retry_after), 30.0)
        log.info("FHIR request retried in %.1fs", delay)
        self._sleep(delay)
