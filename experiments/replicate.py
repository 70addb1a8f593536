"""One replication path: runs of one or several scenarios on common seeds, on any executor.

Replication ``r`` of every scenario runs with seed ``r`` of the root seed
(:func:`replication_seeds`), and, when parameter sets are given (a posterior's draws, a calibrated
ensemble: :mod:`experiments.posterior`), with the same parameter set, so differences between
scenarios are paired rather than seed noise or parameter noise (common random numbers). Runs go to an executor (:mod:`experiments.executors`) in batches, so
process and Dask overheads stay small, and come back in order: results never depend on the
executor, because every task carries its own seed.

A run that raises is kept as data (a row with ``status = "failed"`` and its ``error``), never a
crash of the whole call. What to do with failures is the caller's choice: a sweep records them and
goes on; `tpn run`, `compare`, `validate`, `decompose`, `calibrate`, `optimize` and the dashboard
call :func:`require_success`, a one-line error, because a table or a fit over fewer runs than
asked for would mislead.

Three layers: :func:`run_batch` evaluates tasks with any model (an ``evaluate(inputs, seed)``
method), :func:`run_tasks` hands batches of tasks to an executor, :func:`replicate` turns
scenarios into tasks and the rows back into :class:`Results`. :mod:`experiments.sweep` is the
other front end: design points of an experiment, streamed to disk as they finish.
"""

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np
import pandas as pd

from experiments.executors import Executor, SerialExecutor
from experiments.posterior import ParameterDraws, with_draw
from sim.errors import InputError
from sim.outcomes import outcomes as all_outcomes
from sim.params import Scenario
from sim.runner import RunResult, group_series, run_many, run_one, simulate_pair, simulate_pairs
from sim.scenario import with_overrides

