"""The tables of `tpn run` and `tpn compare`: headline outcomes, the comparison of scenarios on
common seeds with its paired differences and cost-effectiveness ratios, and their printable
forms. The files are written by :mod:`analysis.results_folder`."""

import pandas as pd

from analysis import tables
from analysis.stats import paired_difference, summarise


def run_table(summary: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """Headline outcomes with mean and 95% interval of the mean."""
    wanted = [o for o in tables.headline_outcomes(topics) if o in set(summary["outcome"])]
    rows = summary.set_index("outcome").loc[wanted].reset_index()
    return rows[["outcome", "mean", "ci_low", "ci_high", "p2_5", "p97_5", "n"]]


def comparison_table(runs: pd.DataFrame, names: list[str], topics: list[str]) -> pd.DataFrame:
    """Long table: each outcome, each scenario, mean with interval, and paired difference to the
    first scenario (replication r of every scenario used the same seed)."""
    records = []
    reference = names[0]
    for outcome in tables.headline_outcomes(topics):
        for name in names:
            values = runs.loc[runs["scenario"] == name, outcome].to_numpy()
            summary = summarise(pd.DataFrame({outcome: values}), [outcome]).iloc[0]
            diff = (
                paired_difference(runs, name, reference, outcome)
                if name != reference
                else (float("nan"),) * 3
            )
            records.append(
                {
                    "outcome": outcome,
                    "scenario": name,
                    "mean": summary["mean"],
                    "ci_low": summary["ci_low"],
                    "ci_high": summary["ci_high"],
                    "difference_vs_first": diff[0],
                    "difference_ci_low": diff[1],
                    "difference_ci_high": diff[2],
                }
            )
    records += icer_rows(runs, names)
    return pd.DataFrame(records)


def icer_rows(runs: pd.DataFrame, names: list[str]) -> list[dict]:
    """Incremental cost-effectiveness of each scenario against the first: extra cash per extra
    institution-point of causal gain (ratio of the paired mean differences; no interval).

    Only a scenario that gains more has one (negative when it also costs less: it dominates).
    For one that gains no more the ratio would read as a price of points it does not buy
    (cheaper and worse gives a positive number, dearer and worse a negative one), so it is left
    blank: compare its cost and gain rows instead."""
    nan = float("nan")
    rows = []
    for name in names:
        cost = paired_difference(runs, name, names[0], "costs.total")[0]
        gain = paired_difference(runs, name, names[0], "gains.institution_points")[0]
        ratio = cost / gain if name != names[0] and gain > 0 else nan
        rows.append(
            {
                "outcome": "costs.icer_vs_first",
                "scenario": name,
                "mean": ratio,
                "ci_low": ratio,
                "ci_high": ratio,
                "difference_vs_first": nan,
                "difference_ci_low": nan,
                "difference_ci_high": nan,
            }
        )
    return rows


def printable_run_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": table["outcome"],
            "mean [95% CI of mean]": [
                tables.format_interval(m, lo, hi)
                for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
            ],
            "95% of runs": [
                f"{tables.format_number(lo)} to {tables.format_number(hi)}"
                for lo, hi in zip(table["p2_5"], table["p97_5"], strict=True)
            ],
        }
    )


def printable_comparison(
    table: pd.DataFrame, names: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two wide tables: each scenario's means, and each scenario's difference to the first."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    means, differences = {"outcome": outcomes}, {"outcome": outcomes}
    for name in names:
        rows = table[table["scenario"] == name].set_index("outcome").loc[outcomes]
        means[name] = [
            tables.format_interval(m, lo, hi)
            for m, lo, hi in zip(rows["mean"], rows["ci_low"], rows["ci_high"], strict=True)
        ]
        if name != names[0]:
            differences[name] = [
                tables.format_interval(m, lo, hi)
                for m, lo, hi in zip(
                    rows["difference_vs_first"],
                    rows["difference_ci_low"],
                    rows["difference_ci_high"],
                    strict=True,
                )
            ]
    return pd.DataFrame(means), pd.DataFrame(differences)
