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
    return [
        f"{format_number(lo)} to {format_number(hi)}"
        for lo, hi in zip(table["interval_low"], table["interval_high"], strict=True)
    ]
