"""The package's layers stay one-way (DESIGN.md section 6): no module imports a layer above its own, no two
top-level units import each other, and no modules form an import cycle.

Every module under ``src/lira`` is parsed with ``ast``; imports anywhere in it count (module level, inside
functions, under ``TYPE_CHECKING``), since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import lira

SRC = Path(lira.__file__).resolve().parent

# Lowest layer first. A unit (a top-level subpackage or module of ``lira``) may import its own modules and the
# units of lower layers; units of one layer do not import each other (the cycle tests below keep them apart).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("lira",),  # the package root: only ``__version__``
    ("languages", "io", "environment", "config_fields", "extras", "metrics", "lru"),  # language codes, atomic
    # I/O, cache folder, versions, the optional extras' install messages, the metrics training and evaluation
    # share, a bounded least-recently-used map
    ("data", "backbones"),  # data formats and loaders; frozen encoders
    ("cache", "translators", "retrieval", "stream", "workers", "weights"),  # feature cache; translators; retrieval
    # metrics and search; streaming any encoder (it sums the backbones' warnings) into an .npy; worker processes for
    # training; safetensors weights (they record how the backbones read the text they were trained on)
    ("arca", "tasks", "timing"),  # adaptor, critics, actor over backbones and translators; the task registry;
    # where a run's time went (over the cache's encoding tally)
    ("lasr", "baselines"),  # LaSR head over Arca; the baselines LiRA is compared with
    ("model",),  # LiRAModel
    ("training",),  # over the model, data and tasks
    ("evaluation",),  # evaluators over training's selection and the model
    ("benchmark", "demo", "serving", "integrations"),  # applications
    ("cli",),  # cli.py and its cli_*.py helpers, __main__
)

# Imports allowed against the table, each with its reason; keep this empty unless a fix needs a refactor.
ALLOWED: dict[tuple[str, str], str] = {}


def unit_of(module: str) -> str:
    """The top-level unit of a dotted module name: ``lira.data.io`` -> ``data``; the CLI modules -> ``cli``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "lira"
    head = parts[1]
    return "cli" if head.startswith("cli") or head == "__main__" else head


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        out[".".join(parts).removesuffix(".__init__")] = path
    return out


MODULES = modules()


def _resolve(name: str) -> str:
    """The module an imported dotted name lives in (``lira.data.io.write_json`` -> ``lira.data.io``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(module: str) -> Iterator[tuple[int, str]]:
    """``(line, imported lira module)`` for every import of ``module``, relative ones resolved."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "lira" or alias.name.startswith("lira."):
                    yield node.lineno, _resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source != "lira" and not source.startswith("lira."):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                yield node.lineno, full if full in MODULES else _resolve(source)


GRAPH: dict[str, set[str]] = {m: {t for _, t in imports_of(m) if t and t != m} for m in MODULES}
LAYER_OF = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_unit_has_a_layer():
    units = {unit_of(m) for m in MODULES}
    assert units - set(LAYER_OF) == set(), "add the new unit to LAYERS in tests/test_layers.py"
    assert set(LAYER_OF) - units == set(), "LAYERS names a unit the package no longer has"
    assert len(LAYER_OF) == sum(len(layer) for layer in LAYERS), "a unit appears in two layers"


def test_no_module_imports_a_layer_above_its_own():
    bad = []
    for module in MODULES:
        here = unit_of(module)
        for line, target in imports_of(module):
            there = unit_of(target)
            if there == here or (here, there) in ALLOWED:
                continue
            if LAYER_OF[there] >= LAYER_OF[here]:
                bad.append(f"{MODULES[module].relative_to(SRC.parent)}:{line}: {module} ({here}, layer "
                           f"{LAYER_OF[here]}) imports {target} ({there}, layer {LAYER_OF[there]})")
    assert not bad, "imports against DESIGN.md's one-way layers:\n" + "\n".join(bad)


def test_no_import_cycles_between_units():
    units: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        units.setdefault(unit_of(module), set()).update(unit_of(t) for t in targets if unit_of(t) != unit_of(module))
    assert _cycles(units) == []


def test_no_import_cycles_between_modules():
    assert _cycles(GRAPH) == []


def test_allowances_are_still_needed():
    used = {(unit_of(m), unit_of(t)) for m, targets in GRAPH.items() for t in targets}
    assert set(ALLOWED) - used == set(), "drop the allowances no import needs any more"


@pytest.mark.parametrize(("imports", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_the_cycle_finder_finds_cycles(imports, expected):
    assert _cycles(imports) == expected


def test_imports_are_resolved_to_modules():
    assert unit_of("lira.data.io") == "data" and unit_of("lira.cli_eval") == "cli" and unit_of("lira") == "lira"
    found = dict(imports_of("lira.cache"))
    assert {"lira.io", "lira.environment", "lira.backbones.base"} <= set(found.values())
