"""The one replication path: common seeds, any executor, failed runs kept as data."""

import json

import pandas as pd
import pytest

import experiments.replicate as replicate_module
from analysis.cli.main import main
from experiments.executors import AUTO_PROCESSES_FROM, make_executor
from experiments.replicate import replicate, replication_seeds, require_success
from sim.errors import InputError
from sim.scenario import load_scenario, with_overrides
from tests.conftest import run_tpn


@pytest.fixture(scope="module")
def pair():
    return [load_scenario("tpn_2021"), load_scenario("dyad")]


def test_replication_r_of_every_scenario_runs_on_seed_r_of_the_root(pair):
    first, second = replicate(pair, 3, 11)
    seeds = replication_seeds(11, 3)
    assert first.runs["seed"].tolist() == second.runs["seed"].tolist() == seeds
    assert first.runs["replication"].tolist() == [0, 1, 2]
    assert set(first.runs["scenario"]) == {"tpn_2021"} and set(second.runs["scenario"]) == {"dyad"}
    assert first.failed.empty and second.failed.empty


@pytest.mark.parametrize("scheduler", ["processes:2", "local:2"])
def test_every_executor_gives_the_same_runs_series_ties_and_activities(pair, scheduler):
    serial = replicate(pair, 3, 4, detail=True)
    with make_executor(scheduler) as executor:
        elsewhere = replicate(pair, 3, 4, detail=True, executor=executor)
    for here, there in zip(serial, elsewhere, strict=True):
        for table in ("runs", "series", "ties", "activities"):
            pd.testing.assert_frame_equal(getattr(here, table), getattr(there, table))
    assert serial[0].series["replication"].unique().tolist() == [0, 1, 2]


def test_one_executor_serves_several_calls(pair):
    with make_executor("processes:2") as executor:
        calls = [replicate(pair[:1], 2, seed, executor=executor) for seed in (1, 2)]
    for seed, (results,) in zip((1, 2), calls, strict=True):
        assert results.runs["seed"].tolist() == replication_seeds(seed, 2)


def test_replication_r_runs_ensemble_member_r_mod_k(pair):
    tpn = pair[0]
    # Calibrated parameters (a value the scenario's own file sets would be kept: see
    # tests/test_uncertainty.py).
    members = [{"turnover_multiplier": 0.5}, {"turnover_multiplier": 2.0}]
    (mixed,) = replicate([tpn], 4, 9, ensemble=members)
    alone = [replicate([with_overrides(tpn, member)], 4, 9)[0].runs for member in members]
    effect = "accreditation.causal_effect"
    assert alone[0][effect].iloc[0] != alone[1][effect].iloc[0], "members differ"
    assert mixed.runs["draw"].tolist() == [0, 1, 0, 1]
    for k in range(2):
        pd.testing.assert_frame_equal(
            mixed.runs.drop(columns="draw").iloc[k::2], alone[k].iloc[k::2]
        )


def test_the_tables_of_the_first_replications_only_are_kept_when_asked(pair):
    (results,) = replicate(pair[:1], 4, 2, detail=True, detail_replications=2)
    assert len(results.runs) == 4
    for table in ("series", "ties", "activities"):
        assert getattr(results, table)["replication"].unique().tolist() == [0, 1], table


def test_only_the_outcomes_asked_for_are_kept(pair):
    (results,) = replicate(pair[:1], 2, 1, outcomes=["costs.total", "network.ties"])
    assert results.runs.columns.tolist() == [
        "scenario",
        "replication",
        "seed",
        "costs.total",
        "network.ties",
    ]


def breaking_replication(monkeypatch, failing_seed: int) -> None:
    """Make the run with ``failing_seed`` raise, as a bug or a full disk would: alone, or
    with the runs side by side with it (which are then run again one by one)."""
    run_one, run_many = replicate_module.run_one, replicate_module.run_many

    def run_or_fail(scenario, seed, **options):
        if seed == failing_seed:
            raise MemoryError("out of memory")
        return run_one(scenario, seed, **options)

    def run_all_or_fail(scenario, seeds, *options):
        if failing_seed in seeds:
            raise MemoryError("out of memory")
        return run_many(scenario, seeds, *options)

    monkeypatch.setattr(replicate_module, "run_one", run_or_fail)
    monkeypatch.setattr(replicate_module, "run_many", run_all_or_fail)


def test_a_failed_run_is_a_row_with_its_error_and_the_others_still_run(pair, monkeypatch):
    seeds = replication_seeds(3, 3)
    breaking_replication(monkeypatch, seeds[1])
    (results,) = replicate(pair[:1], 3, 3, detail=True)
    assert results.runs["replication"].tolist() == [0, 2]
    assert results.failed.to_dict("records") == [
        {
            "scenario": "tpn_2021",
            "replication": 1,
            "seed": seeds[1],
            "error": "MemoryError: out of memory",
        }
    ]
    assert set(results.series["replication"]) == {0, 2}
    with pytest.raises(InputError, match=r"runs = '1 of 3 failed'.*MemoryError: out of memory"):
        require_success([results])


def test_tpn_run_with_a_failed_run_is_one_line_exit_2_nothing_written(
    pair, monkeypatch, tmp_path, capsys
):
    breaking_replication(monkeypatch, replication_seeds(2021, 2)[0])
    out = tmp_path / "run"
    assert main(["run", "tpn_2021", "--reps", "2", "--out", str(out), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "runs = '1 of 2 failed'" in error, error
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_compare_gives_the_same_files_serially_and_on_two_processes(tmp_path, capsys):
    printed = {}
    for scheduler in ("serial", "processes:2"):
        out = tmp_path / scheduler.replace(":", "-")
        args = ["compare", "tpn_2021", "dyad", "--reps", "3", "--out", str(out), "--quiet"]
        assert main([*args, "--json", "--scheduler", scheduler]) == 0
        printed[scheduler] = json.loads(capsys.readouterr().out)
    assert printed["serial"] == printed["processes:2"]
    for name in ("runs.csv", "comparison.csv", "dyad/series.parquet", "tpn_2021/ties.csv"):
        serial, processes = (tmp_path / folder / name for folder in ("serial", "processes-2"))
        assert serial.read_bytes() == processes.read_bytes(), name
    assert json.loads((tmp_path / "serial" / "manifest.json").read_text())["kind"] == "compare"


def test_validate_on_a_dask_cluster_gives_the_numbers_of_the_default(tmp_path):
    printed = []
    for extra in ([], ["--scheduler", "local:2"]):
        out = tmp_path / f"v{len(printed)}"
        result = run_tpn("validate", "--reps", "8", "--out", str(out), "--quiet", "--json", *extra)
        assert result.returncode == 0, result.stderr
        printed.append(json.loads(result.stdout))
    assert printed[0] == printed[1]
    manifest = json.loads((tmp_path / "v1" / "manifest.json").read_text())
    assert manifest["kind"] == "validate" and manifest["scheduler"] == "local:2"


def test_auto_runs_small_sets_here_and_large_ones_on_every_core():
    with make_executor("auto", AUTO_PROCESSES_FROM - 1) as small:
        assert small.name == "serial"
    with make_executor("auto", AUTO_PROCESSES_FROM) as large:
        assert large.name == "processes"


def test_a_bad_scheduler_is_a_one_line_error_and_nothing_is_written(tmp_path):
    out = tmp_path / "v"
    result = run_tpn("validate", "--reps", "2", "--scheduler", "threads", "--out", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--scheduler: scheduler = 'threads'" in result.stderr
    assert list(tmp_path.iterdir()) == []
