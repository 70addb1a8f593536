"""The tables of `tpn run` and `tpn compare`: headline outcomes, the comparison of scenarios on
common seeds with its paired differences and cost-effectiveness ratios, and their printable
forms. The files are written by :mod:`analysis.results_folder`.

Every table says which uncertainty its intervals carry (the ``interval`` column, in words from
:mod:`experiments.summary`): chance only, or, when the runs drew their parameters from a
posterior, the parameters too. With a posterior a comparison also gives, per outcome that has a
better direction, the probability over plausible worlds that each scenario beats the first and
the expected loss of choosing it (:mod:`analysis.uncertainty`).
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis import economics, style, tables
from analysis.conclusions import Finding, findings
from analysis.printables import format_share, printable_budget
from analysis.stats import (
    SUMMARY_COLUMNS,
    drawn,
    paired_difference,
    paired_differences,
    summarise,
)
from analysis.uncertainty import beats_sentences, decisions
from experiments.replicate import DRAW
from experiments.summary import interval_kind
from sim.params import Scenario
from sim.topics import Topics

# A run's headline table: the summary's columns but the SD.
RUN_COLUMNS = tuple(column for column in SUMMARY_COLUMNS if column != "sd")
NAN = float("nan")


def run_table(summary: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """Headline outcomes with mean and 95% interval of the mean (a summary written before the
    posterior existed has no interval words nor variance split: those columns are left out)."""
    wanted = [o for o in tables.headline_outcomes(topics) if o in set(summary["outcome"])]
    rows = summary.set_index("outcome").loc[wanted].reset_index()
    return rows[[c for c in RUN_COLUMNS if c in rows.columns]]


def comparison_table(runs: pd.DataFrame, names: list[str], topics: list[str]) -> pd.DataFrame:
    """Long table: each outcome, each scenario, mean with interval, and paired difference to the
    first scenario (replication r of every scenario used the same seed and parameter set); with
    a posterior, the share of each scenario's variance from the parameters, the probability
    that it beats the first and the expected loss of choosing it."""
    outcomes = tables.headline_outcomes(topics)
    posterior = drawn(runs)
    # Each summary, difference and draw mean computed once for every outcome (a posterior
    # brings hundreds of runs per scenario).
    summaries = {n: summarise(runs[runs["scenario"] == n], outcomes) for n in names}
    differences = {n: paired_differences(runs, n, names[0], outcomes) for n in names[1:]}
    means = runs.groupby([DRAW, "scenario"])[outcomes].mean() if posterior else None
    records = []
    for row, outcome in enumerate(outcomes):
        choice = (
            decisions(means[outcome].unstack("scenario")[names], outcome).set_index("scenario")
            if posterior
            else None
        )
        for name in names:
            summary = summaries[name].iloc[row]
            diff = tuple(differences[name].loc[outcome]) if name in differences else (NAN,) * 3
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
                    "interval": summary["interval"],
                    "method": summary["method"],
                    "power": summary["power"],
                    "power_ci_low": summary["power_ci_low"],
                    "power_ci_high": summary["power_ci_high"],
                    "share_parameters": summary["share_parameters"],
                    "probability_beats_first": (
                        choice.loc[name, "probability_beats_first"] if posterior else NAN
                    ),
                    "expected_loss": choice.loc[name, "expected_loss"] if posterior else NAN,
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
    rows = []
    for name in names:
        cost = paired_difference(runs, name, names[0], "costs.total")[0]
        gain = paired_difference(runs, name, names[0], "gains.institution_points")[0]
        ratio = cost / gain if name != names[0] and gain > 0 else NAN
        rows.append(
            {
                "outcome": "costs.icer_vs_first",
                "scenario": name,
                "mean": ratio,
                "ci_low": ratio,
                "ci_high": ratio,
                "difference_vs_first": NAN,
                "difference_ci_low": NAN,
                "difference_ci_high": NAN,
                "interval": "none (a ratio of means)",
                "method": "none (a ratio of means)",
                "power": NAN,
                "power_ci_low": NAN,
                "power_ci_high": NAN,
                "share_parameters": NAN,
                "probability_beats_first": NAN,
                "expected_loss": NAN,
            }
        )
    return rows


def decision_sentences(
    runs: pd.DataFrame, names: list[str], designs: list[str], topics: list[str]
) -> list[str]:
    """How often the first scenario beats each other one over the plausible worlds, on the
    headline causal effects: the gain summed over members and topics, then each headline
    topic's effect on its choosers. ``runs``: every scenario's runs, named by ``scenario``."""
    causal = ["gains.institution_points", *(f"{topic}.causal_effect" for topic in topics)]
    return [line for name in causal for line in beats_sentences(runs, names, designs, name)]


def scenario_words(names: Sequence[str], designs: Sequence[str]) -> dict[str, str]:
    """Each scenario's identifier -> its name as a person reads it in a table, a title or a
    heading, as the summary names it (:mod:`analysis.conclusions`): "tpn 2021 (network
    design)", "no twinning (no programme)"; a scenario whose design is not known ("?") in
    words alone. Files keep the identifiers. Two scenarios whose words would read the same
    ("my_plan" and "my plan") keep their identifiers, so that no table column or legend entry
    stands for two scenarios."""
    shown = {
        name: style.scenario_words(name, design)
        for name, design in zip(names, designs, strict=True)
    }
    counts = Counter(shown.values())
    return {name: text if counts[text] == 1 else name for name, text in shown.items()}


def interval_words(table: pd.DataFrame) -> str:
    """The kind of interval a table's ``ci_low``/``ci_high`` are (chance only for a table
    written before the posterior existed)."""
    kinds = [k for k in table.get("interval", pd.Series(dtype=str)).dropna() if k.startswith("95")]
    return kinds[0] if kinds else interval_kind(False)


def printable_run_table(table: pd.DataFrame) -> pd.DataFrame:
    """Mean [interval], 95% of runs and, with a posterior, the variance from the parameters."""
    posterior = interval_words(table) == interval_kind(True)
    printable = pd.DataFrame(
        {
            "outcome": table["outcome"],
            f"mean [{interval_words(table)}]": _intervals(
                table["mean"], table["ci_low"], table["ci_high"]
            ),
            "95% of runs" + (" (parameters and chance)" if posterior else " (chance)"): [
                f"{tables.format_number(lo)} to {tables.format_number(hi)}"
                for lo, hi in zip(table["p2_5"], table["p97_5"], strict=True)
            ],
        }
    )
    if posterior:
        printable["variance from parameters"] = [format_share(v) for v in table["share_parameters"]]
    return printable


def printable_comparison(
    table: pd.DataFrame, names: list[str], words: Mapping[str, str] | None = None
) -> list[pd.DataFrame]:
    """Wide tables: each scenario's means, each scenario's difference to the first and, with a
    posterior, for the outcomes that have a better direction, the probability of beating the
    first, the expected loss of choosing each, and the variance from the parameters. The
    outcomes keep their identifiers (the files' names); the scenarios' headers are named by
    ``words`` (:func:`scenario_words`; without it, by their identifiers)."""
    shown = {name: (words or {}).get(name, name) for name in names}
    outcomes = list(dict.fromkeys(table["outcome"]))
    means, differences = {"outcome": outcomes}, {"outcome": outcomes}
    by_name = {name: table[table["scenario"] == name].set_index("outcome") for name in names}
    for name, rows in by_name.items():
        rows = rows.loc[outcomes]
        means[shown[name]] = _intervals(rows["mean"], rows["ci_low"], rows["ci_high"])
        if name != names[0]:
            differences[shown[name]] = _intervals(
                rows["difference_vs_first"], rows["difference_ci_low"], rows["difference_ci_high"]
            )
    printables = [pd.DataFrame(means), pd.DataFrame(differences)]
    if interval_words(table) != interval_kind(True):
        return printables
    first = by_name[names[0]]
    decided = [o for o in outcomes if not pd.isna(first.loc[o].get("expected_loss", NAN))]
    choice: dict[str, list[str]] = {"outcome": decided}
    for name in names[1:]:
        choice[f"chance {shown[name]} beats {shown[names[0]]}"] = [
            format_share(by_name[name].loc[o, "probability_beats_first"]) for o in decided
        ]
    for name in names:
        choice[f"expected loss: {shown[name]}"] = [
            tables.format_number(by_name[name].loc[o, "expected_loss"]) for o in decided
        ]
    shares = {"outcome": outcomes}
    for name in names:
        shares[shown[name]] = [
            format_share(by_name[name].loc[o, "share_parameters"]) for o in outcomes
        ]
    return [*printables, pd.DataFrame(choice), pd.DataFrame(shares)]


def _intervals(means, lows, highs) -> list[str]:
    return [tables.format_interval(m, lo, hi) for m, lo, hi in zip(means, lows, highs, strict=True)]


@dataclass(frozen=True)
class Conclusion:
    """What `tpn compare` prints first and the report's first page shows: the sentences, the
    cost-effectiveness frontier and the acceptability curve (:mod:`analysis.economics`)."""

    findings: list[Finding]
    frontier: pd.DataFrame
    acceptability: pd.DataFrame


def conclusion(
    runs: pd.DataFrame,
    comparison: pd.DataFrame,
    names: list[str],
    designs: list[str],
    topics: Topics | None = None,
) -> Conclusion:
    """The conclusion of a comparison, from every scenario's ``runs`` (named by ``scenario``)
    and its :func:`comparison_table`; no twinning is an option whether or not it was run."""
    options = economics.with_no_twinning(names, designs)
    curve = economics.acceptability_curve(runs, options)
    return Conclusion(
        findings(comparison, names, designs, topics=topics, acceptability=curve),
        economics.cost_effectiveness(runs, options),
        curve,
    )


def budget_table(
    activities: pd.DataFrame | None, replications: int, scenario: Scenario, provinces: int
) -> pd.DataFrame:
    """The year-by-year budget impact of one scenario (:func:`economics.budget_impact`), in
    words; ``activities`` None or without cash (an older folder's) gives an empty table."""
    if activities is None or "cash_rwf" not in activities.columns:
        return pd.DataFrame()
    table = economics.budget_impact(
        activities,
        replications,
        scenario.start_date,
        scenario.horizon_months,
        economics.donor_exit_month(scenario, provinces),
    )
    return printable_budget(table)
