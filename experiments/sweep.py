"""Running an experiment: every design point times every replication, on any executor.

The runner works for any model that maps keyword parameters and a seed to a dict of named
outcomes (:class:`experiments.replicate.FunctionModel` wraps a plain function such as
Ishigami's); tpn-sim's own model is :class:`experiments.replicate.ScenarioModel`. Replication ``r`` of every point uses the same seed (common random
numbers), so differences between points are not seed noise. A failing run is recorded with its
error and the sweep goes on.

Runs take the replication path of :mod:`experiments.replicate` (its seeds, tasks, batches and
failed rows); what a sweep adds is the store: rows go to disk in chunks as they finish, and a
resume skips the runs already there.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Design
from experiments.executors import Executor
from experiments.manifest import Manifest, new_manifest, now
from experiments.posterior import ParameterDraws
from experiments.replicate import DRAW, FRAMES, Task, replication_seeds, run_tasks
from experiments.store import SweepStore
from experiments.summary import grouped_mean_intervals, outcome_interval

# Finished runs per chunk on disk: 1 writes every batch as soon as it returns, so a kill (even
# SIGKILL) loses only the runs in flight. Larger values write fewer, larger files.
CHUNK_RUNS = 1


@dataclass
class SweepResult:
    runs: pd.DataFrame
    summary: pd.DataFrame
    failed: int
    failure_reasons: dict[str, int] = field(default_factory=dict)


def tasks_of(
    design: Design, replications: int, seed: int, draws: ParameterDraws | None = None
) -> Iterator[Task]:
    """Every run of a design, one at a time (a 100,000-run sweep never holds them all): its row starts with run id, point, replication, seed and what the
    point records (its policy and uncertainty point, if any, and its parameters); the model is
    given the point's parameters (and its policy's levers). With ``draws`` (a posterior's
    parameter sets, :mod:`experiments.posterior`), replication ``r`` of every point also runs
    with set ``draws.set_of(r)``, named in its row under ``draw``; a point's own values win."""
    seeds = replication_seeds(seed, replications)
    return (
        Task(
            {
                "run_id": point * replications + r,
                "point": point,
                "replication": r,
                **({DRAW: draws.set_of(r)} if draws else {}),
                "seed": seeds[r],
                **recorded,
            },
            {**draws.sets[draws.set_of(r)], **inputs} if draws else inputs,
        )
        for point, (recorded, inputs) in enumerate(design.points())
        for r in range(replications)
    )


def fingerprint(
    design: Design,
    replications: int,
    seed: int,
    model: dict[str, Any],
    draws: ParameterDraws | None = None,
) -> str:
    """What ``--resume`` must find unchanged: every run's parameters and seed, by run id, and the
    ``model`` it runs (for tpn-sim: base scenario, outcomes, series).

    The runs are hashed, not the experiment file: the order of the factors decides which sampled
    column goes to which factor, so the same file with its factors reordered is another design,
    while a new name or description changes no run. Nothing is re-sorted before hashing.
    """
    digest = hashlib.sha256(b"[[")  # the bytes of json.dumps([runs, model]), run by run
    for n, task in enumerate(tasks_of(design, replications, seed, draws)):
        run = {
            **{k: task.keys[k] for k in ("run_id", "point", "replication", "seed")},
            "params": task.inputs,
        }
        digest.update((", " if n else "").encode() + json.dumps(run, default=str).encode())
    digest.update(f"], {json.dumps(model, default=str)}]".encode())
    return digest.hexdigest()[:16]


def run_sweep(
    model,
    design: Design,
    replications: int,
    seed: int,
    store: SweepStore,
    executor: Executor,
    *,
    manifest: Manifest | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    chunk_runs: int = CHUNK_RUNS,
    draws: ParameterDraws | None = None,
) -> SweepResult:
    """Run what is not yet on disk, writing chunks as runs finish; returns the merged table.

    ``manifest``: what the caller knows of the sweep (its kind, experiment, fingerprint); the
    counts and times are filled in here. ``executor`` is left open: its maker closes it.
    """
    total = len(design.values) * replications
    done = store.finished_run_ids()
    todo = (t for t in tasks_of(design, replications, seed, draws) if t.keys["run_id"] not in done)
    base = (manifest or new_manifest("sweep", now())).model_copy(
        update={
            "executor": executor.name,
            "workers": executor.workers,
            "runs_total": total,
            "runs_done_before": len(done),
            "started": now(),
        }
    )
    store.write_manifest(base.model_copy(update={"status": "running"}))
    pending_rows: list[dict] = []

    def flush() -> None:
        nonlocal pending_rows
        series = [
            row[FRAMES]["series"].assign(run_id=row["run_id"])
            for row in pending_rows
            if "series" in row[FRAMES]
        ]
        store.write_chunk(
            [{k: v for k, v in r.items() if k != FRAMES} for r in pending_rows], series
        )
        pending_rows = []

    try:
        for rows in run_tasks(
            model, todo, executor, count=total - len(done), size=batch_size, progress=progress
        ):
            pending_rows.extend(rows)
            if len(pending_rows) >= chunk_runs:
                flush()
        flush()
    except BaseException:
        flush()
        on_disk = len(store.finished_run_ids())
        store.write_manifest(
            base.model_copy(update={"status": "interrupted", "runs_on_disk": on_disk})
        )
        raise
    runs = store.read_runs()
    store.finish(runs)
    summary = summarise_points(runs, list(design.table().columns), list(model.outcomes))
    summary.to_csv(store.folder / "summary.csv", index=False)
    failed = runs[runs["status"] == "failed"]
    reasons = {str(error): int(n) for error, n in failed["error"].value_counts().items()}
    store.write_manifest(
        base.model_copy(
            update={
                "status": "complete",
                "finished": now(),
                "runs_ok": int((runs["status"] == "ok").sum()),
                "runs_failed": len(failed),
                "failure_reasons": reasons,
            }
        )
    )
    return SweepResult(runs, summary, len(failed), reasons)


def summarise_points(runs: pd.DataFrame, factors: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Per design point: factor values, then mean and 95% interval of each outcome over its
    replications, over the parameter sets when the runs drew them (failed runs left out)."""
    ok = runs[runs["status"] == "ok"]
    groups = ok.groupby("point", sort=True)
    table = ok.drop_duplicates("point").set_index("point").sort_index()[factors]
    table.insert(len(factors), "replications", groups.size())
    if DRAW in ok:
        columns = {
            o: np.array(
                [
                    outcome_interval(g[o].to_numpy(dtype=float), g[DRAW].to_numpy())
                    for _, g in groups
                ]
            )
            .reshape(-1, 3)
            .T
            for o in outcomes
        }
    else:
        means, lows, highs = grouped_mean_intervals(groups[outcomes])
        columns = {o: (means[o], lows[o], highs[o]) for o in outcomes}
    statistics = {
        f"{outcome}.{name}": values
        for outcome, triple in columns.items()
        for name, values in zip(("mean", "ci_low", "ci_high"), triple, strict=True)
    }
    return pd.concat([table, pd.DataFrame(statistics, index=table.index)], axis=1).reset_index()


def point_means(runs: pd.DataFrame, points: int, outcomes: list[str]) -> np.ndarray:
    """(points, outcomes) means over replications, NaN where every run of a point failed."""
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[outcomes].mean().reindex(range(points))
    return means.to_numpy(dtype=float)
