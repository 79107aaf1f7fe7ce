"""A FHIR REST request and response, independent of Flask: what every interaction takes and gives.

The blueprint turns HTTP into a FhirRequest, a Bundle entry becomes one too; the server, the
writes and the bundle processor answer with a FhirResponse. A leaf: it imports only the store's
Stored (for the version headers) and the date parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

from ehr_sandbox.fhir.dates import parse_range
from ehr_sandbox.fhir.resource import Params, Resource
from ehr_sandbox.fhir.store import Stored


@dataclass
class FhirRequest:
    method: str
    path: str  # relative to the FHIR base, e.g. "Patient/123/_history/2"
    params: Params = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: Resource | None = None
    assigned_id: str | None = None  # set by a transaction for the resource a POST creates

    @classmethod
    def from_url(cls, method: str, url: str, base: str, headers: Mapping[str, str],
                 body: Resource | None) -> FhirRequest:
        """From a Bundle entry's request.url: relative, or absolute under the FHIR base."""
        if url.startswith(base + "/"):
            url = url[len(base) + 1 :]
        path, _, query = url.partition("?")
        return cls(method.upper(), path.strip("/"), parse_qsl(query), headers, body)

    @property
    def resource_type(self) -> str:
        """The type the path names first ("" for the FHIR base itself)."""
        return self.path.strip("/").split("/")[0]


@dataclass
class FhirResponse:
    status: int
    body: Resource | None
    headers: dict[str, str] = field(default_factory=dict)


def version_headers(stored: Stored) -> dict[str, str]:
    """ETag and Last-Modified of one stored version."""
    modified = parse_range(stored.last_updated)
    headers = {"ETag": stored.etag}
    if modified is not None:
        moment = datetime.fromtimestamp(modified[0], tz=UTC)
        headers["Last-Modified"] = format_datetime(moment, usegmt=True)
    return headers
