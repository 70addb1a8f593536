"""Sweeps and sensitivity analysis: any model, any executor, interrupted or not."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.design import make_design, point_count
from experiments.executors import SerialExecutor, make_executor
from experiments.manifest import new_manifest, now
from experiments.optimize import budget_scenario, search_plan
from experiments.policies import DESIGNS, NO_EFFECT, design_changes
from experiments.replicate import FunctionModel, ScenarioModel, run_batch
from experiments.sensitivity import analyse
from experiments.spec import Experiment, load_experiment
from experiments.store import SweepStore
from experiments.sweep import point_means, run_sweep, tasks_of
from sim.errors import InputError
from sim.runner import run_one
from sim.scenario import load_scenario, with_overrides
from tests.conftest import run_tpn

ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(x1: float, x2: float, x3: float) -> dict[str, float]:
    """Ishigami and Homma (1990), a = 7, b = 0.1: Sobol indices known in closed form."""
    return {"y": np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)}


def fragile(x: float, y: float) -> dict[str, float]:
    if x > 0.5:
        raise ValueError("x above 0.5 breaks this model")
    return {"z": x + y}


def experiment(**fields) -> Experiment:
    return Experiment.model_validate({"base": "tpn_2021", "outcomes": ["y"], **fields})


def test_ishigami_sobol_indices_match_the_closed_form(tmp_path):
    spec = experiment(
        design="sobol",
        samples=1024,
        seed=3,
        factors={name: {"range": [-np.pi, np.pi]} for name in ("x1", "x2", "x3")},
    )
    design = make_design(spec, None)
    store = SweepStore.open(tmp_path / "s", resume=False, force=False, fingerprint="x")
    result = run_sweep(
        FunctionModel(ishigami, ("y",)),
        design,
        1,
        3,
        store,
        SerialExecutor(),
    )
    indices = analyse(spec, design, point_means(result.runs, len(design.values), ["y"])).indices
    s1 = indices[indices["index"] == "S1"].set_index("factor")["value"]
    st = indices[indices["index"] == "ST"].set_index("factor")["value"]
    assert np.allclose([s1["x1"], s1["x2"], s1["x3"]], ISHIGAMI_S1, atol=0.05)
    assert np.allclose([st["x1"], st["x2"], st["x3"]], ISHIGAMI_ST, atol=0.05)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec = experiment(
        design="full_factorial",
        outcomes=["z"],
        factors={"x": {"levels": [0.1, 0.9]}, "y": {"levels": [1.0, 2.0]}},
    )
    design = make_design(spec, None)
    store = SweepStore.open(tmp_path / "s", resume=False, force=False, fingerprint="x")
    result = run_sweep(
        FunctionModel(fragile, ("z",)),
        design,
        2,
        1,
        store,
        SerialExecutor(),
    )
    assert len(result.runs) == 8 and result.failed == 4
    assert result.failure_reasons == {"ValueError: x above 0.5 breaks this model": 4}
    ok = result.runs[result.runs["status"] == "ok"]
    assert (ok["z"] == ok["x"] + ok["y"]).all()
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_failed"] == 4


def small_sweep(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "latin_hypercube"\nsamples = 6\nreplications = 2\n'
        'seed = 4\noutcomes = ["accreditation.causal_effect", "network.ties"]\n'
        "[factors.virtual_share]\nrange = [0.0, 1.0]\n"
        "[factors.host_capacity]\nlevels = [2, 4, 8]\n"
    )
    return path


@pytest.mark.parametrize("scheduler", ["processes:2", "local:2"])
def test_executors_give_identical_results(tmp_path, scheduler):
    spec, base = load_experiment(small_sweep(tmp_path))
    design = make_design(spec, base)
    model = ScenarioModel(base, spec.outcomes)
    tables = []
    for name in ("serial", scheduler):
        store = SweepStore.open(
            tmp_path / name.replace(":", "-"), resume=False, force=False, fingerprint="x"
        )
        with make_executor(name) as executor:
            sweep = run_sweep(
                model, design, spec.replications, spec.seed, store, executor, batch_size=2
            )
        tables.append(sweep.runs)
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert set(tables[0]["host_capacity"]) <= {2, 4, 8}
    assert (tables[0].groupby("replication")["seed"].nunique() == 1).all(), "common seeds"


def test_resume_after_a_kill_equals_an_uninterrupted_sweep(tmp_path):
    path = tmp_path / "resume.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "full_factorial"\nreplications = 3\nseed = 9\n'
        'outcomes = ["cbhi.causal_effect"]\n'
        "[factors.exchange_visits_per_year]\nlevels = [0, 10, 20, 30, 40, 50, 60, 70]\n"
        "[factors.virtual_share]\nlevels = [0.0, 0.5, 1.0]\n"
    )
    whole = tmp_path / "whole"
    assert (
        run_tpn(
            "sweep", str(path), "--out", str(whole), "--scheduler", "serial", "--quiet"
        ).returncode
        == 0
    )
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis.cli.main",
            "sweep",
            str(path),
            "--out",
            str(killed),
            "--scheduler",
            "serial",
            "--quiet",
            "--chunk-runs",
            "5",
            "--batch-size",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list((killed / "chunks").glob("chunk-*.parquet"))) < 3:
        assert time.monotonic() < deadline and process.poll() is None, "no chunks before the kill"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "runs.parquet").exists()
    on_disk = len(SweepStore(killed).finished_run_ids())
    assert 0 < on_disk < 72
    resumed = run_tpn(
        "sweep", str(path), "--out", str(killed), "--scheduler", "serial", "--quiet", "--resume"
    )
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["runs_done_before"] == on_disk, "finished runs were not recomputed"
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "runs.parquet"), pd.read_parquet(killed / "runs.parquet")
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('design = "sobol"\n[factors.warp_speed]\nrange = [0, 1]\n', "parameter = 'warp_speed'"),
        (
            'design = "sobol"\n[factors.virtual_share]\nrange = [0.5, 0.5]\n',
            "factors.virtual_share.range = [0.5, 0.5]: [low, high] with low below high",
        ),
        ('design = "grid"\n[factors.virtual_share]\nrange = [0, 1]\n', "design = 'grid'"),
        (
            'design = "sobol"\n[factors.virtual_share]\nrange = [0, 2]\n',
            "factors.virtual_share = 2",
        ),
        (
            'design = "full_factorial"\n[factors.virtual_share]\nrange = [0, 1]\n',
            "factors.virtual_share = 'range': levels, or a range with points",
        ),
        (
            'design = "morris"\n[factors.efficacy_coaching]\nmean = 0.2\nsd = 0.05\n'
            "[factors.virtual_share]\nrange = [0, 1]\n",
            "factors.efficacy_coaching = {'mean': 0.2, 'sd': 0.05}: a range or levels",
        ),
        (
            'design = "morris"\n[factors.host_capacity]\nlevels = [4]\n'
            "[factors.virtual_share]\nrange = [0, 1]\n",
            "factors.host_capacity.levels = [4]: at least two levels",
        ),
        (
            'design = "full_factorial"\n[factors.seed]\nlevels = [1, 2]\n',
            "factors = 'seed': a scenario parameter other than seed and replications",
        ),
        (
            'design = "full_factorial"\n[factors.replications]\nlevels = [1, 2]\n',
            "factors = 'replications': a scenario parameter other than seed and replications",
        ),
        (
            'design = "full_factorial"\n[factors.virtual_share]\nlevels = [0.0, 0.8]\n'
            '[factors."design.virtual_share"]\nlevels = [0.2, 0.4]\n',
            "factors = 'design.virtual_share': one factor per parameter ('virtual_share'",
        ),
        # issue 14, item 7: every value a factor can take is checked before any run
        (
            'design = "latin_hypercube"\nsamples = 4\n'
            "[factors.exchange_visits_per_year]\nrange = [0, inf]\n",
            "factors.exchange_visits_per_year.range = [0.0, inf]: two finite numbers",
        ),
        (
            'design = "full_factorial"\n[factors.world]\nlevels = ["nope"]\n',
            "factors.world.levels = 'nope': a folder",
        ),
        (
            'design = "latin_hypercube"\nsamples = 4\n'
            "[factors.performance_contracts]\nrange = [0, 1]\n",
            "factors.performance_contracts.range = [0.0, 1.0]: levels = [...]: "
            "performance_contracts is not a number",
        ),
        (
            'design = "latin_hypercube"\nsamples = 4\n[factors.virtual_share]\nmean = 1.5\nsd = 0.2\n',
            "factors.virtual_share.mean = 1.5: a mean within virtual_share's range [0, 1]",
        ),
        (
            'design = "latin_hypercube"\nsamples = 4\n[factors.virtual_share]\nmean = nan\nsd = 0.2\n',
            "factors.virtual_share.mean = nan: a finite number",
        ),
        (
            'design = "full_factorial"\n[factors.host_capacity]\nlevels = [4, 1e300]\n',
            "factors.host_capacity",
        ),
    ],
)
def test_a_bad_experiment_file_is_one_line_exit_2_nothing_written(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text('base = "tpn_2021"\noutcomes = ["cbhi.causal_effect"]\n' + body)
    out = tmp_path / "out"
    result = run_tpn("sweep", str(path), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "bad.toml" in result.stderr
    assert not out.exists()


def test_an_unknown_outcome_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "sobol"\noutcomes = ["happiness.mean"]\n'
        "[factors.virtual_share]\nrange = [0, 1]\n"
    )
    result = run_tpn("sensitivity", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "outcomes = 'happiness.mean'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_sensitivity_command_writes_indices_and_figures(tmp_path):
    path = tmp_path / "morris.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "morris"\nsamples = 4\nseed = 2\n'
        'outcomes = ["accreditation.causal_effect"]\n'
        "[factors.learning_scale]\nrange = [0.0, 2.0]\n"
        "[factors.competence_shock_sd]\nrange = [0.0, 0.01]\n"
    )
    out = tmp_path / "out"
    result = run_tpn(
        "sensitivity", str(path), "--out", str(out), "--scheduler", "serial", "--quiet", "--json"
    )
    assert result.returncode == 0, result.stderr
    indices = pd.read_csv(out / "indices.csv")
    mu_star = indices[indices["index"] == "mu_star"].set_index("factor")["value"]
    assert mu_star["learning_scale"] > 10 * mu_star["competence_shock_sd"]
    assert (out / "figures" / "morris-accreditation.causal_effect.png").is_file()
    records = json.loads(result.stdout)
    assert {r["factor"] for r in records} == {"learning_scale", "competence_shock_sd"}


def test_every_shipped_experiment_runs_and_computes_each_of_its_outcomes():
    """Loading only checks names; one run of each experiment's first point checks that every
    outcome it asks for is one a run computes (one that is not would fail every run)."""
    for path in sorted(Path("experiments").glob("*.toml")):
        spec, base = load_experiment(path)
        first = [next(tasks_of(make_design(spec, base), 1, spec.seed))]
        (row,) = run_batch(ScenarioModel(base, spec.outcomes), first)
        assert row["status"] == "ok", (path.name, row["error"])
        assert set(spec.outcomes) <= set(row), path.name


def test_series_are_written_in_chunks_not_held(tmp_path):
    spec, base = load_experiment(small_sweep(tmp_path))
    design = make_design(spec, base)
    store = SweepStore.open(tmp_path / "s", resume=False, force=False, fingerprint="x")
    run_sweep(
        ScenarioModel(load_scenario("tpn_2021"), spec.outcomes, series=True),
        design,
        2,
        4,
        store,
        SerialExecutor(),
        batch_size=1,
        chunk_runs=4,
    )
    chunks = sorted((tmp_path / "s" / "series").glob("chunk-*.parquet"))
    assert len(chunks) == 3
    series = pd.concat(pd.read_parquet(c) for c in chunks)
    assert series["run_id"].nunique() == 12 and set(series["topic"]) == {"accreditation", "cbhi"}


def test_resuming_with_the_factors_in_another_order_is_refused(tmp_path):
    """The factor order decides which sampled column each factor gets: another order is another
    design, and its runs must not be mixed with the interrupted one's."""
    head = (
        'name = "ab"\nbase = "tpn_2021"\ndesign = "latin_hypercube"\nsamples = 2\nseed = 3\n'
        'outcomes = ["accreditation.causal_effect"]\n'
    )
    visits = "[factors.efficacy_exchange_visit]\nrange = [0.2, 0.6]\n"
    turnover = "[factors.turnover_multiplier]\nrange = [0.5, 2.0]\n"
    (tmp_path / "ab.toml").write_text(head + visits + turnover)
    (tmp_path / "ba.toml").write_text(head + turnover + visits)
    out = tmp_path / "out"
    first = run_tpn("sweep", str(tmp_path / "ab.toml"), "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    resumed = run_tpn("sweep", str(tmp_path / "ba.toml"), "--out", str(out), "--resume")
    assert resumed.returncode == 2, resumed.stderr
    assert resumed.stderr.count("\n") == 1 and "--resume" in resumed.stderr, resumed.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs)
    assert (out / "experiment.toml").read_text() == (tmp_path / "ab.toml").read_text()


