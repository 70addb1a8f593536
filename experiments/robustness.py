"""How each policy holds up across the uncertainty points: paired values, regret, metrics.

Every policy ran at every uncertainty point with the same seeds (:mod:`experiments.design`), so
at one point the policies meet the same context and the same chance: their differences are
paired. A point's value of a policy is its outcome's mean over the replications that every
policy ran to the end at that point (a replication that failed for one policy is left out for
all, so the pairing holds).

Each metric is a transformation of the values, a subset of the points and an aggregation, in
the taxonomy of McPhail et al. 2018 ("Robustness metrics", Earth's Future 6:169-191);
:data:`METRICS` says each in one line with its source. The direction of each outcome (more is
better, or less) comes from the outcome registry (``higher_is_better``), never from here.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.design import POLICY, UNCERTAINTY_POINT
from experiments.manifest import read_manifest
from experiments.spec import Experiment
from experiments.store import RUNS_FILE
from sim.errors import InputError
from sim.outcome_registry import outcome as outcome_record

ROBUSTNESS = "robustness"  # the subfolder `tpn robust` writes into a folder of policies
DISCOVERIES = "discoveries"  # where `tpn discover` writes, a subfolder per condition
COST = "costs.total"  # shown beside every policy's metrics when the experiment has it
DEFAULT_PERCENTILES = (10, 50, 90)
KIND = "robustness"
POINTS_FILE = "points.parquet"  # the design: each point's policy, uncertainty point and values
METRICS = {
    "mean": "mean over the uncertainty points, each weighted equally (Laplace's principle of "
    "insufficient reason)",
    "pN": "N-th percentile over the points (percentile-based metrics, McPhail et al. 2018)",
    "worst": "worst value at any point: the lowest if more is better, else the highest (Wald's "
    "maximin, 1950)",
    "regret_mean": "mean shortfall from the best policy at the same point (regret, Savage 1951)",
    "regret_max": "largest shortfall from the best policy at any point; the smallest marks the "
    "minimax-regret choice (Savage 1951)",
    "meets": "share of points where the policy meets the threshold (Starr's domain criterion, "
    "1963)",
    "vs_first": "mean paired difference from the first policy at the same points and seeds",
    "beats_first": "share of points where the policy does better than the first",
    "cost": "mean cash cost of all activities over the points (RWF)",
}


def metric_meanings(first: str) -> dict[str, str]:
    """:data:`METRICS` with the comparisons named after the first policy, as tables show them."""
    return {
        name.replace("first", first): meaning.replace("the first policy", first).replace(
            "than the first", f"than {first}"
        )
        for name, meaning in METRICS.items()
    }


@dataclass(frozen=True)
class PairedValues:
    """Each policy's value of each outcome at each uncertainty point, paired across policies."""

    values: pd.DataFrame  # index: uncertainty point; columns: (policy, outcome)
    factors: pd.DataFrame  # index: uncertainty point; one column per uncertainty
    replications: pd.Series  # per uncertainty point: replications every policy finished
    policies: tuple[str, ...]
    outcomes: tuple[str, ...]

    def of(self, outcome: str) -> pd.DataFrame:
        """One outcome: one row per uncertainty point, one column per policy."""
        return self.values.xs(outcome, axis=1, level=1)[list(self.policies)]


def higher_is_better(outcome: str) -> bool | None:
    """The registry's direction of an outcome; ``None`` when neither is better."""
    return outcome_record(outcome).higher_is_better


def paired_values(
    runs: pd.DataFrame, policies: tuple[str, ...], outcomes: tuple[str, ...], factors: list[str]
) -> PairedValues:
    """Means over the replications every policy finished at each point (a sweep's runs)."""
    ok = runs[runs["status"] == "ok"]
    keys = [UNCERTAINTY_POINT, "replication"]
    finished = ok.groupby(keys)[POLICY].transform("nunique") == len(policies)
    paired = ok[finished]
    means = paired.groupby([UNCERTAINTY_POINT, POLICY])[list(outcomes)].mean()
    values = means.unstack(POLICY).swaplevel(axis=1)
    values = values.reindex(columns=pd.MultiIndex.from_product([policies, outcomes]))
    values = values.sort_index()
    points = paired.drop_duplicates(UNCERTAINTY_POINT).set_index(UNCERTAINTY_POINT)
    return PairedValues(
        values,
        points.loc[values.index, factors],
        paired.groupby(UNCERTAINTY_POINT)["replication"].nunique().reindex(values.index),
        tuple(policies),
        tuple(outcomes),
    )


