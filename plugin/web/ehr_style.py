"""The EHR's look (SMART `smart_style_url`) as CSS custom properties the panel's styles use.

The style document is fetched without any token, only from the EHR's own hosts (the FHIR
server's or the authorization server's), cached per URL, and every value is checked against a
strict pattern: a value that is not plainly a colour, a length or a font list is dropped, so
nothing from the EHR can inject CSS. It is read within STYLE_LIMITS (a few KB of flat JSON in
practice): a huge, deep or slow answer is dropped like an unreadable one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from smart_launch import SmartLaunchError
from smart_launch.cache import TtlCache
from smart_launch.limits import ReadLimits
from smart_launch.transport import get_json

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
STYLE_LIMITS = ReadLimits(max_bytes=64 * 1024, max_depth=8, deadline=5.0)  # project defaults
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


# The panel's own colours (panel.css) and the light backgrounds text is drawn on.
DEFAULTS = {"--bg": "#f4f6f9", "--ink": "#1d2733", "--accent": "#2457a6", "--warn": "#9a3412",
            "--ok": "#166534"}
TEXT_COLOURS = ("--ink", "--accent", "--warn", "--ok")
SURFACES = ("#ffffff", "#fffaf5", "#f3fbf5", "#eef4ff", "#e8eef8")
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text


def _rgb(colour: str) -> tuple[float, float, float] | None:
    """sRGB channels 0..1 of a #hex or rgb()/rgba() colour (alpha ignored), else None."""
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits[:3])
        return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    parts = re.findall(r"[\d.]+%?", colour)
    if len(parts) < 3 or any(p.endswith("%") for p in parts[:3]):
        return None
    return tuple(min(float(p), 255.0) / 255 for p in parts[:3])  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """The WCAG 2 contrast ratio of two colours (1 when either cannot be read)."""
    a, b = _rgb(one), _rgb(other)
    if a is None or b is None:
        return 1.0
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _readable(variables: dict[str, str]) -> dict[str, str]:
    """Drop any EHR colour that would make the panel's text hard to read: the app stays
    accessible whatever the EHR's palette (WCAG 2 AA, 4.5:1 on every surface it uses)."""
    kept = dict(variables)
    background = kept.get("--bg", DEFAULTS["--bg"])
    if any(contrast(DEFAULTS[t], background) < MIN_CONTRAST for t in TEXT_COLOURS):
        kept.pop("--bg", None)
        background = DEFAULTS["--bg"]
    for name in TEXT_COLOURS:
        if name in kept and any(
            contrast(kept[name], surface) < MIN_CONTRAST for surface in (*SURFACES, background)
        ):
            kept.pop(name)
    return kept


def style_variables(document: Mapping[str, Any]) -> dict[str, str]:
    """The CSS variables a style document safely sets, readable colours only."""
    found = {}
    for name, (variable, pattern) in PROPERTIES.items():
        value = document.get(name)
        if isinstance(value, str) and pattern.fullmatch(value.strip()):
            found[variable] = value.strip()
    return _readable(found)


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
        self._cache: TtlCache[str, dict[str, str]] = TtlCache(CACHE_SECONDS, clock)

    def variables(self, url: str, ehr_urls: Iterable[str | None]) -> dict[str, str]:
        """The EHR's style as CSS variables; empty when it cannot or may not be read."""
        if not allowed(url, ehr_urls):
            log.warning("smart_style_url on a host other than the EHR's; not fetched")
            return {}
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:  # no redirect is followed; size, depth and time are bounded (STYLE_LIMITS)
            document: Any = get_json(self._http, url, timeout=5, limits=STYLE_LIMITS)
        except SmartLaunchError as err:
            log.warning("smart_style_url not readable: %s", err.code)
            document = {}
        found = style_variables(document if isinstance(document, dict) else {})
        self._cache.put(url, found)
        return found