def test_a_range_on_an_optional_integer_parameter_is_rounded(tmp_path):
    path = tmp_path / "donor.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "latin_hypercube"\nsamples = 8\nseed = 1\n'
        'outcomes = ["cbhi.causal_effect"]\n[factors.donor_exit_month]\nrange = [6, 24]\n'
    )
    spec, base = load_experiment(path)
    months = make_design(spec, base).values["donor_exit_month"].tolist()
    assert all(isinstance(m, int) and 6 <= m <= 24 for m in months), months
    assert len(set(months)) > 1


def test_morris_spreads_its_grid_over_the_levels_end_to_end():
    """Morris moves on an even grid of 4 values; over 3 levels the ends give the first and last
    level and the two inner values the middle one (not the top level twice)."""
    spec = experiment(
        design="morris",
        samples=10,
        seed=1,
        outcomes=["z"],
        factors={"x": {"levels": [10, 20, 30]}, "y": {"range": [0.0, 1.0]}},
    )
    design = make_design(spec, None)
    by_grid = sorted(set(zip(design.raw[:, 0], design.values["x"], strict=True)))
    assert [level for _, level in by_grid] == [10, 20, 20, 30]


def test_a_series_chunk_without_its_runs_is_removed_on_resume(tmp_path):
    folder = tmp_path / "s"
    store = SweepStore.open(folder, resume=False, force=False, fingerprint="x")
    store.write_manifest(new_manifest("sweep", now(), fingerprint="x"))
    for run_id in (0, 1):
        series = pd.DataFrame({"run_id": [run_id], "month": [0], "value": [1.0]})
        store.write_chunk([{"run_id": run_id, "y": 1.0, "status": "ok"}], [series])
    crashed = sorted((folder / "chunks").glob("chunk-*.parquet"))[-1]
    crashed.unlink()  # killed after the second batch's series were written, before its runs
    resumed = SweepStore.open(folder, resume=True, force=False, fingerprint="x")
    assert resumed.finished_run_ids() == {0}
    kept = pd.concat(pd.read_parquet(p) for p in (folder / "series").glob("chunk-*.parquet"))
    assert kept["run_id"].tolist() == [0]


