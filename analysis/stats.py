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

from analysis.uncertainty import variance_split
from experiments.replicate import DRAW
from experiments.summary import interval_kind, outcome_interval

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
    "var_parameters",
    "var_chance",
    "share_parameters",
)


def drawn(runs: pd.DataFrame) -> bool:
    """Whether the runs drew their parameters (a posterior's draws or an ensemble)."""
    return DRAW in runs.columns


def summarise(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per outcome: mean, sd, 95% interval of the mean (over draws when the runs drew
    their parameters), 2.5-97.5 percentiles of single runs, n, and the variance split."""
    draws = runs[DRAW].to_numpy() if drawn(runs) else None
    rows = []
    for outcome in outcomes:
        values = runs[outcome].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        mean, low, high = outcome_interval(values, draws)
        split = variance_split(values, draws) if draws is not None else None
        rows.append(
            {
                "outcome": outcome,
                "mean": mean,
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else float("nan"),
                "ci_low": low,
                "ci_high": high,
                "p2_5": float(np.percentile(finite, 2.5)) if len(finite) else float("nan"),
                "p97_5": float(np.percentile(finite, 97.5)) if len(finite) else float("nan"),
                "n": len(finite),
                "interval": interval_kind(draws is not None),
                "var_parameters": split.parameters if split else float("nan"),
                "var_chance": split.chance if split else float("nan"),
                "share_parameters": split.share_parameters if split else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


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
