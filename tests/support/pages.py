"""Reading the app's pages the way a person would."""

from __future__ import annotations

import html
import re


def panel_patient_name(page_html: str) -> str:
    """The patient a panel page is about: its title names them ("<name> · Alliance Panel");
    the banner, shown when the EHR asks for one, must agree."""
    title = re.search(r"<title>([^<]+?) · Alliance Panel</title>", page_html)
    assert title, f"not a panel page:\n{page_html[:1500]}"
    name = html.unescape(title.group(1))
    banner = re.search(r'<strong class="name">([^<]+)</strong>', page_html)
    if banner:
        assert html.unescape(banner.group(1)) == name
    return name


def has_banner(page_html: str) -> bool:
    return 'class="banner" aria-label="Patient"' in page_html
