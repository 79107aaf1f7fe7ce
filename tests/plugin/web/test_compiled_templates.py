"""Templates compile once per process: a second Environment (a second create_app) with the
same cache renders without compiling, and an edited template compiles afresh."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from plugin.web.filters import CompiledTemplates


def _environment(cache: CompiledTemplates, source: str, compiled: list[str]) -> Environment:
    class Counting(Environment):
        def compile(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
            return super().compile(*args, **kwargs)

    return Counting(loader=DictLoader({"page.html": source}), bytecode_cache=cache,
                    autoescape=True)


def test_a_second_app_renders_without_compiling_and_an_edit_compiles_again() -> None:
    cache = CompiledTemplates()
    compiled: list[str] = []
    first = _environment(cache, "<p>{{ who }} came</p>", compiled)
    assert first.get_template("page.html").render(who="<b>") == "<p>&lt;b&gt; came</p>"
    assert compiled == ["page.html"]

    second = _environment(cache, "<p>{{ who }} came</p>", compiled)
    assert second.get_template("page.html").render(who="Ana") == "<p>Ana came</p>"
    assert compiled == ["page.html"]  # from the cache

    edited = _environment(cache, "<p>{{ who }} left</p>", compiled)
    assert edited.get_template("page.html").render(who="Ana") == "<p>Ana left</p>"
    assert compiled == ["page.html", "page.html"]
