"""Result tables as a person reads them, for the terminal (`tpn`) and the HTML report alike.

Each function turns a table of numbers written by tpn into text cells: numbers formatted by
:func:`analysis.tables.format_number`, a mean with its interval as ``mean [low, high]``, a 95%
range of runs as ``low to high``.
"""

import pandas as pd

from analysis.tables import format_interval, format_number


def headline_indices(indices: pd.DataFrame, design: str) -> pd.DataFrame:
    """The two indices of each factor a reader compares (Sobol: S1 and ST; Morris: mu* and
    sigma), with their 95% CI half-width in brackets, most important factor first per outcome
    (by ST, or by mu*)."""
    shown = ("S1", "ST") if design == "sobol" else ("mu_star", "sigma")
    data = indices[indices["index"].isin(shown)]
    rows = []
    for (outcome, factor), group in data.groupby(["outcome", "factor"], sort=False):
        row = {"outcome": outcome, "factor": factor}
        for item in group.itertuples():
            conf = "" if pd.isna(item.conf) else f" [{format_number(item.conf)}]"
            row[item.index] = f"{format_number(item.value)}{conf}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    key = shown[1] if design == "sobol" else shown[0]
    order = indices[indices["index"] == key].set_index(["outcome", "factor"])["value"]
    frame["_order"] = [
        -order.get((o, f), 0) for o, f in zip(frame["outcome"], frame["factor"], strict=True)
    ]
    return frame.sort_values(["outcome", "_order"], kind="stable").drop(columns="_order")


def printable_points(summary: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """A sweep's summary.csv with each outcome's mean and interval in one cell per point."""
    printable = summary.drop(
        columns=[c for c in summary.columns if c.endswith((".mean", ".ci_low", ".ci_high"))]
    )
    for outcome in outcomes:
        printable[outcome] = [
            format_interval(m, lo, hi)
            for m, lo, hi in zip(
                summary[f"{outcome}.mean"],
                summary[f"{outcome}.ci_low"],
                summary[f"{outcome}.ci_high"],
                strict=True,
            )
        ]
    return printable.astype(str)


def printable_validation(table: pd.DataFrame) -> pd.DataFrame:
    """Fitted targets: the evaluation's value beside the model's mean and 95% of runs."""
    return pd.DataFrame(
        {
            "target": table["target"],
            "outcome": table["outcome"],
            "observed": [format_number(v) for v in table["observed"]],
            "model mean": [format_number(v) for v in table["model_mean"]],
            "95% of runs": _run_ranges(table),
            "inside": ["yes" if v else "NO" for v in table["inside"]],
        }
    )


def printable_summary(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The ``keys`` columns, then the model's mean and 95% of runs."""
    printable = table[keys].copy()
    printable["model mean"] = [format_number(v) for v in table["model_mean"]]
    printable["95% of runs"] = _run_ranges(table)
    return printable


def _run_ranges(table: pd.DataFrame) -> list[str]:
    return _ranges(table["interval_low"], table["interval_high"])


def printable_robustness(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """`tpn robust`'s table (:func:`experiments.robustness.robustness_table`): numbers
    formatted, shares in percent, the comparisons with the ``first`` policy named after it and
    the minimax-regret policy of each outcome starred."""
    shares = ("meets", "beats_first")
    printable = pd.DataFrame(
        {
            column: [
                "-" if pd.isna(v) else f"{v:.0%}" if column in shares else format_number(v)
                for v in table[column]
            ]
            for column in table.columns
            if column not in ("outcome", "policy", "better", "points", "minimax_regret")
        }
    )
    printable.insert(0, "outcome", table["outcome"] + " (" + table["better"] + " is better)")
    printable.insert(
        1,
        "policy",
        [
            p + (" *" if best else "")
            for p, best in zip(table["policy"], table["minimax_regret"], strict=True)
        ],
    )
    printable.insert(2, "points", table["points"].astype(str))
    return printable.rename(columns={"vs_first": f"vs {first}", "beats_first": f"beats {first}"})


def printable_predictive(table: pd.DataFrame) -> pd.DataFrame:
    """The posterior predictive check: observed (where reported), predictive mean, 90% and 95%
    intervals, p-value and the variance from the parameters."""
    return pd.DataFrame(
        {
            "kind": table["kind"],
            "name": table["name"],
            "observed": [format_number(v) for v in table["observed"]],
            "predictive mean": [format_number(v) for v in table["predictive_mean"]],
            "90% interval": _ranges(table["low_90"], table["high_90"]),
            "95% interval": _ranges(table["low_95"], table["high_95"]),
            "p-value": [format_number(v) for v in table["p_value"]],
            "variance from parameters": [format_share(v) for v in table["share_parameters"]],
        }
    )


def printable_patterns(table: pd.DataFrame) -> pd.DataFrame:
    """The evaluation's patterns: a number's mean and 90% of runs, or the share of runs in which
    a pattern holds; observed as reported (a pattern: yes or no)."""
    pattern = table["kind"] == "pattern"
    observed = [
        ("-" if pd.isna(v) else "yes" if v else "no") if p else format_number(v)
        for v, p in zip(table["observed"], pattern, strict=True)
    ]
    model = [
        f"in {format_share(row.share_of_runs)} of runs"
        if is_pattern
        else f"{format_number(row.predictive_mean)} ({format_number(row.low_90)} to "
        f"{format_number(row.high_90)})"
        for row, is_pattern in zip(table.itertuples(), pattern, strict=True)
    ]
    return pd.DataFrame(
        {
            "topic": table["topic"],
            "pattern": table["pattern"],
            "observed": observed,
            "model: mean (90% of runs)": model,
        }
    )


def _ranges(lows, highs) -> list[str]:
    return [
        f"{format_number(lo)} to {format_number(hi)}" for lo, hi in zip(lows, highs, strict=True)
    ]


def format_share(share: float) -> str:
    """A share as a whole percentage; "-" when undefined."""
    return "-" if pd.isna(share) else f"{share:.0%}"


def printable_posterior(summary: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: prior, posterior median, 90% credible interval, and whether the data
    constrain it (:data:`experiments.fit_abc.CONSTRAINED_BELOW`)."""
    return pd.DataFrame(
        {
            "parameter": summary["parameter"],
            "prior": summary["prior"],
            "prior 90%": _ranges(summary["prior_low_90"], summary["prior_high_90"]),
            "posterior median": [format_number(v) for v in summary["posterior_median"]],
            "90% credible interval": _ranges(
                summary["posterior_low_90"], summary["posterior_high_90"]
            ),
            "width / prior's": [f"{v:.2f}" for v in summary["width_ratio_90"]],
            "the data": [
                "constrain it" if c else "do not constrain it" for c in summary["constrained"]
            ],
        }
    )
