"""Result tables as a person reads them, for the terminal (`tpn`) and the HTML report alike.

Each function turns a table of numbers written by tpn into text cells: numbers formatted by
:func:`analysis.tables.format_number`, a mean with its interval as ``mean [low, high]``, a 95%
range of runs as ``low to high``.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis import economics
from analysis.tables import (
    format_estimate,
    format_interval,
    format_number,
    format_value,
    unit_words,
)
from experiments.robustness import METRICS, metric_meanings
from experiments.spec import parameter_field
from sim.errors import InputError
from sim.outcome_registry import outcome as outcome_record
from sim.payers import FUNDERS
from sim.topics import Topics


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
    """A sweep's summary.csv with each outcome's mean and interval in one cell per point, and
    each factor's value as what it is (a share in percent, not 0.6188163576055018)."""
    printable = summary.drop(
        columns=[c for c in summary.columns if c.endswith((".mean", ".ci_low", ".ci_high"))]
    )
    for column in printable.columns:
        if _parameter_unit(column) is not None:
            printable[column] = _factor_cells(column, printable[column])
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


def robustness_headers(first: str) -> dict[str, str]:
    """:func:`experiments.robustness.robustness_table`'s metric columns as a table's header reads
    them, with the comparisons named after the ``first`` policy; a percentile column ``pN`` reads
    "N-th pct."."""
    return {
        "mean": "mean",
        "worst": "worst",
        "regret_mean": "mean regret",
        "regret_max": "largest regret",
        "threshold": "threshold",
        "meets": "meets threshold",
        "vs_first": f"vs {first}",
        "beats_first": f"beats {first}",
        "cost": "cost (RWF)",
    }


def robustness_meanings(first: str) -> dict[str, str]:
    """Each header of :func:`printable_robustness` with its one-line meaning and source."""
    headers = robustness_headers(first) | {"pN": "N-th pct."}
    meanings = metric_meanings(first)  # keyed by the metric, "first" replaced by its name
    return {headers[name]: meanings[name.replace("first", first)] for name in METRICS}


def printable_robustness(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """`tpn robust`'s table (:func:`experiments.robustness.robustness_table`): each outcome in
    words with its unit and direction, shares in percent, money in whole RWF, the comparisons
    with the ``first`` policy named after it and the minimax-regret policy of each outcome
    starred."""
    shares = ("meets", "beats_first")
    headers = robustness_headers(first)
    printable = pd.DataFrame(
        {
            headers.get(column, f"{column[1:]}-th pct."): [
                "-" if pd.isna(v) else f"{v:.0%}" if column in shares else format_number(v)
                for v in table[column]
            ]
            for column in table.columns
            if column not in ("outcome", "policy", "better", "points", "minimax_regret")
        }
    )
    printable.insert(0, "outcome", [_outcome_words(name) for name in table["outcome"]])
    printable.insert(1, "better", table["better"] + " is better")
    printable.insert(
        2,
        "policy",
        [
            p + (" *" if best else "")
            for p, best in zip(table["policy"], table["minimax_regret"], strict=True)
        ],
    )
    printable.insert(3, "points", table["points"].astype(str))
    return printable


def _outcome_words(name: str, topics: Topics | None = None) -> str:
    """An outcome as people name it: its label, its topic's and its unit ("Causal effect of
    twinning on choosers (accreditation), indicator points")."""
    record = outcome_record(name, topics)
    topic = f" ({_topic_words(record.topic, topics)})" if record.topic else ""
    return f"{record.label}{topic}, {unit_words(record)}"


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
    """A share as a whole percentage within 0-100%; "-" when undefined."""
    return "-" if pd.isna(share) else f"{min(max(share, 0.0), 1.0):.0%}"


def whole_percentages(shares) -> list[int]:
    """Shares of one whole (who pays what part of a cost; in which part of the worlds each
    design is the best buy) as whole percentages that add up to exactly 100, by largest
    remainder (Hamilton's method): each share is rounded down, then the points still missing
    go to the largest remainders (the larger share first on a tie). Rounding each share on its
    own can show 101% (44.6% + 44.6% + 10.8% -> 45% + 45% + 11%); this gives 45% + 44% + 11%.

    The shares are scaled to their sum first; negative shares count as 0, and shares that sum
    to nothing (or are undefined) are rounded one by one."""
    values = [0.0 if pd.isna(v) else max(float(v), 0.0) for v in shares]
    total = sum(values)
    if total <= 0 or any(pd.isna(v) for v in shares):
        return [round(100 * min(v, 1.0)) for v in values]
    exact = [100 * v / total for v in values]
    whole = [int(e) for e in exact]  # floor: every e >= 0
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - whole[i]), -exact[i], i))
    for i in by_remainder[: 100 - sum(whole)]:
        whole[i] += 1
    return whole


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


