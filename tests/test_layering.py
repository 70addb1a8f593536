"""The three layers import one way: sim/ (one model) <- experiments/ (many runs) <- analysis/.

`sim/` is the model only: it knows nothing of experiments, reports or commands. `experiments/`
runs many models and must stay light in its worker processes: no plotting library. `analysis/`
is what people see and may import both. Every import counts, wherever it is written: at the top
of a module, inside a function (a lazy import is still a dependency), under ``TYPE_CHECKING``,
or as ``importlib.import_module("...")`` with a literal name.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = ("sim", "experiments", "analysis")
# Which of our packages each layer may import, and which other libraries it must not.
ALLOWED_PACKAGES = {
    "sim": {"sim"},
    "experiments": {"sim", "experiments"},
    "analysis": {"sim", "experiments", "analysis"},
}
FORBIDDEN_LIBRARIES = {
    "sim": {"matplotlib", "solara", "argparse", "tqdm"},
    "experiments": {"matplotlib", "solara"},
    "analysis": set(),
}
PLOTTING = ("matplotlib", "solara")


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every module the source imports; ``package`` is the package
    the importing module belongs to (``sim`` for sim/model.py and for sim/__init__.py), which
    relative imports start from."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `level` - 1 packages up from the importing one
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def forbidden_imports(source: str, path: str) -> list[str]:
    """One message per import that breaks the layering, for a module at ``path`` (relative to
    the repository root, e.g. ``sim/model.py``)."""
    parts = Path(path).parts
    layer = parts[0]
    messages = []
    for line, name in imported_modules(source, ".".join(parts[:-1])):
        top = name.split(".", 1)[0]
        if top in OUR_PACKAGES and top not in ALLOWED_PACKAGES[layer]:
            messages.append(f"{path}:{line} imports {name} ({layer}/ may not import {top}/)")
        elif top in FORBIDDEN_LIBRARIES[layer]:
            messages.append(f"{path}:{line} imports {name} ({layer}/ may not use {top})")
    return messages


def modules_of(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", OUR_PACKAGES)
def test_each_layer_imports_only_the_layers_below_it(layer):
    messages = []
    for path in modules_of(layer):
        relative = path.relative_to(ROOT).as_posix()
        messages += forbidden_imports(path.read_text(encoding="utf-8"), relative)
    assert not messages, "\n".join(messages)


def test_every_layer_has_modules_to_check():
    for layer in OUR_PACKAGES:
        assert len(modules_of(layer)) > 3, layer


@pytest.mark.parametrize(
    ("source", "path", "named"),
    [
        ("from analysis import tables\n", "sim/fake.py", "analysis"),
        ("def f():\n    import experiments.sweep\n", "sim/fake.py", "experiments.sweep"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from analysis.cli import main\n",
            "sim/fake.py",
            "analysis.cli",
        ),
        ("import matplotlib.pyplot as plt\n", "experiments/fake.py", "matplotlib.pyplot"),
        ("from argparse import Namespace\n", "sim/fake.py", "argparse"),
        ("from tqdm import tqdm\n", "sim/fake.py", "tqdm"),
        ("import solara\n", "experiments/fake.py", "solara"),
        ("from analysis.tables import render\n", "experiments/fake.py", "analysis.tables"),
        ("import importlib\nimportlib.import_module('analysis.report')\n", "sim/x.py", "analysis"),
    ],
)
def test_checker_catches_a_forbidden_import(source, path, named):
    messages = forbidden_imports(source, path)
    assert len(messages) == 1 and named in messages[0], messages
    assert messages[0].startswith(f"{path}:")


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("from sim.params import Scenario\nfrom . import world\n", "sim/fake.py"),
        ("from sim import runner\nfrom experiments.store import SweepStore\n", "experiments/x.py"),
        ("from .spec import Experiment\nfrom tqdm import tqdm\n", "experiments/fake.py"),
        ("import matplotlib\nfrom experiments import sweep\n", "analysis/figures.py"),
        ("from ..tables import render\n", "analysis/cli/fake.py"),
    ],
)
def test_checker_allows_imports_downwards_and_within_a_layer(source, path):
    assert forbidden_imports(source, path) == []


def test_relative_imports_resolve_to_the_importing_package():
    assert imported_modules("from ..tables import render\n", "analysis.cli") == [
        (1, "analysis.tables")
    ]
    assert imported_modules("from . import world\n", "sim") == [(1, "sim")]
    assert imported_modules("from .world import World\n", "sim") == [(1, "sim.world")]


def _loaded_after_importing(modules: list[str]) -> set[str]:
    """Top-level packages loaded in a fresh interpreter after importing ``modules``."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_a_sweep_worker_loads_no_plotting_library():
    loaded = _loaded_after_importing(["experiments.sweep"])
    assert not loaded & {*PLOTTING, "analysis"}, sorted(loaded & {*PLOTTING, "analysis"})


def test_the_model_and_the_experiments_load_no_plotting_library_and_no_analysis():
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for layer in ("sim", "experiments")
        for path in modules_of(layer)
    ]
    loaded = _loaded_after_importing(names)
    assert not loaded & {*PLOTTING, "analysis"}, sorted(loaded & {*PLOTTING, "analysis"})
