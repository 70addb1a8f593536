"""Replication r gives the same bytes however it is run: alone, in batches of any size, on any
executor; and the shortcuts taken for speed change no number (issue #15)."""

import struct
import subprocess
import sys

import numpy as np
import pytest

from experiments.bench import PeakMemory
from experiments.executors import make_executor
from experiments.replicate import ScenarioRuns, Task, replication_seeds, run_tasks
from sim.counterfactual import Counterfactual
from sim.geography import SEAT_TABLE_DISTRICTS, haversine_km
from sim.model import TwinningModel
from sim.runner import run_one, simulate, simulate_pair
from sim.scenario import load_scenario, with_overrides

SCENARIOS = ("tpn_2021", "dyad", "donor_exit_no_followup")
REPLICATIONS = 6


def fingerprint(outcomes: dict[str, float]) -> bytes:
    """The outcomes' names and exact bits (NaN included), in order."""
    return b"".join(name.encode() + struct.pack("<d", value) for name, value in outcomes.items())


@pytest.fixture(scope="module")
def tasks():
    seeds = replication_seeds(15, REPLICATIONS)
    return [
        Task({"run_id": i, "scenario": name, "seed": seed}, load_scenario(name))
        for i, (name, seed) in enumerate((n, s) for n in SCENARIOS for s in seeds)
    ]


@pytest.fixture(scope="module")
def alone(tasks):
    """Each replication run on its own, in this process."""
    return {
        task.keys["run_id"]: fingerprint(run_one(task.inputs, task.seed).outcomes) for task in tasks
    }


def rows_by_run(batches) -> dict[int, bytes]:
    rows = [row for batch in batches for row in batch]
    assert all(row["status"] == "ok" for row in rows), [r["error"] for r in rows]
    outcome_names = [
        k for k in rows[0] if k not in ("run_id", "scenario", "seed", "status", "error", "_frames")
    ]
    return {row["run_id"]: fingerprint({k: row[k] for k in outcome_names}) for row in rows}


@pytest.mark.parametrize("size", [1, 4, 7, len(SCENARIOS) * REPLICATIONS])
def test_a_replication_gives_the_same_bytes_in_a_batch_of_any_size(tasks, alone, size):
    with make_executor("serial") as executor:
        batched = rows_by_run(run_tasks(ScenarioRuns(), tasks, executor, size=size))
    assert batched == alone


@pytest.mark.parametrize("size", [1, 5, None])  # None: batches that shrink towards the end
def test_a_replication_gives_the_same_bytes_on_worker_processes(tasks, alone, size):
    with make_executor("processes:2") as executor:
        elsewhere = rows_by_run(run_tasks(ScenarioRuns(), tasks, executor, size=size))
    assert elsewhere == alone


def test_batches_shrink_towards_the_end_so_no_worker_waits_on_a_large_last_one():
    """Every task once, in order; at most 64 a batch; the size never grows, and the last
    batches are single runs, so the workers finish together."""
    from experiments.replicate import _batches

    class Workers:
        name, workers = "processes", 2

    tasks = iter(range(1500))  # a generator: batches are cut as they are asked for
    sizes = [len(b) for b in _batches(tasks, 1500, Workers())]
    assert sum(sizes) == 1500 and max(sizes) == 64 and sizes[0] == 64
    assert sizes == sorted(sizes, reverse=True) and sizes[-8:] == [1] * 8
    whole = [task for batch in _batches(range(10), 10, Workers()) for task in batch]
    assert whole == list(range(10))

    class Serial:
        name, workers = "serial", 1

    assert [len(b) for b in _batches(range(150), 150, Serial())] == [64, 64, 22]


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_counterfactual_sharing_the_runs_context_stream_is_the_counterfactual_run_alone(name):
    scenario = load_scenario(name)
    without = scenario.model_copy(
        update={"design": scenario.design.model_copy(update={"design": "none"})}
    )
    for seed in (3, 8):
        run, shared = simulate_pair(scenario, seed)
        own = simulate(without, seed)  # a whole model without twinning, drawing its own stream
        assert isinstance(shared, Counterfactual) and shared.context is run.context
        assert own.context is not run.context
        assert shared.history_competence.tobytes() == own.history_competence.tobytes()
        assert not run.context._months, "every shared month was read by both and let go"


