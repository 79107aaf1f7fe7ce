"""Read an HTML form the way a browser would: its action, hidden fields and select options."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.selects: dict[str, list[tuple[str, str]]] = {}  # name -> [(value, group label)]
        self._select: str | None = None
        self._group = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.action:
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.selects[self._select or ""] = []
        elif tag == "optgroup":
            self._group = a.get("label", "")
        elif tag == "option" and self._select:
            self.selects[self._select].append((a.get("value", ""), self._group))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "optgroup":
            self._group = ""


def read_form(page_html: str, page_url: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(page_html)
    parser.action = urljoin(page_url, parser.action or page_url)
    return parser