OK, FAILED = "ok", "failed"
DRAW = "draw"  # the column of the parameter set a replication ran with
KEYS = ("scenario", "replication", DRAW, "seed")  # the columns of a run's row before its outcomes
FRAMES = "_frames"  # a row's tables of the run (series, ties, activities); never written as-is
DETAIL_FRAMES = ("series", "ties", "activities")
Row = dict[str, Any]


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Independent, reproducible seeds for replications 0..n-1 of a root seed."""
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> 1) for child in children]


@dataclass(frozen=True)
class Evaluation:
    """What a model returns for one run: its named outcomes, and tables of the run if asked."""

    outcomes: dict[str, float]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


class Model(Protocol):
    """Anything that maps inputs and a seed to outcomes; ``outcomes`` names those it returns
    (a failed run's row gets them as NaN; empty when the model returns all it has).

    A model may also have ``evaluate_many(inputs, seeds)``: the evaluations of several runs
    (one input and seed each), in order, exactly as ``evaluate`` gives them one by one
    (tpn-sim runs them side by side, :class:`sim.batch.Batch`)."""

    outcomes: tuple[str, ...]

    def evaluate(self, inputs: Any, seed: int) -> Evaluation: ...


@dataclass(frozen=True)
class Task:
    """One run to do: ``keys`` are the columns its row starts with (its ``seed`` among them),
    ``inputs`` what the model is given (a scenario, or a design point's parameters)."""

    keys: dict[str, Any]
    inputs: Any

    @property
    def seed(self) -> int:
        return self.keys["seed"]


@dataclass(frozen=True)
class ScenarioRuns:
    """tpn-sim for :func:`replicate`: a scenario and a seed in, ``sim.runner.run_one`` out."""

    outcomes: tuple[str, ...] = ()  # the outcomes kept (fewer to send back); () keeps all
    detail: frozenset[int] = frozenset()  # seeds whose runs also give series, ties, activities

    def evaluate(self, scenario: Scenario, seed: int) -> Evaluation:
        return self._evaluation(run_one(scenario, seed, detail=seed in self.detail))

    def evaluate_many(self, scenarios: list[Scenario], seeds: list[int]) -> list[Evaluation]:
        return [self._evaluation(result) for result in run_many(scenarios, seeds, self.detail)]

    def _evaluation(self, result: RunResult) -> Evaluation:
        values = result.outcomes
        if self.outcomes:
            values = {name: values[name] for name in self.outcomes}
        detailed = result.series is not None
        frames = {name: getattr(result, name) for name in DETAIL_FRAMES} if detailed else {}
        return Evaluation(values, frames)


@dataclass(frozen=True)
class ScenarioModel:
    """tpn-sim as a function, for sweeps: a design point's parameters and a seed in, the
    requested outcomes out (and, with ``series``, the monthly means of the headline topics'
    groups). It lives here, not in :mod:`experiments.sweep`, so that a worker process that
    unpickles it imports the model and this path only, not the sweep's samplers and store
    (SciPy's statistics, SALib, Arrow: 38 MiB a worker, measured for issue #15)."""

    base: Scenario
    outcomes: tuple[str, ...]
    series: bool = False

    def evaluate(self, params: dict[str, Any], seed: int) -> Evaluation:
        return self._evaluation(*simulate_pair(with_overrides(self.base, params), seed))

    def evaluate_many(self, params: list[dict[str, Any]], seeds: list[int]) -> list[Evaluation]:
        scenarios = [with_overrides(self.base, point) for point in params]
        return [self._evaluation(*pair) for pair in simulate_pairs(scenarios, seeds)]

    def _evaluation(self, model, counterfactual) -> Evaluation:
        values = all_outcomes(model, counterfactual)
        frames = {"series": group_series(model, counterfactual)} if self.series else {}
        return Evaluation({name: values[name] for name in self.outcomes}, frames)


@dataclass(frozen=True)
class FunctionModel:
    """Any function ``f(**params) -> dict`` (seed ignored unless ``f`` takes one)."""

    function: Callable[..., dict[str, float]]
    outcomes: tuple[str, ...]
    takes_seed: bool = False

    def evaluate(self, params: dict[str, Any], seed: int) -> Evaluation:
        extra = {"seed": seed} if self.takes_seed else {}
        values = self.function(**params, **extra)
        return Evaluation({name: float(values[name]) for name in self.outcomes})


def run_batch(model: Model, tasks: list[Task]) -> list[Row]:
    """Evaluate tasks; an exception becomes a failed row, never a failed batch. A model with
    ``evaluate_many`` gets the whole batch at once (and each task alone if that raises, so
    that only the runs that fail are rows of failures)."""
    if len(tasks) > 1 and hasattr(model, "evaluate_many"):
        try:
            results = model.evaluate_many([t.inputs for t in tasks], [t.seed for t in tasks])
        except Exception:  # found again, run by run, below
            pass
        else:
            return [_row(task, result) for task, result in zip(tasks, results, strict=True)]
    rows = []
    for task in tasks:
        try:
            result = model.evaluate(task.inputs, task.seed)
        except Exception as error:  # a failed run is data, not a crash
            rows.append(
                {
                    **task.keys,
                    **dict.fromkeys(model.outcomes, float("nan")),
                    "status": FAILED,
                    "error": f"{type(error).__name__}: {error}",
                    FRAMES: {},
                }
            )
            continue
        rows.append(_row(task, result))
    return rows


def _row(task: Task, result: Evaluation) -> Row:
    return {**task.keys, **result.outcomes, "status": OK, "error": "", FRAMES: result.frames}


# Runs side by side in this process: stepping tpn_2021 to its horizon costs 1.65 ms a
# replication in a batch of 64, 2.2 in one of 16 and 2.9 in one of 8 (measured for issue #15),
# and 64 whole runs take about 0.3 s, so the progress bar still moves a few times a second.
SERIAL_BATCH = 64


def batch_size(remaining: int, executor: Executor) -> int:
    """Runs in the next batch: ``SERIAL_BATCH`` at a time in this process; for
    workers, a quarter of the remaining runs' share of each worker, at most 64 and at
    least 1. Batches are large while many runs remain, so start-up and transfer costs stay small
    beside the runs, and shrink towards the end, so that no worker sits idle while another
    finishes a large last batch (with fixed batches of 64 tpn-sim runs, then about 3 s each, the
    tail cost a 1,500-run sweep on 2 workers a tenth of its time)."""
    if executor.name == "serial":
        return min(SERIAL_BATCH, max(remaining, 1))
    return max(1, min(64, remaining // (4 * executor.workers)))


def _batches(tasks: Iterable[Task], count: int, executor: Executor) -> Iterator[list[Task]]:
    """Batches of :func:`batch_size`, cut from ``tasks`` (``count`` of them) as they are asked
    for."""
    queue, remaining = iter(tasks), count
    while batch := list(itertools.islice(queue, batch_size(remaining, executor))):
        remaining -= len(batch)
        yield batch


def run_tasks(
    model: Model,
    tasks: Iterable[Task],
    executor: Executor,
    *,
    count: int | None = None,
    size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[Row]]:
    """Each batch's rows as it finishes, in any order; ``progress(runs)`` after each batch.
    ``tasks`` may be a generator (``count`` says how many it gives): batches are cut from it as
    the executor asks for them, ``size`` runs each, or shrinking towards the end
    (:func:`batch_size`) when not given."""
    if size:
        batches = map(list, itertools.batched(tasks, size))
    else:
        batches = _batches(tasks, len(tasks) if count is None else count, executor)
    for rows in executor.map(partial(run_batch, model), batches):
        if progress:
            progress(len(rows))
        yield rows


@dataclass
class Results:
    """Replications of one scenario. ``runs``: one row per replication that succeeded (scenario,
    replication, seed, then the outcomes); ``failed``: one row per replication that raised
    (scenario, replication, seed, error). With ``detail``, every successful run's monthly series,
    ties and activity log (or those of its first replications only), each row tagged with its
    ``replication``."""

    scenario: Scenario
    runs: pd.DataFrame
    failed: pd.DataFrame
    series: pd.DataFrame | None = None
    ties: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    draws: ParameterDraws | None = None  # the parameter sets its replications ran with

    @property
    def outcome_columns(self) -> list[str]:
        return [c for c in self.runs.columns if c not in KEYS]


def replicate(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    *,
    ensemble: ParameterDraws | Sequence[dict[str, Any]] = (),
    outcomes: Sequence[str] = (),
    detail: bool = False,
    detail_replications: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Results]:
    """``replications`` runs of every scenario, replication ``r`` of each with seed ``r`` of
    ``seed``; one :class:`Results` per scenario, in order.

    ``ensemble``: parameter sets, as :class:`~experiments.posterior.ParameterDraws` (a
    posterior's draws, ``seeds_per_set`` replications each) or a plain list (a calibrated
    ensemble: replication ``r`` runs set ``r mod K``); each run's row names its set under
    ``draw``, so parameter uncertainty is in the spread and can be told apart from chance. A set
    changes only what the scenario leaves to it (:func:`~experiments.posterior.with_draw`).
    ``outcomes``: keep only these. ``detail``: also the tables of each run (series, ties,
    activities), of the first ``detail_replications`` only when given (hundreds of posterior
    draws need their outcomes, not their monthly series). ``executor``: where the runs go (default: this process); it
    is left open for the caller's next call. ``progress(runs)`` is called as runs finish.
    """
    seeds = replication_seeds(seed, replications)
    draws = ensemble if isinstance(ensemble, ParameterDraws) else None
    if ensemble and draws is None:
        draws = ParameterDraws(tuple(ensemble))
    tasks = []
    for arm, scenario in enumerate(scenarios):
        members = (
            [with_draw(scenario, values, draws.source) for values in draws.sets] if draws else []
        )
        for replication, run_seed in enumerate(seeds):
            keys = {
                "run_id": arm * replications + replication,
                "scenario": scenario.name,
                "replication": replication,
                "seed": run_seed,
            }
            inputs = scenario
            if draws:
                keys[DRAW] = draws.set_of(replication)
                inputs = members[keys[DRAW]]
            tasks.append(Task(keys, inputs))
    kept = seeds[:detail_replications] if detail else []
    model = ScenarioRuns(tuple(outcomes), frozenset(kept))
    rows = [
        row
        for batch in run_tasks(model, tasks, executor or SerialExecutor(), progress=progress)
        for row in batch
    ]
    rows.sort(key=lambda row: row["run_id"])
    return [
        _results(scenario, rows[arm * replications : (arm + 1) * replications], detail, draws)
        for arm, scenario in enumerate(scenarios)
    ]


def _results(
    scenario: Scenario, rows: list[Row], detail: bool, draws: ParameterDraws | None
) -> Results:
    """One scenario's rows (in replication order) as :class:`Results`."""
    internal = ("run_id", "status", "error", FRAMES)
    ok = [row for row in rows if row["status"] == OK]
    runs = pd.DataFrame([{k: v for k, v in row.items() if k not in internal} for row in ok])
    columns = [k for k in (*KEYS, "error") if k != DRAW or draws]
    failed = pd.DataFrame(
        [{k: row[k] for k in columns} for row in rows if row["status"] != OK], columns=columns
    )
    results = Results(scenario, runs, failed, draws=draws)
    detailed = [row for row in ok if row[FRAMES]]
    if detail and detailed:
        for name in DETAIL_FRAMES:
            frames = []
            for row in detailed:
                frame = row[FRAMES][name]
                frame.insert(0, "replication", row["replication"])
                frames.append(frame)
            setattr(results, name, pd.concat(frames, ignore_index=True))
    return results


def require_success(results: Sequence[Results]) -> None:
    """A one-line error when any run failed: for the commands whose tables need every run."""
    failures = [r.failed for r in results if len(r.failed)]
    if not failures:
        return
    failed = pd.concat(failures, ignore_index=True)
    total = sum(len(r.runs) + len(r.failed) for r in results)
    names = ", ".join(dict.fromkeys(r.scenario.name for r in results))
    first = failed.iloc[0]
    raise InputError(
        names,
        "runs",
        f"{len(failed)} of {total} failed",
        f"every run to succeed (replication {first['replication']} of {first['scenario']}: "
        f"{first['error']})",
    )