def printable_frontier(table: pd.DataFrame, factors: list[str], gain: str) -> pd.DataFrame:
    """`tpn frontier`'s table (:func:`analysis.frontier.frontier_table`): each point's factors,
    cost in millions of RWF and gain with their intervals, the ICER against the next cheaper
    frontier point, and its status (on the frontier, dominated, extendedly dominated)."""
    record = outcome_record(gain)
    printable = pd.DataFrame(
        {_factor_header(name): _factor_cells(name, table[name]) for name in factors},
        index=table.index,
    )
    printable["cost (million RWF)"] = [
        format_interval(m / 1e6, lo / 1e6, hi / 1e6)
        for m, lo, hi in zip(
            table["cost_mean"], table["cost_ci_low"], table["cost_ci_high"], strict=True
        )
    ]
    printable[f"{record.label} ({record.unit})"] = [
        format_interval(m, lo, hi)
        for m, lo, hi in zip(
            table["gain_mean"], table["gain_ci_low"], table["gain_ci_high"], strict=True
        )
    ]
    printable["RWF per extra point (ICER)"] = [_money(v) for v in table["icer"]]
    printable["status"] = table["status"]
    return printable


def _factor_header(name: str) -> str:
    """A varied parameter's column header: its name in words with its unit."""
    unit = _parameter_unit(name)
    words = factor_words(name)
    return f"{words} (%)" if unit == "share" else f"{words} ({unit})" if unit else words


def factor_words(name: str) -> str:
    """A varied parameter's name in words, without its section ("design.virtual_share" ->
    "virtual share")."""
    return name.rsplit(".", 1)[-1].replace("_", " ")


