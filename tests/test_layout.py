"""The package's shape: no import cycle between its modules, the library never imports the CLI, and the
public surface of :mod:`optimizer` is complete and cheap to import."""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import optimizer
import optimizer.errors

PACKAGE = Path(optimizer.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _module_level_imports(path: Path, known: set[str]) -> set[str]:
    """Modules of the package imported at module level (``TYPE_CHECKING`` blocks included, imports inside
    functions excluded: those are the lazy imports that keep start-up fast)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return {name for name in found if name in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        edges = _module_level_imports(path, known)
        # a package's own __init__ importing its submodules (re-exports) is not a cycle
        graph[name] = {e for e in edges if e != name and not (path.name == "__init__.py" and e.startswith(name + "."))}
        # importing a submodule runs its package's __init__ first
        graph[name] |= {e.rsplit(".", 1)[0] for e in edges if "." in e and e.rsplit(".", 1)[0] in known} - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := dfs(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := dfs(node)):
            return found
    return None


def test_no_import_cycle_in_the_package() -> None:
    """No module imports another that (directly or not) imports it back, counting imports under
    ``TYPE_CHECKING`` too; a package's ``__init__`` re-exporting its own submodules is not an edge."""
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_library_never_imports_the_cli() -> None:
    for name, path in _modules().items():
        if name.startswith("optimizer.cli") or name == "optimizer.__main__":
            continue
        text = path.read_text(encoding="utf-8")
        assert "optimizer.cli" not in text, f"{name} imports the CLI"


def test_public_surface_is_complete() -> None:
    public = {
        name
        for name in dir(optimizer)
        if not name.startswith("_") and not isinstance(getattr(optimizer, name), types.ModuleType)
    }
    assert public - {"annotations", "TYPE_CHECKING", "Any"} == set(optimizer.__all__) - {"__version__"}
    for name in optimizer.__all__:
        assert getattr(optimizer, name) is not None, name
    # the error root and every direct branch of the tree are exported
    branches = {cls.__name__ for cls in optimizer.errors.OptimizerError.__subclasses__()}
    exported_errors = {n for n in optimizer.__all__ if n.endswith("Error")}
    assert "OptimizerError" in exported_errors
    missing = {b for b in branches if b not in exported_errors and b not in {"QuotaBudgetError", "LockError"}}
    assert not missing, f"error branches not exported: {missing}"


def test_importing_the_package_is_cheap() -> None:
    code = "import sys, optimizer; print(sorted(m for m in ('pandas', 'httpx', 'pulp') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
