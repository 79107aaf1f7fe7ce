"""The EHR's style: only plain colours, lengths and font lists become CSS; only from the EHR."""

from __future__ import annotations

from plugin.web.ehr_style import StyleFetcher, allowed, style_sheet, style_variables
from tests.support.fake_http import fake_session


def test_good_values_become_css_variables():
    found = style_variables({"color_highlight": "#0a58ca", "color_text": "rgb(10, 20, 30)",
                             "dim_border_radius": "6px", "font_family_body": "Inter, sans-serif"})
    assert found == {"--accent": "#0a58ca", "--ink": "rgb(10, 20, 30)", "--radius": "6px",
                     "--font-body": "Inter, sans-serif"}
    assert style_sheet(found).startswith(":root {") and "--accent: #0a58ca;" in style_sheet(found)


def test_anything_that_could_escape_the_declaration_is_dropped():
    hostile = {
        "color_highlight": "red;} body{display:none",
        "color_text": "#123</style><script>",
        "dim_font_size": "16px; background:url(https://evil.example/x)",
        "font_family_body": "x}@import 'https://evil.example'",
        "color_background": 12,
    }
    assert style_variables(hostile) == {}
    assert style_sheet({}) == ""


def test_style_is_read_only_from_the_ehrs_hosts_without_a_token_and_cached():
    http, transport = fake_session()
    transport.add("GET", "https://ehr.example/style.json", (200, {"color_highlight": "#0a58ca"}))
    fetcher = StyleFetcher(http)
    ehr = ["https://ehr.example/fhir", "https://ehr.example/auth/token"]
    assert fetcher.variables("https://evil.example/style.json", ehr) == {}
    assert fetcher.variables("https://ehr.example/style.json", ehr) == {"--accent": "#0a58ca"}
    assert fetcher.variables("https://ehr.example/style.json", ehr) == {"--accent": "#0a58ca"}
    assert len(transport.sent) == 1 and "Authorization" not in transport.sent[0].headers
    assert not allowed("javascript:alert(1)", ehr)


def test_an_unreadable_style_is_no_style():
    http, transport = fake_session()
    transport.add("GET", "https://ehr.example/style.json", (500, b"oops"))
    assert StyleFetcher(http).variables("https://ehr.example/style.json",
                                        ["https://ehr.example/fhir"]) == {}


def test_colours_that_would_make_text_hard_to_read_are_not_applied():
    from plugin.web.ehr_style import contrast

    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    pale = style_variables({"color_highlight": "#7fb2ff", "color_text": "#999999",
                            "color_error": "#b3261e"})
    assert pale == {"--warn": "#b3261e"}  # pale blue and grey text fail 4.5:1 on white
    dark_page = style_variables({"color_background": "#202020"})
    assert dark_page == {}  # the panel's dark text would vanish on it


def test_a_huge_or_deeply_nested_style_document_is_dropped_not_raised():
    http, transport = fake_session()
    deep = b'{"a": ' * 100_000 + b"1" + b"}" * 100_000
    transport.add("GET", "https://ehr.example/deep.json", (200, deep))
    huge = b'{"x": "' + b" " * 200_000 + b'"}'
    transport.add("GET", "https://ehr.example/huge.json", (200, huge))
    fetcher = StyleFetcher(http)
    ehr = ["https://ehr.example/fhir"]
    assert fetcher.variables("https://ehr.example/deep.json", ehr) == {}  # no RecursionError
    assert fetcher.variables("https://ehr.example/huge.json", ehr) == {}  # over 64 KiB