def test_a_resume_runs_failed_runs_again(tmp_path):
    disk = {"full": True}

    def flaky(x: float) -> dict[str, float]:
        if disk["full"] and x > 0.5:
            raise OSError("no space left on device")
        return {"z": 2 * x}

    spec = experiment(
        design="full_factorial", outcomes=["z"], factors={"x": {"levels": [0.1, 0.9]}}
    )
    design = make_design(spec, None)

    def sweep(resume: bool):
        store = SweepStore.open(tmp_path / "s", resume=resume, force=False, fingerprint="f")
        model = FunctionModel(flaky, ("z",))
        manifest = new_manifest("sweep", now(), fingerprint="f")
        return run_sweep(model, design, 1, 1, store, SerialExecutor(), manifest=manifest)

    assert sweep(resume=False).runs["status"].tolist() == ["ok", "failed"]
    disk["full"] = False
    runs = sweep(resume=True).runs
    assert runs["status"].tolist() == ["ok", "ok"]
    assert runs["z"].tolist() == [0.2, 1.8]


@pytest.mark.parametrize("design", ["latin_hypercube", "sobol"])
def test_a_normal_factor_on_a_bounded_parameter_is_truncated_to_its_bounds(tmp_path, design):
    path = tmp_path / "normal.toml"
    path.write_text(
        f'base = "tpn_2021"\ndesign = "{design}"\nsamples = 64\nseed = 3\n'
        'outcomes = ["cbhi.causal_effect"]\n'
        "[factors.virtual_share]\nmean = 0.8\nsd = 0.4\n"
        "[factors.host_capacity]\nmean = 2\nsd = 3\n"
    )
    spec, base = load_experiment(path)
    values = make_design(spec, base).values
    assert values["virtual_share"].between(0, 1).all()
    assert values["host_capacity"].between(1, 100).all()
    assert (values["virtual_share"] > 0.99).any(), "the upper tail piles up near the bound"
    # every point is a valid scenario: no run can fail the parameter's own range
    for point in values.to_dict(orient="records"):
        assert with_overrides(base, point).design.virtual_share == point["virtual_share"]