def factor_value_words(name: str, value) -> str:
    """One value of a varied parameter in words with its unit, as a figure labels a point:
    "80% virtual share", "60 visits/year", "4 mentees per host"; text (a design, "no
    effect": "exchange visits per year: no effect") in words."""
    value = value.item() if isinstance(value, np.generic) else value
    (cell,) = _factor_cells(name, pd.Series([value], dtype=object))
    unit = _parameter_unit(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = cell.replace("_", " ")
        return text if factor_words(name) == "design" else f"{factor_words(name)}: {text}"
    if unit == "share":
        return f"{cell} {factor_words(name)}"
    return f"{cell} {unit}" if unit else f"{factor_words(name)} {cell}"


def _factor_cells(name: str, values: pd.Series) -> list[str]:
    """A varied parameter's values as what they are: shares in percent, whole numbers whole,
    and text (a design, "no effect") as it is."""
    unit = _parameter_unit(name)

    def cell(value) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if unit == "share":
            return f"{value:.0%}"
        return f"{value:,.0f}" if float(value).is_integer() else format_number(value)

    return [cell(v) for v in values]


def _parameter_unit(name: str) -> str | None:
    """The declared unit of a scenario parameter, ``None`` for a name that is not one ("-"
    for a parameter without a unit, such as a design)."""
    try:
        extra = parameter_field(name).json_schema_extra or {}
    except (KeyError, InputError):
        return None
    unit = extra.get("unit")
    return None if unit in (None, "-") else unit


def _money(value: float) -> str:
    return format_value(value, outcome_record("costs.total"))


def printable_cost_effectiveness(
    table: pd.DataFrame, words: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The comparison's frontier (:func:`analysis.economics.cost_effectiveness`), cheapest
    first, in words and units; each option named by ``words`` (scenario identifier -> its
    name in words, :func:`analysis.reporting.scenario_words`), or as it is."""
    gain = outcome_record(economics.GAIN)
    words = words or {}
    return pd.DataFrame(
        {
            "design": [words.get(n, n) for n in table["scenario"]],
            "cash cost (RWF)": [_money(v) for v in table["cost"]],
            f"gain ({gain.unit})": [format_value(v, gain) for v in table["gain"]],
            "RWF per point, against no twinning": [_money(v) for v in table["cost_per_point"]],
            "RWF per extra point (ICER)": [_money(v) for v in table["icer"]],
            "ICER against": [words.get(n, n) or "-" for n in table["compared_with"]],
            "status": table["status"],
        }
    )


def printable_acceptability(
    curve: pd.DataFrame, words: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The CEAC as a table: one row per willingness-to-pay, per design the share of worlds in
    which it has the highest net benefit, in whole percentages that add up to 100% across a
    row (:func:`whole_percentages`); the design best on average starred. Each design's column
    is named by ``words`` (as :func:`printable_cost_effectiveness`), or by its identifier."""
    words = words or {}
    rows = []
    for wtp, group in curve.groupby("wtp", sort=True):
        row = {"RWF per institution-point": _money(wtp)}
        percentages = whole_percentages(group["probability_best"])
        for item, percent in zip(group.itertuples(), percentages, strict=True):
            row[words.get(item.scenario, item.scenario)] = f"{percent}%" + (
                " *" if item.best_on_average else ""
            )
        rows.append(row)
    return pd.DataFrame(rows)


def printable_budget(table: pd.DataFrame) -> pd.DataFrame:
    """The budget impact (:func:`analysis.economics.budget_impact`) in words: each budget
    year's months and phase, RWF paid by each funder, and the total."""
    printable = pd.DataFrame(
        {
            "budget year": table["year"].astype(str),
            "months": table["months"],
            "phase": table["phase"],
        }
    )
    for funder in FUNDERS:
        printable[
            outcome_record(f"costs.{funder}").label.removeprefix("Cash paid by ") + " (RWF)"
        ] = [_money(v) for v in table[funder]]
    printable["total (RWF)"] = [_money(v) for v in table["total"]]
    return printable


def printable_headline(
    comparison: pd.DataFrame,
    names: list[str],
    topics: Topics | None = None,
    words: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The outcomes a planner reads first, named in words with their unit, each value as what
    it is (:func:`analysis.tables.format_estimate`); a P-value as the evaluation test's power.
    Each scenario's column is named by ``words`` (as :func:`printable_cost_effectiveness`), or
    by its identifier."""
    words = words or {}
    by = comparison.set_index(["outcome", "scenario"])
    held = set(comparison["outcome"])
    topic_names = [
        o.removesuffix(".causal_effect")
        for o in dict.fromkeys(comparison["outcome"])
        if o.endswith(".causal_effect")
    ]
    wanted = [economics.GAIN]
    for topic in topic_names:
        wanted += [f"{topic}.causal_effect", f"{topic}.difference", f"{topic}.p_value"]
    wanted += [
        "costs.total",
        *(f"costs.{f}" for f in FUNDERS),
        "costs.per_member",
        "activities.exchange_visit",
        "network.ties",
        "sustain.still_twinning",
    ]
    rows = []
    for name in wanted:
        if name not in held:
            continue
        record = outcome_record(name, topics)
        if name.startswith("costs.") and all(
            not by.loc[(name, n), "mean"] > 0 for n in names if (name, n) in by.index
        ):
            continue  # a payer who paid nothing in any scenario
        power = name.endswith(".p_value")
        label = "Evaluations whose z-test is significant at 5% (power)" if power else record.label
        row = {
            "outcome": label + (f" ({_topic_words(record.topic, topics)})" if record.topic else ""),
            "unit": "%" if power else unit_words(record),
        }
        for scenario in names:
            item = by.loc[(name, scenario)]
            row[words.get(scenario, scenario)] = (
                format_estimate(item["power"], item["power_ci_low"], item["power_ci_high"], record)
                if power
                else format_estimate(item["mean"], item["ci_low"], item["ci_high"], record)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _topic_words(topic: str, topics: Topics | None) -> str:
    """A topic's label from the world's topics.csv ("Hospital accreditation"), else its name."""
    return topics.labels[topics.index(topic)] if topics and topic in topics.names else topic
