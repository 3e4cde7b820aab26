"""The layout holds: no import cycle between the project's modules, and every module
docs/architecture.md names exists."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

PACKAGES = ("archive", "crawler")


def module_graph() -> dict[str, set[str]]:
    """Each module's module-level imports of other project modules (imports inside
    functions are deferred on purpose and cannot form a cycle at import time)."""
    modules = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {dep for dep in deps if dep in modules and dep != name}
    return graph


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        path.append(node)
        for dep in sorted(graph[node]):
            if dep.startswith(node + "."):
                continue  # a package importing its own modules in __init__
            found = visit(dep)
            if found:
                return found
        path.pop()
        return None

    return visit(start)


def test_no_import_cycle() -> None:
    graph = module_graph()
    assert len(graph) > 50
    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(graph, name))]
    assert cycles == []


def test_the_architecture_document_names_only_modules_that_exist() -> None:
    text = (REPO / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:archive|crawler|settings|tests)/[\w/.-]+)`", text))
    assert len(named) > 20
    assert sorted(name for name in named if not (REPO / name).exists()) == []