@pytest.mark.parametrize(
    "fields",
    [
        {
            "design": "full_factorial",
            "factors": {"a": {"levels": [1, 2, 3]}, "b": {"range": [0, 1], "points": 4}},
        },
        {"design": "latin_hypercube", "samples": 7, "factors": {"a": {"range": [0, 1]}}},
        {
            "design": "sobol",
            "samples": 8,
            "factors": {"a": {"range": [0, 1]}, "b": {"range": [0, 1]}},
        },
        {
            "design": "sobol",
            "samples": 8,
            "second_order": True,
            "factors": {n: {"range": [0, 1]} for n in "abc"},
        },
        {"design": "morris", "samples": 3, "factors": {n: {"range": [0, 1]} for n in "abc"}},
    ],
)
def test_the_point_count_is_known_before_the_points_are_drawn(fields):
    spec = experiment(**fields)
    assert point_count(spec) == len(make_design(spec, None).values)


def test_an_experiment_above_the_run_limit_is_refused_unless_raised(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "full_factorial"\nreplications = 100\n'
        'outcomes = ["cbhi.causal_effect"]\n'
        "[factors.virtual_share]\nrange = [0, 1]\npoints = 1000\n"
        "[factors.host_capacity]\nrange = [1, 100]\npoints = 1000\n"
    )
    out = tmp_path / "out"
    result = run_tpn("sweep", str(path), "--out", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "1,000,000 points x 100 replications = 100,000,000" in result.stderr
    assert "--max-runs" in result.stderr and not out.exists()
    small = tmp_path / "small.toml"
    small.write_text(
        'base = "tpn_2021"\ndesign = "full_factorial"\nreplications = 2\n'
        'outcomes = ["cbhi.causal_effect"]\n[factors.virtual_share]\nlevels = [0.0, 1.0]\n'
    )
    refused = run_tpn("sweep", str(small), "--out", str(out), "--max-runs", "3")
    assert refused.returncode == 2 and "at most 3 runs" in refused.stderr, refused.stderr
    ran = run_tpn(
        "sweep",
        str(small),
        "--out",
        str(out),
        "--max-runs",
        "4",
        "--quiet",
        "--scheduler",
        "serial",
    )
    assert ran.returncode == 0, ran.stderr
    assert "2 points x 2 replications = 4 runs" in ran.stderr.splitlines()[0]


# Issue 14, item 8: an error in an experiment file names the field, not the whole file.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'design = "sobol"\nsampels = 8\n[factors.virtual_share]\nrange = [0, 1]\n',
            "sampels = 8: not a key here; allowed: name, description, base, design, samples",
        ),
        (
            'design = "sobol"\n[factors.virtual_share]\nrange = [0, 1]\nstep = 2\n',
            "factors.virtual_share.step = 2: not a key here; allowed: range, levels, mean, sd, "
            "points",
        ),
        (
            "[factors.virtual_share]\nrange = [0, 1]\n",
            "design = 'missing'",
        ),
        (
            'design = "sobol"\n[factors.virtual_share]\nrange = [0, 1]\n'
            '[factors.matching_rule]\nlevels = ["best", "nearest"]\n',
            "factors.matching_rule.levels = ['best', 'nearest']: numbers with design = 'sobol'",
        ),
    ],
)
def test_an_experiment_error_names_the_field_and_the_keys_allowed(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text('base = "tpn_2021"\noutcomes = ["cbhi.causal_effect"]\n' + body)
    with pytest.raises(InputError) as raised:
        load_experiment(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "outcomes" not in message.split(":")[1], "the whole file shown as the value"


# Issue 14, item 9: a design is its own scenario, activities included, and a lever without effect
# on it is never searched or reported.
def test_the_frontiers_provincial_design_is_the_rhss_sessions_without_coaching_or_visits():
    spec, base = load_experiment(Path("experiments/frontier_designs.toml"))
    provincial = [
        p for p in spec.policies if with_overrides(base, p.levers).design.design == "provincial"
    ]
    assert provincial, "the frontier compares the provincial design"
    for policy in provincial:
        scenario = with_overrides(base, policy.levers).model_copy(update={"horizon_months": 24})
        outcomes = run_one(scenario, 5).outcomes
        assert outcomes["activities.coaching_visit"] == 0
        assert outcomes["activities.exchange_visit"] == 0
        assert outcomes["activities.provincial_event"] > 0
    assert len({p.levers.get("virtual_share") for p in provincial}) == len(provincial)


def test_optimize_never_searches_a_lever_without_effect_on_the_design():
    base = budget_scenario(load_scenario("tpn_2021"), 80e6, None)
    changes = {design: design_changes(design) for design in DESIGNS}
    for design in ("provincial", "hub", "network", "dyad"):
        asked = []

        def choose(name, kind, space, design=design, asked=asked):
            asked.append(name)
            if name == "design":
                return design
            return space[1] if kind != "categorical" else space[-1]

        plan, shown = search_plan(base, changes, choose)
        assert ("matching_rule" in asked) == (design in ("network", "dyad"))
        assert (shown["matching_rule"] == NO_EFFECT) == (design in ("provincial", "hub"))
        if design == "provincial":
            assert "exchange_visits_per_year" not in asked
            scenario = with_overrides(base, plan)
            assert scenario.schedule.coaching_months == ()
            assert scenario.design.exchange_visits_per_year == 0


def test_a_frontier_of_designs_reports_no_lever_without_effect(tmp_path):
    path = tmp_path / "designs.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "full_factorial"\nreplications = 1\nseed = 2\n'
        'outcomes = ["costs.total", "gains.institution_points"]\n'
        "[policy_factorial]\n"
        'scenario = ["tpn_2021", "provincial_sessions"]\nexchange_visits_per_year = [0, 30]\n'
    )
    out = tmp_path / "out"
    result = run_tpn("frontier", str(path), "--out", str(out), "--scheduler", "serial", "--quiet")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "frontier.csv")
    assert sorted(table["design"]) == ["network", "network", "provincial"]
    provincial = table[table["design"] == "provincial"].iloc[0]
    assert provincial["exchange_visits_per_year"] == NO_EFFECT
    assert json.loads((out / "manifest.json").read_text())["kind"] == "frontier"
    # The printed table names each lever in words with its unit, and counts whole.
    assert "exchange visits per year (visits/year)" in result.stdout
    assert "30.0" not in result.stdout and "exchange_visits_per_year" not in result.stdout
    # The acceptability curve of the frontier's points and no programme, shares adding to 100%.
    curve = pd.read_csv(out / "acceptability.csv")
    frontier_points = int((~table["dominated"]).sum())
    assert curve["scenario"].nunique() == frontier_points + 1
    assert "no twinning" in set(curve["scenario"])
    assert np.allclose(curve.groupby("wtp")["probability_best"].sum(), 1.0)
    assert (out / "figures" / "acceptability.png").is_file()
    assert "Cost-effectiveness acceptability of the frontier's points" in result.stdout


