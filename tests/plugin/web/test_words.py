"""The catalogue as the templates read it (plugin/web/filters.py, ``Words``): escaped once,
apostrophes as typed, even when one catalogue value is given to another's function."""

from __future__ import annotations

from markupsafe import Markup

from plugin.web.filters import Words
from plugin.wording import pages, rating


def test_a_catalogue_value_inside_another_is_escaped_once() -> None:
    page_words, rating_words = Words(pages), Words(rating)
    title = page_words.titled(rating_words.REMOVE_TITLE)
    assert title == Markup("Remove a rating recorded by mistake · Alliance Panel")
    assert page_words.titled(page_words.titled("Tom & Jerry's")) == Markup(
        "Tom &amp; Jerry's · Alliance Panel · Alliance Panel")


def test_a_value_from_outside_is_escaped() -> None:
    assert Words(pages).titled("<b>O'Neil</b>") == Markup(
        "&lt;b&gt;O'Neil&lt;/b&gt; · Alliance Panel")
