"""The layering the README promises: what each package may import, and no import cycles."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hiddenrep"


def _modules() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module ``module`` imports by name, anywhere in its file (function-level imports too)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            # ``from pkg import sub`` depends on the submodule; ``from pkg import name`` on the package
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """hiddenrep module -> the hiddenrep modules it imports (a package's ``__init__`` counts as the package)."""
    modules = _modules()
    return {name: {other for other in _imports(name, path, modules) if other in modules and other != name}
            for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_hiddenrep_modules():
    """A cycle means two modules are one: a function-level import that dodges it at run time still counts."""
    assert _cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", ["hiddenrep.viz", "hiddenrep.analysis", "hiddenrep.reduce",
                                     "hiddenrep.animate", "hiddenrep.compare"])
def test_pure_layers_load_neither_streamlit_nor_torch(package):
    """Imported in a fresh interpreter, every module of the package (so lazy imports are caught only
    where they are module-level; the AST check below covers the rest)."""
    names = sorted(name for name in _modules() if name == package or name.startswith(package + "."))
    code = ("import importlib, json, sys\n"
            f"for name in {names!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in ('streamlit', 'torch') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == [], f"importing {package} loaded them"


FORBIDDEN = {
    "hiddenrep.viz": {"streamlit", "torch"},
    "hiddenrep.analysis": {"streamlit", "torch"},
    "hiddenrep.reduce": {"streamlit", "torch"},
    "hiddenrep": {"app_pages", "pages"},
}


def test_no_module_imports_what_its_layer_may_not():
    """Function-level imports too: ``viz``, ``analysis``, ``reduce`` never torch or streamlit; nothing in
    hiddenrep imports the pages (dependencies point pages -> hiddenrep)."""
    wrong = []
    modules = _modules()
    for name, path in modules.items():
        tops = {other.split(".")[0] for other in _imports(name, path, modules)}
        for layer, forbidden in FORBIDDEN.items():
            if name == layer or name.startswith(layer + "."):
                wrong += [f"{name} imports {top}" for top in sorted(tops & forbidden)]
    assert wrong == []


def _package_graph() -> dict[str, set[str]]:
    """hiddenrep package (``data``, ``reduce``, ``checks``...) -> the other packages its modules import."""
    def package(module: str) -> str:
        return module.split(".")[1] if module.count(".") else ""

    graph: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        graph.setdefault(package(module), set()).update(package(other) for other in imported)
    return {name: others - {name, ""} for name, others in graph.items() if name}


def test_each_package_docstring_says_what_it_may_import_and_it_is_true():
    """The "May import:" sentence of each package's opening docstring lists every hiddenrep package it
    imports (``ui`` may import any); a new dependency has to be stated there or this fails."""
    wrong = []
    for name, imported in sorted(_package_graph().items()):
        path = PACKAGE / name / "__init__.py"
        if not path.exists():
            continue  # a single module (checks, cli): not a layer of its own
        docstring = " ".join((ast.get_docstring(ast.parse(path.read_text("utf-8"))) or "").split())
        stated = re.search(r"May import: ([^.]*)\.", docstring)
        assert stated, f"hiddenrep/{name}/__init__.py's docstring has no 'May import: ...' sentence"
        if "any package" in stated.group(1):
            continue
        allowed = set(re.findall(r"\w+", stated.group(1)))
        wrong += [f"{name} imports {other}, its docstring allows {sorted(allowed)}" for other in sorted(imported - allowed)]
    assert wrong == []
