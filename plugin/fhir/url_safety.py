"""Where a FHIR request may go: the checks every URL passes before the bearer token is sent.

- ``harden`` (smart_launch's, shared with the SMART client): the outbound session keeps no
  cookies (one jar for every launch would carry a cookie one EHR's server, balancer or WAF set
  during launch A to launch B) and no caller of it can follow a redirect (a response hook takes
  ``Location`` off every 3xx).
- ``same_server``: an absolute URL from the server (a paging link) is followed only when, after
  decoding percent-escapes and resolving ``.``/``..`` in its path, it is the FHIR base or lies
  under the base plus ``/``; a string prefix let ``{base}/../admin`` and ``/fhir-admin`` through.
- ``check_id`` and ``check_batch_entry``: ids must match FHIR's id syntax and a batch entry must
  be a search or a read by id, so ``x%3Fsubject=...`` cannot turn a read into a search.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from plugin.fhir.errors import FhirUnsafeUrl
from smart_launch.transport import REDIRECT_STATUSES
from smart_launch.transport import harden_session as harden

__all__ = [
    "BATCH_ENTRY", "FHIR_ID", "REDIRECT_STATUSES", "RESOURCE_TYPE", "check_batch_entry",
    "check_id", "harden", "normalised_path", "same_server",
]

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 datatype id
RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
# A batch entry: a search (`Type?query`) or a read of one resource, its history or a version.
BATCH_ENTRY = re.compile(
    r"(?P<type>[A-Z][A-Za-z]{1,63})"
    r"(\?(?P<query>[^#\s]*)|/(?P<id>[A-Za-z0-9\-.]{1,64})(/_history(/[A-Za-z0-9\-.]{1,64})?)?)"
)


def check_id(resource_type: str, resource_id: str) -> str:
    """`Type/id` when both match FHIR's syntax; FhirUnsafeUrl otherwise."""
    if not RESOURCE_TYPE.fullmatch(resource_type) or not FHIR_ID.fullmatch(resource_id):
        raise FhirUnsafeUrl(
            f"{resource_type[:40]}/{resource_id[:80]!r} is not a FHIR resource id; "
            "it was not read.",
        )
    return f"{resource_type}/{resource_id}"


def check_batch_entry(url: str) -> str:
    """A batch entry that is a search or a read by id, nothing else; FhirUnsafeUrl otherwise."""
    if not BATCH_ENTRY.fullmatch(url):
        raise FhirUnsafeUrl(
            f"{url[:80]!r} is neither a search nor a read by FHIR id; it was not sent.",
        )
    return url


def normalised_path(path: str) -> str:
    """The path with percent-escapes decoded and `.`/`..` segments resolved, as a server
    that decodes before routing would see it."""
    decoded = unquote(path).replace("\\", "/")
    resolved = posixpath.normpath("/" + decoded.lstrip("/")) if decoded else "/"
    return "/" + resolved.lstrip("/")


def same_server(base_url: str, url: str) -> str:
    """`url` when, its path normalised, it is the FHIR base or lies under the base plus `/`;
    FhirUnsafeUrl otherwise (another origin, user info, a path outside the base)."""
    base = urlsplit(base_url)
    try:
        target = urlsplit(url)
        same_origin = (
            target.scheme.lower() == base.scheme.lower()
            and (target.hostname or "") == (base.hostname or "")
            and target.port == base.port
            and target.username is None and target.password is None
        )
    except ValueError:
        same_origin = False
    if not same_origin:
        raise FhirUnsafeUrl(
            f"The FHIR server sent a link to another address ({urlsplit(url).netloc}); "
            "it was not followed."
        )
    root = normalised_path(base.path).rstrip("/")
    path = normalised_path(target.path)
    # The base itself (HAPI pages with `{base}?_getpages=...`) or anything under base + "/".
    if path.rstrip("/") != root and not path.startswith(root + "/"):
        raise FhirUnsafeUrl(
            "The FHIR server sent a link outside its FHIR base "
            f"({normalised_path(target.path)[:80]}); it was not followed."
        )
    return url