def test_the_fingerprint_hashes_the_same_bytes_as_one_json_document_of_every_run():
    """Hashed run by run (a 100,000-run sweep never holds its tasks at once), the fingerprint
    is still the hash of json.dumps([runs, model]): folders written before keep resuming."""
    import hashlib

    from experiments.sweep import fingerprint

    base = load_scenario("tpn_2021")
    spec = experiment(
        design="latin_hypercube", factors={"virtual_share": {"range": [0, 1]}}, samples=3
    )
    design = make_design(spec, base)
    model = {"base": "tpn_2021", "outcomes": ["accreditation.causal_effect"]}
    runs = [
        {**{k: t.keys[k] for k in ("run_id", "point", "replication", "seed")}, "params": t.inputs}
        for t in tasks_of(design, 2, 7)
    ]
    whole = hashlib.sha256(json.dumps([runs, model], default=str).encode()).hexdigest()[:16]
    assert fingerprint(design, 2, 7, model) == whole
    assert len(runs) == 6


def test_tasks_given_as_a_generator_run_as_a_list_would():
    from experiments.replicate import run_tasks

    model = FunctionModel(ishigami, ("y",))
    spec = experiment(
        design="latin_hypercube",
        factors={f"x{i}": {"range": [-3.14, 3.14]} for i in (1, 2, 3)},
        samples=10,
    )
    design = make_design(spec, None)
    listed = run_tasks(model, list(tasks_of(design, 3, 1)), SerialExecutor())
    generated = run_tasks(model, tasks_of(design, 3, 1), SerialExecutor(), count=30)
    rows = [
        sorted((r["run_id"], r["y"]) for b in batches for r in b) for batches in (listed, generated)
    ]
    assert rows[0] == rows[1] and [run_id for run_id, _ in rows[0]] == list(range(30))
