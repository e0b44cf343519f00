"""The package's import structure (issue #15): one way into the crisis engine, no import cycles.

Read from the source with ``ast``, not by importing: every ``import`` counts, at module level,
inside functions (a lazy import is still a dependency) and under ``TYPE_CHECKING`` (a cycle that
only the type checker sees is still two modules that cannot be understood apart).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "hp_agent"
CRISIS = "hp_agent.crisis"
# The crisis layer's inside: the engine, the batched assessor, the scripted flow and its words,
# and the chat turn. Only the gateway (``hp_agent.crisis.gateway``), the enums, models, schemas
# and endpoints are for other packages.
PRIVATE = frozenset(
    f"{CRISIS}.{name}"
    for name in ("engine", "assessor", "flow", "followup", "check_words", "chat_turn", "screening", "service")
)


def _modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module name ``path`` imports (``from a import b`` yields ``a`` and ``a.b``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # A module's own parent packages are initialised before it by Python; an edge to them
        # is not a dependency the module chose.
        graph[name] = {
            m
            for m, _ in _imported(name, path)
            if m in modules and m != name and not name.startswith(m + ".")
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# Cycles known and owned elsewhere, each with the reason it still stands. The test fails on any
# other cycle, and on a listed one that is gone (then its line here goes too).
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def test_no_import_cycle_in_the_package() -> None:
    found = {frozenset(c) for c in cycles(_graph(_modules()))}
    new = [sorted(c) for c in found - KNOWN_CYCLES.keys()]
    assert not new, "modules that import each other (directly or round a loop): " + "; ".join(
        " <-> ".join(c) for c in new
    )
    gone = [sorted(c) for c in KNOWN_CYCLES.keys() - found]
    assert not gone, f"no longer a cycle, remove it from KNOWN_CYCLES: {gone}"


def test_only_the_crisis_package_reaches_the_engine_and_the_flow() -> None:
    offenders: list[str] = []
    for name, path in sorted(_modules().items()):
        if name == CRISIS or name.startswith(CRISIS + "."):
            continue
        for imported, line in _imported(name, path):
            root = imported.partition(".")[0]
            if root == "crisis_engine" or imported in PRIVATE:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not offenders, "use hp_agent.crisis.gateway instead:\n" + "\n".join(sorted(set(offenders)))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from crisis_engine import RiskLevel\n", "crisis_engine"),
        ("def f():\n    from hp_agent.crisis import flow\n", "hp_agent.crisis.flow"),
        ("from ..crisis import engine\n", "hp_agent.crisis.engine"),
    ],
)
def test_the_import_reader_sees_every_form(tmp_path: Path, source: str, expected: str) -> None:
    module = tmp_path / "hp_agent" / "journal" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text(source, encoding="utf-8")
    assert expected in {m for m, _ in _imported("hp_agent.journal.x", module)}
