"""Tables of the planners' dashboard: key figures, headline outcomes, activities, comparison.

Each function takes an :class:`analysis.dashboard_data.Outcome` (the runs of one or two designs)
and returns a data frame of display strings; :func:`html_table` and :func:`key_figures_html`
turn them into the HTML the page shows. Intervals are always given: the 95% interval of the
mean over replications (over the plausible parameter sets when the posterior is switched on;
the headers say which), the range of 95% of single runs, and, between two designs, the paired
95% interval of their difference (replication r of both designs shares its seed and parameters).
"""

import html

import numpy as np
import pandas as pd

from analysis import conclusions, reporting, tables
from analysis.dashboard_data import Outcome
from analysis.printables import format_share
from analysis.stats import drawn, interval_of, paired_difference, summarise
from experiments.replicate import DRAW
from experiments.summary import interval_kind, outcome_interval
from sim import outcome_registry
from sim.activity_kinds import ACTIVITY_KINDS
from sim.world import World

GROUPS = {"activities": "Activities", "network": "Twinning network"}
MONEY_GROUP = "Costs and what lasts after the donor leaves"


def outcome_label(outcome: str, world: World) -> tuple[str, str]:
    """A planner's name and unit for an outcome column (``accreditation.causal_effect``), from
    :mod:`sim.outcome_registry` with the unit of the world's topic."""
    record = outcome_registry.outcome(outcome, world.topics)
    return record.label, record.unit


