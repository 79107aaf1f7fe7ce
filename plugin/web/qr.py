"""A QR code as inline SVG markup, drawn on the server (segno: pure Python, no network).

Used for a client's one-time link on the clinician's screen, so the client can scan it with
their phone; the text is always shown beside it, to copy into the clinic's own messaging.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, *, title: str) -> Markup:
    """``text`` as a QR code (error correction M), as an ``<svg>`` element with a title."""
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title,
                          svgclass="qr", lineclass=None)
    return Markup(svg)  # noqa: S704 - segno's own markup; ``title`` is escaped by segno
