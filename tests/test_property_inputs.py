"""A standing guard on bad input (issue 14): Hypothesis writes scenario files, world CSV folders,
experiment files and `--set` values, valid and broken, by mutating shipped ones (wrong types,
non-finite numbers, out-of-range values, missing and extra keys, bad bytes), and every command
either succeeds or exits 2 with exactly one line on stderr: never a traceback, never an output
folder (or a hidden partial one) left behind by a refused command.

Bounded to stay fast: a few dozen examples per input kind, one replication of a short scenario,
runs in this process (``main(argv)``, so an uncaught exception is the traceback a user would
see), serial scheduling, and at most a handful of runs per sweep. Figures are still built (their
code runs on every input); only the encoding of their PNGs is skipped, the slowest part of a run.
Examples are derandomised: the same cases every time.
"""

import contextlib
import io
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import results_folder
from analysis.cli.main import main
from sim.params import SECTION_OF
from sim.scenario import SCENARIO_DIR, load_scenario

RWANDA = SCENARIO_DIR / "worlds" / "rwanda"
# A short programme on the shipped world: the same parameters as tpn_2021, a third of the months.
SHORT = {
    "extends": str(SCENARIO_DIR / "tpn_2021.toml"),
    "horizon_months": 10,
    "replications": 1,
    "design": {"programme_months": 4},
    "schedule": {
        "coaching_months": [0, 2],
        "virtual_coaching_months": [2],
        "virtual_event_months": [3],
        "provincial_event_months": [3],
        "visit_window": [1, 3],
    },
    "evaluation": {"endline_month": 10},
}
GUARD = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Values a user might type where a number, word or list belongs.
ODD_NUMBERS = [math.inf, -math.inf, math.nan, 1e300, -1e300, -1, 0, 0.5, 1, 3, 1e9, 2**63]
ODD_VALUES = [*ODD_NUMBERS, "", "text", True, [], [1, "a"], [5, 2], {"a": 1}]
parameters = st.sampled_from(sorted(SECTION_OF))


def _current_values() -> dict[str, Any]:
    """Every parameter's value in the short scenario, by bare name (TOML-writable)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "short.toml"
        path.write_text(tomli_w.dumps(SHORT))
        dumped = load_scenario(path).model_dump(mode="json")
    return {key: dumped[section][key] for key, section in SECTION_OF.items()}


CURRENT = _current_values()


def _near(value: Any) -> list[Any]:
    """Values a user could mean beside ``value``: it, and its neighbours of the same type."""
    if isinstance(value, bool) or value is None:
        return [value, not value] if isinstance(value, bool) else [0, 12]
    if isinstance(value, int | float):
        return [value, value * 2, value / 2, value + 1, type(value)(max(value - 1, 0))]
    if isinstance(value, list):
        return [value, value[:1], value[::-1]]
    return [value]


def values_for(key: str) -> st.SearchStrategy:
    """Half the time a value near the parameter's own, else an odd one."""
    near = [v for v in _near(CURRENT.get(key)) if v is not None]
    return st.one_of(st.sampled_from(near or [0]), st.sampled_from(ODD_VALUES))


