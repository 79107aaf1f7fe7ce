"""The EHR's look (SMART `smart_style_url`) as CSS custom properties the panel's styles use.

The style document is fetched without any token, only from the EHR's own hosts (the FHIR
server's or the authorization server's), cached per URL, and every value is checked against a
strict pattern: a value that is not plainly a colour, a length or a font list is dropped, so
nothing from the EHR can inject CSS.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\))$")
LENGTH = re.compile(r"^\d{1,3}(\.\d{1,3})?(px|em|rem)$")
FONTS = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,120}$")

# SMART style property -> (CSS custom property of panel.css, pattern its value must match)
PROPERTIES: dict[str, tuple[str, re.Pattern[str]]] = {
    "color_background": ("--bg", COLOUR),
    "color_text": ("--ink", COLOUR),
    "color_highlight": ("--accent", COLOUR),
    "color_error": ("--warn", COLOUR),
    "color_success": ("--ok", COLOUR),
    "dim_border_radius": ("--radius", LENGTH),
    "dim_font_size": ("--font-size", LENGTH),
    "font_family_body": ("--font-body", FONTS),
    "font_family_heading": ("--font-heading", FONTS),
}


def style_variables(document: Mapping[str, Any]) -> dict[str, str]:
    """The CSS variables a style document safely sets."""
    found = {}
    for name, (variable, pattern) in PROPERTIES.items():
        value = document.get(name)
        if isinstance(value, str) and pattern.fullmatch(value.strip()):
            found[variable] = value.strip()
    return found


def style_sheet(variables: Mapping[str, str]) -> str:
    lines = "".join(f"  {name}: {value};\n" for name, value in sorted(variables.items()))
    return f":root {{\n{lines}}}\n" if lines else ""


def allowed(url: str, ehr_urls: Iterable[str | None]) -> bool:
    target = urlsplit(url)
    hosts = {urlsplit(u).netloc for u in ehr_urls if u}
    return target.scheme in ("http", "https") and target.netloc in hosts


class StyleFetcher:
    def __init__(
        self, http: requests.Session, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._http = http
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def variables(self, url: str, ehr_urls: Iterable[str | None]) -> dict[str, str]:
        """The EHR's style as CSS variables; empty when it cannot or may not be read."""
        if not allowed(url, ehr_urls):
            log.warning("smart_style_url on a host other than the EHR's; not fetched")
            return {}
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url)
        if cached and cached[0] > now:
            return cached[1]
        try:
            answer = self._http.get(url, timeout=5, headers={"Accept": "application/json"})
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as err:
            log.warning("smart_style_url not readable: %s", type(err).__name__)
            document = {}
        found = style_variables(document if isinstance(document, dict) else {})
        with self._lock:
            self._cache[url] = (now + CACHE_SECONDS, found)
        return found
