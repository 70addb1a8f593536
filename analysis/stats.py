"""Summaries of replications: means with 95% intervals, and paired differences between scenarios.

Two intervals answer two questions. ``ci_low``/``ci_high`` bound the *mean*: over replications
(t-interval, chance only) or, when the runs drew their parameters from a posterior, over the
plausible parameter sets (:mod:`experiments.summary`; ``interval`` names which, in words). Use
them to compare designs. ``p2_5``/``p97_5`` bound a *single run* (with a posterior, over
parameters and chance together): use them to ask whether an observed value is plausible under
the model. With a posterior, ``var_parameters`` and ``var_chance`` split a run's variance by the
law of total variance (:mod:`analysis.uncertainty`).
"""

import numpy as np
import pandas as pd
from scipy import stats

from analysis.uncertainty import variance_split
from experiments.replicate import DRAW
from experiments.summary import interval_kind, outcome_interval
from sim import outcome_registry

SIGNIFICANCE = 0.05  # the evaluation's test level (one-sided z-test at 5%), for power
BOOTSTRAP_RESAMPLES = 9_999
BOOTSTRAP_SEED = 2021  # the bootstrap's own stream: the same runs give the same interval
T_METHOD = "t-interval of the mean"
BOOTSTRAP_METHOD = "percentile bootstrap of the mean (within the outcome's bounds)"
DRAWS_METHOD = "over the parameter draws (clipped to the outcome's bounds)"
NO_INTERVAL = "none (a P-value: see power)"
NAN = float("nan")

SUMMARY_COLUMNS = (
    "outcome",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "p2_5",
    "p97_5",
    "n",
    "interval",
    "method",
    "power",
    "power_ci_low",
    "power_ci_high",
    "var_parameters",
    "var_chance",
    "share_parameters",
)


def drawn(runs: pd.DataFrame) -> bool:
    """Whether the runs drew their parameters (a posterior's draws or an ensemble)."""
    return DRAW in runs.columns


