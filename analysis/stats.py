"""Summaries of replications: means with 95% intervals, and paired differences between scenarios.

Two intervals answer two questions. ``ci_low``/``ci_high`` bound the *mean* over replications
(t-interval): use them to compare designs. ``p2_5``/``p97_5`` bound a *single run*: use them to ask
whether an observed value is plausible under the model.
"""

import numpy as np
import pandas as pd

from experiments.summary import mean_interval

SUMMARY_COLUMNS = ("outcome", "mean", "sd", "ci_low", "ci_high", "p2_5", "p97_5", "n")


def summarise(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per outcome: mean, sd, 95% interval of the mean, 2.5-97.5 percentiles, n."""
    rows = []
    for outcome in outcomes:
        values = runs[outcome].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        mean, low, high = mean_interval(finite)
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
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def paired_difference(runs: pd.DataFrame, scenario: str, reference: str, outcome: str):
    """Mean and 95% interval of ``scenario - reference``, paired by replication (common seeds)."""
    wide = runs.pivot_table(index="replication", columns="scenario", values=outcome, dropna=False)
    return mean_interval((wide[scenario] - wide[reference]).to_numpy())