def regret(values: pd.DataFrame, more_is_better: bool) -> pd.DataFrame:
    """Per point and policy, how far it falls short of the best policy at that point (>= 0;
    0 for the best). ``values``: one row per point, one column per policy."""
    if more_is_better:
        return values.rsub(values.max(axis=1), axis=0)
    return values.sub(values.min(axis=1), axis=0)


def meets(values: pd.Series, threshold: float, more_is_better: bool) -> pd.Series:
    """Whether each value meets the threshold: at least it if more is better, at most it if
    less is."""
    return values >= threshold if more_is_better else values <= threshold


def robustness_table(
    paired: PairedValues,
    percentiles: tuple[int, ...] = DEFAULT_PERCENTILES,
    thresholds: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per outcome with a direction and per policy, the metrics of :data:`METRICS`, over the
    points where every policy has a value of that outcome."""
    thresholds = thresholds or {}
    first = paired.policies[0]
    cost = paired.of(COST).mean() if COST in paired.outcomes else None
    records = []
    for outcome in paired.outcomes:
        better = higher_is_better(outcome)
        if better is None:
            continue
        values = paired.of(outcome).dropna()
        shortfall = regret(values, better)
        sign = 1 if better else -1
        for policy in paired.policies:
            column = values[policy]
            record = {
                "outcome": outcome,
                "policy": policy,
                "better": "higher" if better else "lower",
                "points": len(column),
                "mean": column.mean(),
                **{f"p{q}": _percentile(column, q) for q in percentiles},
                "worst": column.min() if better else column.max(),
                "regret_mean": shortfall[policy].mean(),
                "regret_max": shortfall[policy].max(),
            }
            if outcome in thresholds:
                record["threshold"] = thresholds[outcome]
                record["meets"] = meets(column, thresholds[outcome], better).mean()
            difference = column - values[first]
            record["vs_first"] = difference.mean()
            record["beats_first"] = (sign * difference > 0).mean() if policy != first else np.nan
            if cost is not None:
                record["cost"] = cost[policy]
            records.append(record)
    table = pd.DataFrame(records)
    if table.empty:
        return table
    smallest = table.groupby("outcome")["regret_max"].transform("min")
    table["minimax_regret"] = table["regret_max"] == smallest
    return table


def _percentile(values: pd.Series, q: int) -> float:
    return float(np.percentile(values, q)) if len(values) else np.nan


def per_point_table(paired: PairedValues) -> pd.DataFrame:
    """One row per uncertainty point: its uncertainty values, then ``POLICY.OUTCOME`` (the
    paired value) and ``POLICY.regret.OUTCOME`` for outcomes with a direction: the names
    `tpn discover` conditions use."""
    columns = {name: paired.factors[name] for name in paired.factors.columns}
    columns["replications"] = paired.replications
    for outcome in paired.outcomes:
        values = paired.of(outcome)
        for policy in paired.policies:
            columns[f"{policy}.{outcome}"] = values[policy]
        better = higher_is_better(outcome)
        if better is not None:
            shortfall = regret(values, better)
            for policy in paired.policies:
                columns[f"{policy}.regret.{outcome}"] = shortfall[policy]
    return pd.DataFrame(columns, index=paired.values.index)


def read_folder(folder: Path) -> tuple[Experiment, PairedValues]:
    """The experiment and the paired values of a finished `tpn sweep` folder of policies;
    anything else is a one-line error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("command line", "folder", str(folder), "a folder written by tpn sweep")
    manifest = read_manifest(folder)
    if manifest.kind != KIND:
        raise InputError(
            folder / "manifest.json",
            "kind",
            manifest.kind,
            f"'{KIND}': a `tpn sweep` folder of an experiment with policies",
        )
    if manifest.status != "complete":
        raise InputError(
            folder / "manifest.json",
            "status",
            manifest.status,
            f"'complete'; finish it first with `tpn sweep FILE --out {folder} --resume`",
        )
    missing = [name for name in (RUNS_FILE, POINTS_FILE) if not (folder / name).is_file()]
    if missing:
        raise InputError(
            folder, "missing files", ", ".join(missing), "a complete `tpn sweep` folder"
        )
    experiment = Experiment.model_validate(manifest.experiment)
    runs = pd.read_parquet(folder / RUNS_FILE)
    # The uncertain factors: those sampled by name and any parameters drawn from a posterior.
    labels = ("point", POLICY, UNCERTAINTY_POINT)
    factors = [c for c in pd.read_parquet(folder / POINTS_FILE).columns if c not in labels]
    policies = tuple(policy.name for policy in experiment.policies)
    paired = paired_values(runs, policies, experiment.outcomes, factors)
    if paired.values.empty:
        raise InputError(
            folder / RUNS_FILE,
            "runs",
            "none paired",
            "at least one uncertainty point where every policy finished a replication",
        )
    return experiment, paired