@pytest.fixture(autouse=True)
def _no_png_encoding(monkeypatch):
    """Figures are built as in a real run; writing the PNG is replaced by an empty file."""

    def save(figure: plt.Figure, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        plt.close(figure)

    monkeypatch.setattr(results_folder, "save_figure", save)


def tpn(argv: list[str], out: Path) -> tuple[int, str]:
    """Run `tpn` in this process; the exit status and stderr. Anything but an exit 0, or an
    exit 2 with one line on stderr and nothing left beside ``out``, fails the example."""
    before = _entries(out.parent)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    if code == 0:
        assert out.exists(), f"exit 0 but no {out}"
        return code, stderr
    assert code == 2, (code, stderr)
    assert stderr.startswith("tpn: error: ") and stderr.count("\n") == 1, stderr
    assert not out.exists(), f"{out} left behind by a refused command"
    assert _entries(out.parent) == before, "a partial folder left behind"
    return code, stderr


def _entries(folder: Path) -> set[str]:
    """A folder's entries, without the lock files a command keeps beside its output."""
    return {p.name for p in folder.iterdir() if not p.name.endswith(".lock")}


def _write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


def _set(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """``data`` with ``key`` (a bare parameter name) set in its section."""
    section = SECTION_OF[key]
    return {**data, section: {**data.get(section, {}), key: value}}


# --- scenario files ------------------------------------------------------------------------


@st.composite
def scenario_files(draw) -> tuple[str, Any]:
    """A short scenario mutated one way: a parameter set to an odd value, an unknown key or
    section, a missing file it extends, bad bytes, or broken TOML."""
    kind = draw(st.sampled_from(["value", "value", "value", "extra", "section", "bytes", "syntax"]))
    if kind == "value":
        key = draw(parameters)
        return kind, _set(SHORT, key, draw(values_for(key)))
    if kind == "extra":
        section = SECTION_OF[draw(parameters)]
        return kind, {**SHORT, section: {**SHORT.get(section, {}), "warp_speed": 1}}
    if kind == "section":
        return kind, {**SHORT, draw(st.sampled_from(["desing", "contxt", "funding_"])): {"a": 1}}
    return kind, draw(st.integers(0, 400))


@GUARD
@given(case=scenario_files())
def test_any_scenario_file_runs_or_is_refused_in_one_line(case):
    kind, payload = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mine.toml"
        if kind in ("bytes", "syntax"):
            text = tomli_w.dumps(SHORT).encode()
            cut = payload % len(text)
            broken = b"\xff\xfe" if kind == "bytes" else b"= [ ="
            path.write_bytes(text[:cut] + broken + text[cut:])
        else:
            _write_toml(path, payload)
        out = Path(tmp) / "out"
        tpn(["run", str(path), "--out", str(out), "--quiet", "--scheduler", "serial"], out)


# --- --set values --------------------------------------------------------------------------

SET_TEXTS = ["inf", "-inf", "nan", "1e300", "-1", "0", "0.5", "3", "1e9", '"text"', "text", "[]"]
SET_TEXTS += ["[5, 2]", "true", "{ a = 1 }", ""]


@st.composite
def assignments(draw) -> tuple[str, str]:
    """``KEY=VALUE`` text: a parameter (or a misspelt one) and its value as TOML text, near its
    own value half the time, else odd."""
    key = draw(st.one_of(parameters, st.sampled_from(["warp_speed", "horizon_months", "seed"])))
    near = [tomli_w.dumps({"v": v})[4:].strip() for v in _near(CURRENT.get(key)) if v is not None]
    return key, draw(st.one_of(st.sampled_from(near or ["1"]), st.sampled_from(SET_TEXTS)))


@GUARD
@given(assignment=assignments())
def test_any_set_value_runs_or_is_refused_in_one_line(assignment):
    key, text = assignment
    with tempfile.TemporaryDirectory() as tmp:
        base = _write_toml(Path(tmp) / "short.toml", SHORT)
        out = Path(tmp) / "out"
        argv = ["run", str(base), "--set", f"{key}={text}", "--out", str(out), "--quiet"]
        tpn([*argv, "--scheduler", "serial"], out)


# --- world CSV folders ---------------------------------------------------------------------

WORLD_FILES = sorted(p.name for p in RWANDA.glob("*.csv"))
CELLS = ["", "nan", "inf", "-inf", "-1", "0", "1e300", "abc", "  ", "Gasabo"]


@st.composite
def world_changes(draw) -> tuple[str, str, Any]:
    """One change to one CSV file of the shipped world: a cell, a dropped column, a repeated
    row, no rows, or bad bytes."""
    name = draw(st.sampled_from(WORLD_FILES))
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop", "repeat", "empty", "bytes"]))
    return (
        name,
        kind,
        draw(st.tuples(st.integers(0, 10_000), st.integers(0, 50), st.sampled_from(CELLS))),
    )


def _break_world(folder: Path, name: str, kind: str, where: tuple[int, int, str]) -> None:
    path = folder / name
    if kind == "bytes":
        data = path.read_bytes()
        cut = where[0] % len(data)
        path.write_bytes(data[:cut] + b"\xff" + data[cut:])
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row, column = where[0] % len(frame), frame.columns[where[1] % len(frame.columns)]
    if kind == "cell":
        frame.loc[row, column] = where[2]
    elif kind == "drop":
        frame = frame.drop(columns=column)
    elif kind == "repeat":
        frame = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)
    else:
        frame = frame.iloc[0:0]
    frame.to_csv(path, index=False)


@GUARD
@given(change=world_changes())
def test_any_world_folder_runs_or_is_refused_in_one_line(change):
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        shutil.copytree(RWANDA, world)
        _break_world(world, *change)
        scenario = _write_toml(Path(tmp) / "mine.toml", {**SHORT, "world": str(world)})
        out = Path(tmp) / "out"
        tpn(["run", str(scenario), "--out", str(out), "--quiet", "--scheduler", "serial"], out)


# --- experiment files ----------------------------------------------------------------------


NUMERIC = sorted(k for k, v in CURRENT.items() if isinstance(v, int | float) and v is not True)


@st.composite
def factors(draw) -> tuple[str, dict[str, Any]]:
    """A factor: two times in three a sensible one on a numeric parameter, around its value (a
    range, levels, a normal, a range with points); else any parameter with odd numbers, an odd
    spread or grid, or an extra key."""
    kind = draw(st.sampled_from(["range", "levels", "normal", "points"]))
    if draw(st.sampled_from([True, True, False])):  # Hypothesis favours the first
        key = draw(st.sampled_from(NUMERIC))
        current = CURRENT[key]
        low, high = sorted([current * 0.8, current * 1.2]) if current else (0, 1)
        if low == high:
            low, high = low, low + 1
        return key, {
            "range": {"range": [low, high]},
            "levels": {"levels": [low, high]},
            "normal": {"mean": (low + high) / 2, "sd": (high - low) / 4},
            "points": {"range": [low, high], "points": 2},
        }[kind]
    key = draw(parameters)
    odd = st.sampled_from(ODD_VALUES)
    return key, draw(
        st.sampled_from(
            [
                {"range": [draw(odd), draw(odd)]},
                {"levels": draw(st.lists(odd, max_size=3))},
                {"mean": draw(odd), "sd": draw(odd)},
                {"range": [0, 1], "points": draw(st.sampled_from([1, 1e9, 2.5]))},
                {"range": [0, 1], "step": 1},
            ]
        )
    )


@st.composite
def experiment_files(draw) -> dict[str, Any]:
    """A small sweep of the short scenario, one or two factors: half the time its frame is
    right (design, samples, outcomes, every key), else one part of it is broken: an odd sample
    size, a wrong outcome list, a key missing or one too many."""
    experiment = {
        "base": "short.toml",
        "design": draw(st.sampled_from(["full_factorial", "latin_hypercube", "sobol", "morris"])),
        "samples": 2,
        "replications": 1,
        "outcomes": ["costs.total", "cbhi.causal_effect"],
        "factors": dict(draw(st.lists(factors(), min_size=1, max_size=2))),
    }
    broken = draw(st.sampled_from([None, None, None, "samples", "outcomes", "missing", "extra"]))
    if broken == "samples":
        experiment["samples"] = draw(st.sampled_from([0, -1, 1e9, 2.5, "two"]))
    elif broken == "outcomes":
        experiment["outcomes"] = draw(st.sampled_from([[], ["happiness.mean"], "costs.total"]))
    elif broken == "missing":
        experiment.pop(draw(st.sampled_from(["design", "outcomes", "base", "factors"])))
    elif broken == "extra":
        experiment["colour"] = "blue"
    return experiment


@GUARD
@given(experiment=experiment_files())
def test_any_experiment_file_sweeps_or_is_refused_in_one_line(experiment):
    with tempfile.TemporaryDirectory() as tmp:
        _write_toml(Path(tmp) / "short.toml", SHORT)
        path = _write_toml(Path(tmp) / "sweep.toml", experiment)
        out = Path(tmp) / "out"
        argv = ["sweep", str(path), "--out", str(out), "--quiet", "--scheduler", "serial"]
        code, _ = tpn([*argv, "--max-runs", "8"], out)
        if code == 0:  # every value a factor can take was checked: no run may fail on it
            runs = pd.read_parquet(out / "runs.parquet")
            assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", "error"]


# --- tpn world -----------------------------------------------------------------------------


@settings(GUARD, max_examples=6)
@given(institutions=st.sampled_from([-3, 0, 1, 2, 10, 40]))
def test_any_world_size_is_written_or_refused_in_one_line(institutions):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "world"
        tpn(["world", "--out", str(out), "--institutions", str(institutions)], out)
