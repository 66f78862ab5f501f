"""The dependency direction: api -> graphs -> nodes -> (bank_router: knowledge, policy, turn state). No loops."""

from __future__ import annotations

import ast
from pathlib import Path

from bank_router.settings import ROOT

PACKAGES = ("api", "bank_router", "graphs", "nodes")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path, top_level_only: bool, modules: set[str]) -> set[str]:
    """Project modules a file imports; with `top_level_only`, those imported when the module loads."""
    tree = ast.parse(path.read_text("utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import submodule` loads the submodule; `from pkg import name` loads pkg itself.
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules
            out |= subs if len(subs) == len(node.names) else {node.module, *subs}
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out & modules


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {_module(p): p for p in files}
    return {m: _imports(p, top_level_only, set(modules)) for m, p in modules.items()}


def test_nodes_never_import_graphs() -> None:
    offenders = {m: sorted(i for i in deps if i.startswith("graphs")) for m, deps in _graph(False).items()}
    assert {m: d for m, d in offenders.items() if m.startswith("nodes") and d} == {}


def test_library_never_imports_the_layers_above_it() -> None:
    """bank_router/ is the parts every layer uses: it imports no agent, node or API module (the CLI excepted)."""
    upward = ("graphs", "nodes", "api")
    found = {
        m: sorted(i for i in deps if i.startswith(upward))
        for m, deps in _graph(False).items()
        if m.startswith("bank_router") and m != "bank_router.cli"
    }
    assert {m: d for m, d in found.items() if d} == {}


def test_no_import_loop() -> None:
    graph = _graph(True)
    state: dict[str, int] = {}
    loops: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for dep in sorted(graph.get(m, ())):
            if state.get(dep) == 1:
                loops.append([*path[path.index(dep) :], dep] if dep in path else [m, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert loops == []