def table_outcomes(outcome: Outcome, runs: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(outcome, group, label, unit) of every headline outcome the runs report with a value,
    grouped: topics, activities, network, then costs and sustainability."""
    world, topics = outcome.world, outcome.topics
    money = set(tables.money_outcomes(topics))
    rows = []
    for name in tables.headline_outcomes(topics):
        if name not in runs.columns or runs[name].isna().all():
            continue
        head = name.partition(".")[0]
        label, unit = outcome_label(name, world)
        topic = world.topics.labels[world.topics.index(head)] if head in world.topics.names else ""
        if name in money or head in ("costs", "sustain"):
            group, label = MONEY_GROUP, f"{topic}: {label}" if topic else label
        else:
            group = topic or GROUPS.get(head, "Other")
        rows.append((name, group, label, unit))
    order = [*(world.topics.labels[world.topics.index(t)] for t in topics), *GROUPS.values()]
    rank = {g: i for i, g in enumerate([*order, "Other", MONEY_GROUP])}
    return sorted(rows, key=lambda row: rank.get(row[1], len(rank)))


def headline_table(outcome: Outcome, arm: int = 0) -> pd.DataFrame:
    """Effects, network and (when the model reports them) costs of one design, grouped;
    activities are in :func:`activities_table`."""
    runs = outcome.arms[arm].results.runs
    wanted = [r for r in table_outcomes(outcome, runs) if r[1] != GROUPS["activities"]]
    summary = summarise(runs, [r[0] for r in wanted]).set_index("outcome")
    rows = []
    for name, group, label, unit in wanted:
        s = summary.loc[name]
        row = {
            "group": group,
            "Outcome": label,
            "Unit": unit,
            f"Mean [{interval_kind(drawn(runs))}]": tables.format_interval(
                s["mean"], s["ci_low"], s["ci_high"]
            ),
            "95% of single runs": f"{tables.format_number(s['p2_5'])} to "
            f"{tables.format_number(s['p97_5'])}",
        }
        if drawn(runs):
            row["Variance from parameters"] = format_share(s["share_parameters"])
        rows.append(row)
    return pd.DataFrame(rows)


def activities_table(outcome: Outcome, arm: int = 0) -> pd.DataFrame:
    """Activities held per programme (mean over runs, 95% CI), virtual share and travel."""
    results = outcome.arms[arm].results
    runs, log = results.runs, results.activities
    replications = runs["replication"].to_numpy()
    travel = (
        log.groupby(["replication", "activity"])["travel_person_days"].sum().unstack(fill_value=0)
    )
    travel = travel.reindex(index=replications, fill_value=0.0)
    draws = runs[DRAW].to_numpy() if drawn(runs) else None
    rows = []
    for kind in ACTIVITY_KINDS:
        column = f"activities.{kind.name}"
        if column not in runs:
            continue
        held = runs[column].to_numpy(dtype=float)
        virtual = runs.get(f"{column}_virtual", pd.Series(0.0, index=runs.index))
        days = travel[kind.name].to_numpy(dtype=float) if kind.name in travel else held * 0.0
        rows.append(_activity_row(kind.label, held, virtual.to_numpy(float), days, draws))
    for column in ("activities.cancelled", "activities.delayed"):
        if column in runs:
            label = outcome_registry.outcome(column).label
            held = runs[column].to_numpy(dtype=float)
            rows.append(_activity_row(label, held, None, None, draws))
    if "activities.travel_person_days" in runs:
        total = runs["activities.travel_person_days"].to_numpy(dtype=float)
        rows.append(_activity_row("All activities: travel", None, None, total, draws))
    return pd.DataFrame(rows)


def _activity_row(label, held, virtual, days, draws) -> dict[str, str]:
    def show(values):
        return "" if values is None else tables.format_interval(*outcome_interval(values, draws))

    share = ""
    if held is not None and virtual is not None and held.sum() > 0:
        share = f"{100 * virtual.sum() / held.sum():.0f}%"
    return {
        "Activity": label,
        "Held per programme": show(held),
        "Virtual": share,
        f"Travel ({outcome_registry.outcome('activities.travel_person_days').unit})": show(days),
    }


def comparison_table(outcome: Outcome) -> pd.DataFrame:
    """Each design's mean [95% CI] and B minus A with its paired 95% interval, grouped."""
    names = [a.label for a in outcome.arms]
    runs = outcome.runs
    wanted = table_outcomes(outcome, runs)
    expected = tables.headline_outcomes(outcome.topics)
    runs = runs.reindex(columns=[*runs.columns, *(o for o in expected if o not in runs)])
    table = reporting.comparison_table(runs, names, outcome.topics)
    table = table.set_index(["outcome", "scenario"])
    posterior = drawn(runs)
    rows = []
    for name, group, label, unit in wanted:
        if (name, names[0]) not in table.index:
            continue
        a, b = table.loc[(name, names[0])], table.loc[(name, names[1])]
        diff = (b["difference_vs_first"], b["difference_ci_low"], b["difference_ci_high"])
        row = {
            "group": group,
            "Outcome": label,
            "Unit": unit,
            names[0]: tables.format_interval(a["mean"], a["ci_low"], a["ci_high"]),
            names[1]: tables.format_interval(b["mean"], b["ci_low"], b["ci_high"]),
        }
        if posterior:  # before the difference, which stays last (the page bolds it)
            row["B beats A in (share of plausible worlds)"] = format_share(
                b["probability_beats_first"]
            )
        row[f"B − A [paired, {interval_kind(posterior)}]"] = tables.format_interval(*diff)
        rows.append({**row, "_excludes_zero": bool(diff[1] > 0 or diff[2] < 0)})
    return pd.DataFrame(rows)


def conclusion(outcome: Outcome) -> list[str]:
    """The run's conclusion in plain sentences (:func:`analysis.conclusions.findings`, as
    `tpn compare` and the report state it): gains over no twinning, costs and payers, value
    for money, how sure we are."""
    names = [a.label for a in outcome.arms]
    designs = [a.scenario.design.design for a in outcome.arms]
    table = reporting.comparison_table(outcome.runs, names, outcome.topics)
    found = conclusions.findings(table, names, designs, topics=outcome.world.topics)
    return [finding.text for finding in found]


def beats_sentences(outcome: Outcome) -> list[str]:
    """With the posterior switched on and two designs: how often A beats B on the headline
    causal effects, over the plausible worlds (:func:`analysis.reporting.decision_sentences`)."""
    if outcome.draws is None or len(outcome.arms) < 2:
        return []
    names = [a.label for a in outcome.arms]
    designs = [a.scenario.design.design for a in outcome.arms]
    return reporting.decision_sentences(outcome.runs, names, designs, outcome.topics)


def html_table(frame: pd.DataFrame, css_class: str, group: str | None = None) -> str:
    """An HTML table: text left, numbers right, optional group header rows; columns whose name
    starts with ``_`` are flags (``_excludes_zero`` marks a row as a clear difference)."""
    shown = [c for c in frame.columns if c != group and not c.startswith("_")]
    out = [f'<table class="tpn-table {css_class}"><thead><tr>']
    out += [f"<th>{html.escape(str(c))}</th>" for c in shown]
    out.append("</tr></thead><tbody>")
    current = None
    for _, row in frame.iterrows():
        if group and row[group] != current:
            current = row[group]
            out.append(
                f'<tr class="group"><td colspan="{len(shown)}">{html.escape(current)}</td></tr>'
            )
        flag = ' class="clear"' if row.get("_excludes_zero", False) else ""
        out.append(f"<tr{flag}>")
        for i, column in enumerate(shown):
            align = "text" if i == 0 or column == "Unit" else "num"
            out.append(f'<td class="{align}">{html.escape(str(row[column]))}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def key_figures(outcome: Outcome) -> list[dict[str, str]]:
    """A few numbers to read first: per headline topic the gain caused by twinning (and what an
    evaluation would have measured), travel, and cash cost when the model reports it; with two
    designs, B minus A with its paired 95% interval."""
    world, runs = outcome.world, outcome.runs
    names = [a.label for a in outcome.arms]
    first = runs[runs["scenario"] == names[0]]
    cards = []
    wanted = [(f"{t}.causal_effect", t) for t in outcome.topics]
    wanted += [("activities.travel_person_days", None), ("costs.total", None)]
    for column, topic in wanted:
        if column not in runs or first[column].isna().all():
            continue
        label, unit = outcome_label(column, world)
        if topic is not None:
            label = f"{world.topics.labels[world.topics.index(topic)]}: gain caused by twinning"
            unit = f"{unit}, institutions that chose it"
        mean, low, high = interval_of(first, column)
        words = "95% over plausible parameters" if drawn(first) else "95% CI"
        card = {
            "title": label,
            "value": _short(mean),
            "interval": f"{words} {_short(low)} to {_short(high)}" if _spread(low, high) else "",
            "unit": unit,
            "note": "",
        }
        if topic is not None and f"{topic}.difference" in runs:
            measured = interval_of(first, f"{topic}.difference")[0]
            card["note"] = f"an evaluation would measure {_short(measured)}"
        if len(names) > 1:
            diff = paired_difference(runs, names[1], names[0], column)
            interval = f" [{_short(diff[1])}, {_short(diff[2])}]" if _spread(*diff[1:3]) else ""
            card["note"] = f"B − A: {_short(diff[0])}{interval}"
        cards.append(card)
    return cards


def key_figures_html(cards: list[dict[str, str]]) -> str:
    out = ['<div class="tpn-keys">']
    for card in cards:
        parts = [
            f'<div class="tpn-key"><div class="title">{html.escape(card["title"])}</div>',
            f'<div class="value">{html.escape(card["value"])}</div>',
            f'<div class="unit">{html.escape(card["unit"])}</div>',
        ]
        parts += [
            f'<div class="{key}">{html.escape(card[key])}</div>'
            for key in ("interval", "note")
            if card[key]
        ]
        out.append("".join(parts) + "</div>")
    out.append("</div>")
    return "".join(out)


def _spread(low: float, high: float) -> bool:
    """Whether an interval is worth showing: it is not a single point and it is defined (one
    replication has no interval: its ends are NaN and would print as '-')."""
    return bool(np.isfinite(low) and np.isfinite(high) and low != high)


def _short(value: float) -> str:
    """Millions as '56.7 million', the rest as :func:`analysis.tables.format_number`."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} million"
    return tables.format_number(value)
