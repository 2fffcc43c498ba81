"""The subsystems of ``novel_pyramid`` import each other without cycles.

A subsystem is a first-level package or module (``jobs``, ``tasks``, ``api``...).
Every import counts, at module level or deferred inside a function: a deferred
import hides a cycle from Python, not from the design. The graph is read from
the source with ``ast``, so the test needs no import side effects.
"""

import ast
import itertools
import pathlib

import pytest

import novel_pyramid

PACKAGE_ROOT = pathlib.Path(novel_pyramid.__file__).parent
PACKAGE = "novel_pyramid"


def subsystem_of(module):
    """``novel_pyramid.jobs.services`` -> ``jobs``; the package itself -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


def is_subsystem(name):
    return (PACKAGE_ROOT / name / "__init__.py").exists() or (PACKAGE_ROOT / f"{name}.py").exists()


def module_name(path):
    relative = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path):
    """Every ``novel_pyramid`` module imported by the file, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield source
            # ``from novel_pyramid import jobs`` imports the subsystem ``jobs``
            # (and ``from novel_pyramid import __version__`` none).
            if source == PACKAGE:
                yield from (f"{PACKAGE}.{alias.name}" for alias in node.names if is_subsystem(alias.name))


def subsystem_graph():
    """``{subsystem: {subsystem it imports: [the importing files]}}``, self-imports left out."""
    graph = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        importer = subsystem_of(module_name(path))
        if importer is None:
            continue
        edges = graph.setdefault(importer, {})
        for module in imported_modules(path):
            imported = subsystem_of(module)
            if imported is not None and imported != importer:
                edges.setdefault(imported, []).append(str(path.relative_to(PACKAGE_ROOT)))
    return graph


def find_cycle(graph):
    """One cycle as a list of subsystems (first == last), or None."""
    visiting, done = [], set()

    def visit(node):
        if node in visiting:
            return visiting[visiting.index(node) :] + [node]
        if node in done:
            return None
        visiting.append(node)
        for neighbour in sorted(graph.get(node, {})):
            cycle = visit(neighbour)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def describe(graph, cycle):
    steps = []
    for importer, imported in itertools.pairwise(cycle):
        steps.append(f"{importer} -> {imported} (in {', '.join(sorted(set(graph[importer][imported])))})")
    return "; ".join(steps)


def test_the_subsystems_import_each_other_without_cycles():
    graph = subsystem_graph()
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle between subsystems: {describe(graph, cycle)}"


def test_the_graph_reader_sees_a_cycle():
    graph = {"a": {"b": ["a/x.py"]}, "b": {"c": ["b/y.py"]}, "c": {"a": ["c/z.py"]}, "d": {}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) is None


@pytest.mark.parametrize(
    ("module", "expected"),
    [("novel_pyramid.jobs.services", "jobs"), ("novel_pyramid", None), ("os.path", None)],
)
def test_subsystem_names(module, expected):
    assert subsystem_of(module) == expected
