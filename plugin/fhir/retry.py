"""May sending a request again help? One answer for the whole app, with the reason per status.

The FHIR client sends a safe request again at once (plugin/fhir/client.py), the outbox keeps a
save queued for a later try (plugin/recording/outbox.py), and a page tells the clinician whether
pressing Save again can help (plugin/web/plain_words.py): each asks ``retryable``.

A status not listed in ``RETRY_REASONS`` is not worth sending again: the same request would get
the same answer (400, 404, 409, 412 and 422 describe the request or the record; 403 the rights
of whoever signed in; 501, 505 and the other 5xx not listed describe what the server can do).
"""

from __future__ import annotations

from collections.abc import Mapping

from plugin.fhir.errors import (
    FhirError,
    FhirResponseError,
    FhirTransportError,
)

# status -> why the same request, sent again later, may succeed
RETRY_REASONS: Mapping[int, str] = {
    401: "the access token was refused (it ran out or was revoked): sent again with a token a "
         "refresh or a new launch brings, it may pass",
    408: "the server stopped waiting for the request: sent again, it may arrive in time",
    425: "the server would not risk a replay of an early request: it asks for it again later",
    429: "too many requests: the server asks to come back later (Retry-After)",
    500: "the server failed while handling it: a passing fault may be gone on the next try",
    502: "a gateway in front of the server got no usable answer: the server may be back",
    503: "the server is overloaded or down for maintenance: it asks to come back later",
    504: "a gateway in front of the server timed out: the server may answer next time",
}


def retryable(failure: int | FhirError | None) -> bool:
    """True when sending the same request again may help: for a status, ``RETRY_REASONS``
    says why; for an error, no answer at all (a connection failure, a timeout, an answer
    not read to its end: nothing is known of what the server did) or a status listed there.
    An answer that could not be used (no status), a redirect, or a record the app could
    not build will be the same the next time."""
    if isinstance(failure, int):
        return failure in RETRY_REASONS
    if isinstance(failure, FhirTransportError):
        return True
    if isinstance(failure, FhirResponseError) and failure.upstream_status is not None:
        return failure.upstream_status in RETRY_REASONS
    return False
