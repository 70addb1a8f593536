"""Running an experiment: every design point times every replication, on any executor.

The runner works for any model that maps keyword parameters and a seed to a dict of named
outcomes (:class:`FunctionModel` wraps a plain function such as Ishigami's); tpn-sim's own model
is :class:`ScenarioModel`. Replication ``r`` of every point uses the same seed (common random
numbers), so differences between points are not seed noise. A failing run is recorded with its
error and the sweep goes on.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from analysis.export import environment
from analysis.stats import mean_interval
from experiments.design import Design
from experiments.store import SweepStore
from sim.outcomes import outcomes as all_outcomes
from sim.params import Scenario
from sim.runner import group_series, replication_seeds, simulate_pair

FLUSH_ROWS = 2_000
FLUSH_SECONDS = 10.0


@dataclass(frozen=True)
class Evaluation:
    outcomes: dict[str, float]
    series: pd.DataFrame | None = None


@dataclass(frozen=True)
class ScenarioModel:
    """tpn-sim as a function: parameters and seed in, the requested outcomes out."""

    base: Scenario
    outcomes: tuple[str, ...]
    series: bool = False

    def evaluate(self, params: dict[str, Any], seed: int) -> Evaluation:
        from sim.model import resolve_scenario

        scenario = resolve_scenario(self.base, params)
        model, counterfactual = simulate_pair(scenario, seed)
        values = all_outcomes(model, counterfactual)
        series = group_series(model, counterfactual) if self.series else None
        return Evaluation({name: values[name] for name in self.outcomes}, series)


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


@dataclass
class SweepResult:
    runs: pd.DataFrame
    summary: pd.DataFrame
    failed: int
    failure_reasons: dict[str, int] = field(default_factory=dict)


def run_batch(model, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluate tasks one by one; an exception becomes a failed row, never a failed batch."""
    rows = []
    for task in tasks:
        row = {
            "run_id": task["run_id"],
            "point": task["point"],
            "replication": task["replication"],
            "seed": task["seed"],
            **task["params"],
        }
        try:
            result = model.evaluate(task["params"], task["seed"])
        except Exception as error:  # a failed run is data, not a crash
            rows.append(
                {
                    **row,
                    **dict.fromkeys(model.outcomes, float("nan")),
                    "status": "failed",
                    "error": f"{type(error).__name__}: {error}",
                    "_series": None,
                }
            )
            continue
        series = None
        if result.series is not None:
            series = result.series.assign(run_id=task["run_id"])
        rows.append({**row, **result.outcomes, "status": "ok", "error": "", "_series": series})
    return rows


def tasks_of(design: Design, replications: int, seed: int) -> list[dict[str, Any]]:
    seeds = replication_seeds(seed, replications)
    records = design.values.to_dict(orient="records")
    return [
        {
            "run_id": point * replications + r,
            "point": point,
            "replication": r,
            "seed": seeds[r],
            "params": params,
        }
        for point, params in enumerate(records)
        for r in range(replications)
    ]


def fingerprint(design: Design, replications: int, seed: int, model: dict[str, Any]) -> str:
    """What ``--resume`` must find unchanged: every run's parameters and seed, by run id, and the
    ``model`` it runs (for tpn-sim: base scenario, outcomes, series).

    The runs are hashed, not the experiment file: the order of the factors decides which sampled
    column goes to which factor, so the same file with its factors reordered is another design,
    while a new name or description changes no run. Nothing is re-sorted before hashing.
    """
    text = json.dumps([tasks_of(design, replications, seed), model], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_sweep(
    model,
    design: Design,
    replications: int,
    seed: int,
    store: SweepStore,
    executor,
    *,
    manifest: dict[str, Any],
    quiet: bool = False,
    batch_size: int | None = None,
    chunk_runs: int = FLUSH_ROWS,
) -> SweepResult:
    """Run what is not yet on disk, writing chunks as runs finish; returns the merged table."""
    tasks = tasks_of(design, replications, seed)
    done = store.finished_run_ids()
    todo = [t for t in tasks if t["run_id"] not in done]
    size = batch_size or max(1, min(64, len(todo) // (8 * executor.workers) or 1))
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    started = datetime.now(UTC)
    base_manifest = {
        **manifest,
        "executor": executor.name,
        "workers": executor.workers,
        "runs_total": len(tasks),
        "runs_done_before": len(done),
        "environment": environment(),
        "started": started.isoformat(timespec="seconds"),
    }
    store.write_manifest({**base_manifest, "status": "running"})
    pending_rows: list[dict] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal pending_rows, last_flush
        series = [r["_series"] for r in pending_rows if r["_series"] is not None]
        store.write_chunk(
            [{k: v for k, v in r.items() if k != "_series"} for r in pending_rows], series
        )
        pending_rows, last_flush = [], time.monotonic()

    bar = tqdm(
        total=len(tasks), initial=len(done), unit="run", disable=quiet, desc="runs", smoothing=0.1
    )
    try:
        for rows in executor.map(partial(run_batch, model), batches):
            pending_rows.extend(rows)
            bar.update(len(rows))
            if len(pending_rows) >= chunk_runs or time.monotonic() - last_flush > FLUSH_SECONDS:
                flush()
        flush()
    except BaseException:
        flush()
        store.write_manifest(
            {
                **base_manifest,
                "status": "interrupted",
                "runs_on_disk": len(store.finished_run_ids()),
            }
        )
        raise
    finally:
        bar.close()
        executor.close()
    runs = store.read_runs()
    store.finish(runs)
    summary = summarise_points(runs, list(design.values.columns), list(model.outcomes))
    summary.to_csv(store.folder / "summary.csv", index=False)
    failed = runs[runs["status"] == "failed"]
    reasons = failed["error"].value_counts().to_dict()
    store.write_manifest(
        {
            **base_manifest,
            "status": "complete",
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "runs_ok": int((runs["status"] == "ok").sum()),
            "runs_failed": len(failed),
            "failure_reasons": reasons,
        }
    )
    return SweepResult(runs, summary, len(failed), reasons)


def summarise_points(runs: pd.DataFrame, factors: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Per design point: factor values, then mean and 95% interval of each outcome over its
    replications (failed runs left out)."""
    ok = runs[runs["status"] == "ok"]
    records = []
    for point, group in ok.groupby("point", sort=True):
        record = {"point": point, **group.iloc[0][factors].to_dict(), "replications": len(group)}
        for outcome in outcomes:
            mean, low, high = mean_interval(group[outcome].to_numpy(dtype=float))
            record.update(
                {f"{outcome}.mean": mean, f"{outcome}.ci_low": low, f"{outcome}.ci_high": high}
            )
        records.append(record)
    return pd.DataFrame(records)


def point_means(runs: pd.DataFrame, points: int, outcomes: list[str]) -> np.ndarray:
    """(points, outcomes) means over replications, NaN where every run of a point failed."""
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[outcomes].mean().reindex(range(points))
    return means.to_numpy(dtype=float)
