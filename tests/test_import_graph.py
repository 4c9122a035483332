"""The package's imports, read with ast: no loops, nothing imported upward.

A module may import a sibling or anything on its own floor or below; it
never imports one of its ancestor packages (the root's ``__init__`` and a
parent's register everything) nor a sub-package on a higher floor. Run as
a script to print the reading.
"""
import ast
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
PKG = 'sce_mae_mm'
#: sub-packages by floor, lowest first
FLOORS = (
    {'version', 'fileio', 'dtypes', 'registry', 'checkpoint'},
    {'datasets'},
    {'models', 'evaluation'},
    {'engine', 'visualization', 'apis', 'deploy'},
    {'benchmark', 'studies'},
)


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


MODULES = {_name(p): p for p in sorted((ROOT / PKG).rglob('*.py'))}


def _resolve(name: str) -> str:
    """The module that ``name`` names (``a.b.C`` -> ``a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition('.')[0]
    return name


def import_graph() -> Dict[str, Dict[str, int]]:
    """module -> {imported module of the package: line}."""
    graph: Dict[str, Dict[str, int]] = {}
    for mod, path in MODULES.items():
        package = mod.split('.')
        if path.name != '__init__.py':
            package = package[:-1]
        found = graph.setdefault(mod, {})
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    anchor = package[:len(package) - node.level + 1]
                    base = '.'.join(anchor + ([base] if base else []))
                targets = [f'{base}.{a.name}' for a in node.names]
            for target in targets:
                target = _resolve(target)
                if target.startswith(PKG) and target != mod:
                    found.setdefault(target, node.lineno)
    return graph


def loops(graph: Dict[str, Dict[str, int]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    found: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _floor(mod: str) -> int:
    parts = mod.split('.')
    if len(parts) == 1:
        return len(FLOORS)
    return next(i for i, names in enumerate(FLOORS) if parts[1] in names)


def upward_imports(graph: Dict[str, Dict[str, int]]) -> List[str]:
    """Imports of an ancestor package or of a higher floor."""
    found = []
    for mod, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            where = f'{MODULES[mod].relative_to(ROOT)}:{line}'
            if mod.startswith(target + '.'):
                found.append(f'{where} imports its ancestor {target}')
            elif _floor(target) > _floor(mod):
                found.append(f'{where} (floor {_floor(mod)}) imports '
                             f'{target} (floor {_floor(target)})')
    return found


def test_every_subpackage_has_a_floor():
    subpackages = {m.split('.')[1] for m in MODULES if '.' in m}
    assert subpackages == set().union(*FLOORS)


def test_no_import_loops():
    assert loops(import_graph()) == []


def test_no_upward_imports():
    assert upward_imports(import_graph()) == []


if __name__ == '__main__':
    graph = import_graph()
    print(f'{len(graph)} modules, {sum(map(len, graph.values()))} imports '
          f'inside {PKG}')
    print(f'loops: {len(loops(graph))}')
    for comp in loops(graph):
        print('  ' + ' <-> '.join(comp))
    print(f'upward imports: {len(upward_imports(graph))}')
    for line in upward_imports(graph):
        print('  ' + line)
