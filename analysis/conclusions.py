"""The conclusion of a comparison in plain sentences, generated from its numbers.

A Ministry official reads this first (`tpn compare`'s terminal output, the report's first page,
the dashboard's results): what each design gains over no twinning, with its interval; what it
costs and who pays; which is most cost-effective; how sure we are, and of what. Every label,
unit and direction comes from the outcome registry (:mod:`sim.outcome_registry`), every number
from the comparison's table, so the sentences cannot drift from the tables beside them.
Scenarios, topics and payers are named in words, never by their identifiers
(``tpn_2021`` is "tpn 2021 (network design)": :func:`analysis.style.words`).

API (pure functions: tables in, sentences out; nothing is read or written):

- ``Finding``: one sentence and the stem of the chart that carries it (``"effects"``:
  ``figures/effects.png``; ``"costs"``: ``figures/costs.png``).
- ``findings(comparison, names, designs, *, topics=None, acceptability=None) -> list[Finding]``:
  ``comparison`` is the long table of :func:`analysis.reporting.comparison_table` (or a run's
  summary with a ``scenario`` column): ``outcome``, ``scenario``, ``mean``, ``ci_low``,
  ``ci_high``, ``difference_vs_first``, ``difference_ci_low``, ``difference_ci_high``,
  ``interval`` and, with a posterior, ``probability_beats_first``; ``designs`` the design of
  each scenario (``"network"``, ``"none"``, ...); ``topics`` the world's topics (for their
  units); ``acceptability`` a CEAC of :func:`analysis.economics.acceptability_curve`.
- ``CHART``: the chart that carries the conclusion as a whole (the report's first figure).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import economics, style
from analysis.printables import whole_percentages
from analysis.tables import format_value, is_money
from experiments.summary import interval_kind
from sim.outcome_registry import outcome
from sim.payers import FUNDERS
from sim.topics import Topics

CHART = "effects"
GAIN = economics.GAIN
# Words for who pays, in a sentence ("paid by the donor"); one per payer of sim.payers.
PAYERS = {
    "donor": "the donor",
    "moh": "the Ministry of Health",
    "district": "districts from their own budgets",
    "hospital": "hospitals from their own budgets",
}


@dataclass(frozen=True)
class Finding:
    """One plain sentence of the conclusion, and the chart (a figure's stem) that shows it."""

    text: str
    chart: str


def findings(
    comparison: pd.DataFrame,
    names: Sequence[str],
    designs: Sequence[str],
    *,
    topics: Topics | None = None,
    acceptability: pd.DataFrame | None = None,
) -> list[Finding]:
    """The conclusion, in reading order: gains, costs and payers, value for money, certainty."""
    table = comparison.set_index(["outcome", "scenario"])
    posterior = interval_kind(True) in set(comparison.get("interval", pd.Series(dtype=str)))
    labelled = [style.scenario_words(n, d) for n, d in zip(names, designs, strict=True)]
    programmes = [
        (name, label)
        for name, label, d in zip(names, labelled, designs, strict=True)
        if d != "none"
    ]
    topic_names = _topics(comparison)
    out = [_gain(table, name, label, topic_names, topics) for name, label in programmes]
    out += [_cost(table, name, label) for name, label in programmes]
    out += _value_for_money(table, names, designs, labelled, acceptability, posterior)
    out += _certainty(table, names, labelled, posterior)
    return out


def _topics(comparison: pd.DataFrame) -> list[str]:
    """The headline topics the table holds, in its order."""
    suffix = ".causal_effect"
    return [o[: -len(suffix)] for o in dict.fromkeys(comparison["outcome"]) if o.endswith(suffix)]


def _estimate(table: pd.DataFrame, name: str, scenario: str, topics: Topics | None) -> str:
    """``mean unit (low to high)``, money in millions of RWF."""
    row = table.loc[(name, scenario)]
    record = outcome(name, topics)
    if is_money(record) and row["mean"] >= 1e6:
        shown = [f"{max(v, 0.0) / 1e6:,.1f}" for v in (row["mean"], row["ci_low"], row["ci_high"])]
        unit = f"million {record.unit}"
    else:
        shown = [format_value(v, record) for v in (row["mean"], row["ci_low"], row["ci_high"])]
        unit = record.unit
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return f"{shown[0]} {unit}"
    return f"{shown[0]} {unit} ({shown[1]} to {shown[2]})"


def _indicator(topic: str, topics: Topics | None) -> str:
    """A topic's indicator in words ("the level-2 accreditation score"), else its name in
    words ("quality improvement")."""
    if topics is None or topic not in topics.names:
        return style.words(topic)
    indicator = topics.indicators[topics.index(topic)]
    return "the " + indicator[:1].lower() + indicator[1:]


def _gain(table, name: str, label: str, topic_names: list[str], topics) -> Finding:
    record = outcome(GAIN)
    effects = [
        f"{_estimate(table, f'{t}.causal_effect', name, topics)} on {_indicator(t, topics)}"
        for t in topic_names
        if (f"{t}.causal_effect", name) in table.index
    ]
    text = (
        f"{label} adds {_estimate(table, GAIN, name, topics)} of "
        f"{record.label.lower()} over the same world without twinning"
        + (f"; its choosers gain {' and '.join(effects)}." if effects else ".")
    )
    return Finding(text, CHART)


def _cost(table, name: str, label: str) -> Finding:
    """What a design costs in cash and who pays it, each payer's share a whole percentage and
    the shares shown adding up to exactly 100% (:func:`analysis.printables.whole_percentages`:
    rounded one by one they could show 101%)."""
    total = table.loc[("costs.total", name), "mean"]
    paid = {f: table.loc[(f"costs.{f}", name), "mean"] for f in FUNDERS}
    ranked = sorted(paid.items(), key=lambda item: -item[1])
    percentages = whole_percentages([v for _, v in ranked]) if total > 0 else []
    shares = [
        f"{percent}% by {PAYERS[f]}"
        for (f, _), percent in zip(ranked, percentages, strict=False)
        if percent > 0
    ]
    text = f"{label} costs {_estimate(table, 'costs.total', name, None)} in cash" + (
        f", paid {', '.join(shares)}." if shares else "."
    )
    return Finding(text, "costs")


def _value_for_money(table, names, designs, labelled, acceptability, posterior) -> list[Finding]:
    """Which design buys gain most cheaply (the frontier and its ICERs), and at which price of
    an institution-point each is the best buy."""
    options = economics.with_no_twinning(names, designs)
    words = dict(zip(names, labelled, strict=True)) | {economics.NO_TWINNING: "no twinning"}
    costs = np.array([_mean(table, "costs.total", n) for n in options])
    gains = np.array([_mean(table, GAIN, n) for n in options])
    ranked = economics.frontier_of(options, costs, gains)
    money = outcome("costs.total")
    sentences = []
    on = ranked[ranked["status"] == economics.ON_FRONTIER]
    for row in on.itertuples():
        if pd.isna(row.icer):
            continue
        sentences.append(
            f"{words[row.scenario]} buys each extra institution-point over "
            f"{words[row.compared_with]} for {format_value(row.icer, money)} RWF."
        )
    for row in ranked[ranked["status"] != economics.ON_FRONTIER].itertuples():
        why = (
            "another design gains at least as much for no more money"
            if row.status == economics.DOMINATED
            else "a mix of two other designs would buy more gain for the same money"
        )
        sentences.append(f"{words[row.scenario]} is {row.status}: {why}.")
    thresholds = [
        (row.icer, words[row.scenario]) for row in on.itertuples() if not pd.isna(row.icer)
    ]
    if thresholds:
        cheapest = words[on.iloc[0]["scenario"]]
        steps = [f"up to {format_value(thresholds[0][0], money)} RWF, {cheapest}"]
        steps += [f"above {format_value(icer, money)} RWF, {who}" for icer, who in thresholds]
        sentences.append(
            "Best buy, by what a point is worth to the payer: " + "; ".join(steps) + "."
        )
    if acceptability is not None and len(acceptability):
        sentences.append(_acceptability_sentence(acceptability, words, posterior))
    return [Finding(s, CHART) for s in sentences]


def _acceptability_sentence(curve: pd.DataFrame, words: dict, posterior: bool) -> str:
    """The CEAC at the lowest tabulated price where a programme is the best buy on average
    (else at the dearest price)."""
    worlds = "plausible worlds (posterior draws)" if posterior else "replications (chance only)"
    best = curve[curve["best_on_average"]]
    programmes = best[best["net_benefit"] > 0]
    row = programmes.iloc[0] if len(programmes) else best.iloc[-1]
    return (
        f"At {format_value(row['wtp'], outcome('costs.total'))} RWF per institution-point, "
        f"{words.get(row['scenario'], style.words(row['scenario']))} has the highest net "
        f"benefit in {100 * row['probability_best']:.0f}% of {worlds}."
    )


def _certainty(table, names, labelled, posterior: bool) -> list[Finding]:
    """What the intervals carry, and how often the first design beats each other one."""
    record = outcome(GAIN)
    if posterior:
        sentences = [
            "Intervals span the parameter sets the calibration leaves plausible (posterior "
            "draws) as well as chance."
        ]
        for name, label in zip(names[1:], labelled[1:], strict=True):
            p = table.loc[(GAIN, name)].get("probability_beats_first", np.nan)
            if not pd.isna(p) and not label.endswith("(no programme)"):
                sentences.append(
                    f"{labelled[0]} beats {label} on {record.label.lower()} in "
                    f"{100 * (1 - p):.0f}% of plausible worlds."
                )
        return [Finding(s, CHART) for s in sentences]
    sentences = [
        "Intervals are 95% and chance only: where the mean would move with other random "
        "seeds, at the calibrated parameters; they leave out what the calibration does not pin "
        "down (learning rates, choice model, shocks), which tpn compare --posterior adds."
    ]
    for name, label in zip(names[1:], labelled[1:], strict=True):
        row = table.loc[(GAIN, name)]
        if pd.isna(row["difference_vs_first"]) or label.endswith("(no programme)"):
            continue
        sentences.append(
            f"{label} gains "
            + _difference(
                row["difference_vs_first"],
                row["difference_ci_low"],
                row["difference_ci_high"],
                labelled[0],
            )
        )
    return [Finding(s, CHART) for s in sentences]


def _difference(mean: float, low: float, high: float, first: str) -> str:
    """A paired difference of gain in words, e.g. "141 institution-points fewer than tpn 2021
    (network design): 124 to 158 fewer, beyond seed noise."."""

    def words(v: float) -> str:
        return f"{abs(v):,.0f} {'more' if v > 0 else 'fewer'}"

    head = f"{words(mean).replace(' ', ' institution-points ', 1)} than {first}"
    if pd.isna(low) or pd.isna(high):
        return head + "."
    if low > 0 or high < 0:
        ends = sorted((abs(low), abs(high)))
        direction = "more" if mean > 0 else "fewer"
        return f"{head}: {ends[0]:,.0f} to {ends[1]:,.0f} {direction}, beyond seed noise."
    return f"{head}: from {words(low)} to {words(high)}, within seed noise."


def _mean(table: pd.DataFrame, name: str, scenario: str) -> float:
    if scenario == economics.NO_TWINNING:
        return 0.0
    return float(table.loc[(name, scenario), "mean"])
