"""Where a state-changing request comes from: only the app's own pages may POST to it.

Every POST (and any other method that is not GET, HEAD or OPTIONS) is checked before a route
reads it, with the headers a browser sets itself and a page cannot forge:

1. ``Sec-Fetch-Site``, when sent, must be ``same-origin``. ``same-site`` (a sibling
   sub-domain), ``cross-site`` and ``none`` are refused.
2. ``Origin``, when sent with an origin, must be the app's own: the origin of the request's
   address (``Host``, or the proxy's forwarded host when ALLIANCE_TRUSTED_PROXIES is set) or
   of ALLIANCE_PUBLIC_URL.
3. ``Origin: null`` (what a browser sends for a same-origin form when the page's referrer
   policy is ``no-referrer``, as the app's pages are, and also what a sandboxed or ``data:``
   page sends) and a missing ``Origin`` are accepted only with ``Sec-Fetch-Site: same-origin``,
   or when neither header is sent at all (not a browser, so not a forged request from a page).

The check needs no cookie, so it holds inside an EHR's frame with third-party cookies blocked:
the frame's own forms post to their own origin. It sits beside the CSRF token of every form
(plugin/web/csrf.py) and guards POST /callback, which has no launch handle and no token yet.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import request
from werkzeug.exceptions import Forbidden

from plugin.wording import error_pages

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower-cased ("" when it has none)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def request_allowed(method: str, origin: str | None, fetch_site: str | None,
                    own: frozenset[str]) -> bool:
    """The rule above, as a pure function of the request's method and headers."""
    if method.upper() in SAFE_METHODS:
        return True
    if fetch_site is not None and fetch_site.strip().lower() != "same-origin":
        return False
    if origin is not None and origin.strip().lower() not in ("", "null"):
        return origin.strip().lower().rstrip("/") in own
    if fetch_site is not None:  # Origin null or missing, Sec-Fetch-Site: same-origin
        return True
    return origin is None  # no browser header at all: not a page's forged request


def check_origin(public_url: str) -> None:
    """Refuse (403) a state-changing request that another site's page could have sent."""
    own = frozenset(o for o in (origin_of(request.host_url), origin_of(public_url)) if o)
    if request_allowed(request.method, request.headers.get("Origin"),
                       request.headers.get("Sec-Fetch-Site"), own):
        return
    log.warning("cross-origin %s refused (Sec-Fetch-Site %s)", request.method,
                (request.headers.get("Sec-Fetch-Site") or "absent")[:20])
    raise Forbidden(error_pages.FROM_ANOTHER_SITE)