@pytest.mark.parametrize(
    "changes",
    [
        {"membership": "all"},
        {"turnover_multiplier": 2.5, "competence_shock_sd": 0.03},
        {"secular_trend_multiplier": 3.0, "horizon_months": 30},
        {"design": "dyad", "donor_exit_month": 6},
    ],
)
def test_the_counterfactual_is_the_model_without_twinning_whatever_the_levers(tpn, changes):
    scenario = with_overrides(tpn, changes)
    without = with_overrides(scenario, {"design": "none"})
    for seed in (0, 11):
        _, counterfactual = simulate_pair(scenario, seed)
        model = simulate(without, seed)
        assert len(counterfactual.competence_by_month) == scenario.horizon_months + 1
        assert counterfactual.history_competence.tobytes() == model.history_competence.tobytes()


def test_a_counterfactual_joins_its_run_before_the_run_steps(tpn):
    model = TwinningModel(tpn, rng=4)
    model.step()
    with pytest.raises(ValueError, match="before any model steps"):
        Counterfactual(model)


def test_a_context_stream_is_shared_only_with_the_same_seed_and_before_stepping(tpn):
    model = TwinningModel(tpn, rng=4)
    with pytest.raises(ValueError, match="another seed"):
        TwinningModel(tpn, rng=5, context=model.context)
    with pytest.raises(ValueError, match="another seed"):
        TwinningModel(tpn, rng=4, context=model.context, turnover_multiplier=2.0)
    model.step()
    with pytest.raises(ValueError, match="before any model steps"):
        TwinningModel(tpn, rng=4, context=model.context)


def test_a_model_without_data_collection_runs_the_same_months(tpn):
    collected = TwinningModel(tpn, rng=6)
    quiet = TwinningModel(tpn, rng=6, collect=False)
    for model in (collected, quiet):
        while model.running:
            model.step()
    frame = collected.datacollector.get_model_vars_dataframe()
    assert len(frame) == tpn.horizon_months + 1
    assert quiet.datacollector.get_model_vars_dataframe().empty
    assert (
        np.stack(quiet.competence_by_month).tobytes()
        == np.stack(collected.competence_by_month).tobytes()
    )
    assert quiet.state.log.table().tobytes() == collected.state.log.table().tobytes()


def test_the_table_of_seat_distances_holds_the_per_pair_distances_bit_for_bit(tpn):
    geography = TwinningModel(tpn, rng=1).geography
    count = len(geography.district_names)
    assert count <= SEAT_TABLE_DISTRICTS, "the shipped world prices trips from the table"
    lat, lon = geography._district_seats
    a, b = np.divmod(np.arange(count**2), count)
    for length in (1, 3, 8, 17, len(a)):  # lengths that take numpy's vector and scalar paths
        rows = np.random.default_rng(length).integers(0, len(a), length)
        pair = geography.road_factor * haversine_km(
            lat[a[rows]], lon[a[rows]], lat[b[rows]], lon[b[rows]]
        )
        assert geography.road_km(a[rows], b[rows]).tobytes() == pair.tobytes()


def test_peak_memory_counts_the_worker_processes():
    allocate = "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"
    with PeakMemory(interval=0.02) as memory:
        subprocess.run([sys.executable, "-c", allocate], check=True)
    assert memory.peak_mib > 300


def test_peak_memory_tells_the_parent_from_its_workers():
    """The 100,000-run figure adds the parent's peak at full size to the workers' at a size
    where they have stopped growing: each must be measured on its own processes."""
    allocate = "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"
    import psutil

    before = psutil.Process().memory_full_info().pss / 2**20
    with PeakMemory(interval=0.02) as memory:
        subprocess.run([sys.executable, "-c", allocate], check=True)
    assert memory.children_mib > 300
    assert memory.parent_mib < before + 100  # the block was the child's, not the parent's
    assert memory.peak_mib <= memory.parent_mib + memory.children_mib + 1e-9


def test_a_sweep_with_the_stand_in_model_measures_rate_and_memory():
    from experiments.bench import SWEEP_OUTCOMES, sweep_outcomes_as_given, sweep_runs_per_second
    from experiments.replicate import FunctionModel

    stand_in = FunctionModel(sweep_outcomes_as_given, SWEEP_OUTCOMES)
    rate, memory = sweep_runs_per_second(2, 400, stand_in)
    assert rate > 0 and memory.parent_mib > 50 and memory.children_mib > 50