def summarise(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per outcome: mean, sd, 95% interval of the mean (over draws when the runs drew
    their parameters) by a method that keeps within the outcome's bounds, 2.5-97.5 percentiles
    of single runs, n, the variance split and, for a P-value, power instead of an interval."""
    draws = runs[DRAW].to_numpy() if drawn(runs) else None
    booted = _bootstrapped(runs, outcomes) if draws is None else {}
    rows = []
    for outcome in outcomes:
        values = runs[outcome].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        if outcome in booted:
            mean, low, high, method = (float(finite.mean()), *booted[outcome], BOOTSTRAP_METHOD)
        else:
            mean, low, high, method = bounded_interval(values, draws, outcome)
        split = variance_split(values, draws) if draws is not None else None
        power = power_of(finite) if method == NO_INTERVAL else (NAN,) * 3
        rows.append(
            {
                "outcome": outcome,
                "mean": mean,
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else NAN,
                "ci_low": low,
                "ci_high": high,
                "p2_5": float(np.percentile(finite, 2.5)) if len(finite) else NAN,
                "p97_5": float(np.percentile(finite, 97.5)) if len(finite) else NAN,
                "n": len(finite),
                "interval": interval_kind(draws is not None),
                "method": method,
                "power": power[0],
                "power_ci_low": power[1],
                "power_ci_high": power[2],
                "var_parameters": split.parameters if split else NAN,
                "var_chance": split.chance if split else NAN,
                "share_parameters": split.share_parameters if split else NAN,
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _bootstrapped(runs: pd.DataFrame, outcomes: list[str]) -> dict[str, tuple[float, float]]:
    """The bootstrap intervals of every bounded outcome with a value in every run, in one
    vectorised call (the same resamples as one call per outcome: the same seed and size)."""
    chosen = [
        o
        for o in outcomes
        if _bounded(o) and runs[o].notna().all() and runs[o].nunique() > 1 and len(runs) > 1
    ]
    if not chosen:
        return {}
    interval = _bootstrap(runs[chosen].to_numpy(dtype=float).T)
    return {o: (float(lo), float(hi)) for o, lo, hi in zip(chosen, *interval, strict=True)}


def _bounded(outcome: str) -> bool:
    """Whether the registry gives the outcome a bound (and it is no P-value)."""
    try:
        record = outcome_registry.outcome(outcome)
    except KeyError:
        return False
    return record.kind != "probability" and (record.low is not None or record.high is not None)


def _bootstrap(values: np.ndarray):
    """Percentile bootstrap 95% interval of the mean along the last axis."""
    return stats.bootstrap(
        (values,),
        np.mean,
        axis=-1,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(BOOTSTRAP_SEED),
    ).confidence_interval


def bounded_interval(
    values: np.ndarray, draws: np.ndarray | None, outcome: str
) -> tuple[float, float, float, str]:
    """Mean, 95% interval of the mean and the method's words, by the outcome's kind and bounds
    (the module docstring says which method when)."""
    try:
        record = outcome_registry.outcome(outcome)
    except KeyError:  # a column no run registers (a part of a decomposition): unbounded
        record = None
    finite = values[~np.isnan(values)]
    mean = float(finite.mean()) if len(finite) else NAN
    if record is not None and record.kind == "probability":
        return mean, NAN, NAN, NO_INTERVAL
    bounded = record is not None and (record.low is not None or record.high is not None)
    if draws is not None:
        mean, low, high = outcome_interval(values, draws)
        if bounded:
            low, high = np.clip([low, high], record.low, record.high).tolist()
        return mean, low, high, DRAWS_METHOD
    if not bounded:
        return (*outcome_interval(values), T_METHOD)
    if len(finite) < 2:
        return mean, NAN, NAN, BOOTSTRAP_METHOD
    if np.ptp(finite) == 0:
        return mean, mean, mean, BOOTSTRAP_METHOD
    interval = _bootstrap(finite)
    return mean, float(interval.low), float(interval.high), BOOTSTRAP_METHOD


def power_of(p_values: np.ndarray) -> tuple[float, float, float]:
    """The share of runs whose test is significant at :data:`SIGNIFICANCE`, with its 95%
    Wilson interval (a share of runs: it stays within 0-1)."""
    if len(p_values) == 0:
        return (NAN,) * 3
    significant = int((p_values < SIGNIFICANCE).sum())
    interval = stats.binomtest(significant, len(p_values)).proportion_ci(method="wilson")
    return significant / len(p_values), float(interval.low), float(interval.high)


def interval_of(runs: pd.DataFrame, outcome: str) -> tuple[float, float, float]:
    """Mean and 95% interval of one outcome, over the draws when the runs drew parameters."""
    draws = runs[DRAW].to_numpy() if drawn(runs) else None
    return outcome_interval(runs[outcome].to_numpy(dtype=float), draws)


def paired_difference(runs: pd.DataFrame, scenario: str, reference: str, outcome: str):
    """Mean and 95% interval of ``scenario - reference``, paired by replication (common seeds
    and, with a posterior, common parameter sets: the interval is then over the draws)."""
    return tuple(paired_differences(runs, scenario, reference, [outcome]).iloc[0])


def paired_differences(
    runs: pd.DataFrame, scenario: str, reference: str, outcomes: list[str]
) -> pd.DataFrame:
    """:func:`paired_difference` of many outcomes at once: one row per outcome, with the
    columns ``mean``, ``low`` and ``high``."""
    index = ["replication", DRAW] if drawn(runs) else ["replication"]
    mine = runs[runs["scenario"] == scenario].set_index(index)[outcomes]
    theirs = runs[runs["scenario"] == reference].set_index(index)[outcomes]
    difference = mine.astype(float) - theirs.astype(float)
    draws = difference.index.get_level_values(DRAW).to_numpy() if drawn(runs) else None
    return pd.DataFrame(
        [outcome_interval(difference[o].to_numpy(), draws) for o in outcomes],
        index=outcomes,
        columns=["mean", "low", "high"],
    )
