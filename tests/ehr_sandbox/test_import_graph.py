"""ehr_sandbox has no import circle: every module-level import chain runs one way.

Builds the graph of ehr_sandbox's own modules with grimp (what import-linter uses), counting
every import statement: at module top, inside functions and under TYPE_CHECKING. A strongly
connected set of two or more modules is a circle. lint-imports' `acyclic_siblings` contract
checks the same between sibling packages; this also catches a package's __init__ in a circle
with its own modules.
"""

from __future__ import annotations

import grimp


def circles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The strongly connected sets (Tarjan) of two or more modules of `package`."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules))
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_the_circle_finder_sees_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert circles(graph, "pkg") == []
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert circles(graph, "pkg") == [["pkg.a", "pkg.b", "pkg.c"]]


def test_ehr_sandbox_has_no_import_circle() -> None:
    graph = grimp.build_graph("ehr_sandbox", cache_dir=None)
    assert circles(graph, "ehr_sandbox") == []
