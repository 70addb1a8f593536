"""Figures of the planners' dashboard, built on :mod:`analysis.figures` in its one style.

The network figure is ``analysis.figures.network`` for the chosen topic alone, its member
institutions filled with the colour of an indicator of that topic (gain from twinning or change
since baseline, viridis: never white, so a member without a value stays recognisably white).
Every figure is closed in pyplot as soon as it is made (the page renders it from the Figure object), and figures
are made one at a time: pyplot's figure registry is shared by every browser session.
"""

import io
import textwrap
import threading

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from analysis import economics_figures, figures, style
from analysis.dashboard_data import Outcome
from sim import outcome_registry
from sim.activity_kinds import ACTIVITY_KINDS

COLOUR_BY = {
    "gain": "gain from twinning at endline",
    "change": "change since baseline",
}
LOCK = threading.Lock()
ACTIVITY_COLOURS = {kind.name: style.category_colour(i) for i, kind in enumerate(ACTIVITY_KINDS)}
PNG_DPI = 100  # the page's figures: sharp at their shown width, quick to draw and send


def _made(build, *args, **kwargs) -> plt.Figure:
    with LOCK:
        fig = build(*args, **kwargs)
        plt.close(fig)
    return fig


def png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes, drawn here (in the run's thread), not by the page."""
    buffer = io.BytesIO()
    with LOCK:
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def design_keys(outcome: Outcome) -> dict[str, str]:
    """The key each arm is coloured by: its design, or, when both arms share a design, the
    design and that it is the first or second (their names say what was changed)."""
    designs = [a.scenario.design.design for a in outcome.arms]
    if len(set(designs)) == len(designs):
        return {a.label: d for a, d in zip(outcome.arms, designs, strict=True)}
    return {a.label: f"{d} design" for a, d in zip(outcome.arms, designs, strict=True)}


def trajectories(outcome: Outcome, arm: int = 0) -> plt.Figure:
    chosen = outcome.arms[arm]
    levers = chosen.scenario.design
    start = levers.programme_start_month
    synthetic = " (synthetic baseline data)" if outcome.world.synthetic else ""
    return _made(
        figures.trajectories,
        chosen.results.series,
        outcome.world,
        outcome.topics,
        f"{arm_title(outcome, arm, 100)}\nmeasured indicators{synthetic}, mean of "
        f"{outcome.replications} simulated programmes, band: 95% of them",
        (start, start + levers.programme_months),
        chosen.scenario.evaluation.comparison,
    )


def compared_trajectories(outcome: Outcome) -> plt.Figure:
    levers = outcome.arms[0].scenario.design
    start = levers.programme_start_month
    return _made(
        figures.compare_trajectories,
        {a.label: a.results.series for a in outcome.arms},
        design_keys(outcome),
        outcome.world,
        outcome.topics,
        (start, start + levers.programme_months),
    )


def effects(outcome: Outcome) -> plt.Figure:
    keys = design_keys(outcome)
    return _made(
        figures.effects,
        outcome.runs,
        [(a.label, keys[a.label]) for a in outcome.arms],
        outcome.topics,
        outcome.world,
    )


def institution_values(outcome: Outcome, arm: int, topic: str, colour_by: str) -> pd.Series:
    """Per institution where ``topic`` applies: mean over replications at the endline of the
    gain from twinning (true indicator minus the same without twinning) or of the change of
    the true indicator since month 0."""
    scenario = outcome.arms[arm].scenario
    series = outcome.arms[arm].results.series
    endline = scenario.evaluation.endline_month
    rows = series[(series["topic"] == topic) & series["month"].isin([0, endline])]
    end = rows[rows["month"] == endline]
    if colour_by == "gain":
        value = end["indicator_true"] - end["indicator_without_twinning"]
        frame = pd.DataFrame({"institution": end["institution"], "value": value})
    else:
        start = rows[rows["month"] == 0].set_index(["replication", "institution"])
        ended = end.set_index(["replication", "institution"])
        change = (ended["indicator_true"] - start["indicator_true"]).rename("value")
        frame = change.reset_index()
    return frame.groupby("institution", observed=True)["value"].mean()


def network(outcome: Outcome, arm: int, topic: str, colour_by: str = "gain") -> plt.Figure:
    """The ties at launch in ``topic`` on the province map (one simulated programme: the first
    of the downloads, their replication 0), member institutions coloured by an indicator of
    that topic."""
    chosen = outcome.arms[arm]
    world, results = outcome.world, chosen.results
    first = results.ties[results.ties["replication"] == 0]
    launch = first[first["formed_at_launch"]]
    member = results.series.drop_duplicates("institution").set_index("institution")["member"]
    member = member.reindex(world.ids).fillna(False).to_numpy(dtype=bool)
    label = world.topics.labels[world.topics.index(topic)]
    # Either colouring is a per-member difference of the indicator, in the registry's unit.
    points = outcome_registry.outcome(f"{topic}.causal_effect_members", world.topics).unit
    values = institution_values(outcome, arm, topic, colour_by).reindex(world.ids).to_numpy()
    finite = values[member & ~np.isnan(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    norm = Normalize(min(low, 0.0), max(high, low + 0.1))
    title = (
        f"{arm_title(outcome, arm)}\nTies at launch in {label.lower()}: one simulated "
        "programme (the first of the downloads)\nMembers coloured by "
        f"{COLOUR_BY[colour_by]}, "
        + (
            "in that one simulated programme"
            if outcome.replications == 1
            else f"mean of {outcome.replications} simulated programmes"
        )
    )
    return _made(
        figures.network,
        launch,
        world,
        member,
        title,
        topics=[topic],
        fill=(values, norm, f"{label}: {COLOUR_BY[colour_by]} ({points})"),
    )


def activities_by_month(outcome: Outcome, arm: int = 0) -> plt.Figure:
    """Activities held each month, by kind (mean per run), with the programme shaded."""
    chosen = outcome.arms[arm]
    log = chosen.results.activities
    counts = log.groupby(["month", "activity"]).size().unstack(fill_value=0)
    counts = counts / outcome.replications
    months = np.arange(chosen.scenario.horizon_months + 1)
    counts = counts.reindex(index=months, fill_value=0.0)
    with LOCK:
        fig, ax = plt.subplots(figsize=(7.6, 3.4))
        bottom = np.zeros(len(months))
        for kind in ACTIVITY_KINDS:
            if kind.name not in counts:
                continue
            values = counts[kind.name].to_numpy(dtype=float)
            ax.bar(
                months,
                values,
                bottom=bottom,
                color=ACTIVITY_COLOURS[kind.name],
                label=kind.label,
                width=0.85,
            )
            bottom += values
        levers = chosen.scenario.design
        start = levers.programme_start_month
        ax.axvspan(
            start - 0.5,
            start + levers.programme_months - 0.5,
            color=style.PROGRAMME_SHADE,
            alpha=0.25,
            label="Programme",
            zorder=0,
        )
        figures.calendar_axis(ax, chosen.scenario.start_date, int(months[-1]))
        ax.set_ylabel("Activities held (mean per run)")
        ax.set_title(f"{arm_title(outcome, arm, 60)}\nactivities held per month")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        plt.close(fig)
    return fig


def has_ties(outcome: Outcome, arm: int) -> bool:
    """Whether a design formed any tie at launch (design ``none`` forms none: no map then)."""
    ties = outcome.arms[arm].results.ties
    return bool(((ties["replication"] == 0) & ties["formed_at_launch"]).any())


def has_activities(outcome: Outcome, arm: int) -> bool:
    return len(outcome.arms[arm].results.activities) > 0


def arm_figures(outcome: Outcome, arm: int, topic: str) -> dict[str, bytes | None]:
    """One design's own figures as PNG bytes: ``trajectories-i``, ``network-i`` and
    ``activities-i`` (None when there is nothing to draw, so the page says so instead of
    showing an empty panel)."""
    network_png = png(network(outcome, arm, topic)) if has_ties(outcome, arm) else None
    busy = has_activities(outcome, arm)
    return {
        f"trajectories-{arm}": png(trajectories(outcome, arm)),
        f"network-{arm}": network_png,
        f"activities-{arm}": png(activities_by_month(outcome, arm)) if busy else None,
    }


def all_figures(outcome: Outcome, topic: str) -> dict[str, bytes | None]:
    """The figures the page shows first after a run, as PNG bytes, made in the run's
    background thread: one design's own (:func:`arm_figures`), or, with two, the comparison's
    ``effects``, ``compared_trajectories`` and ``acceptability`` (each design's own are drawn when its tab is
    first opened)."""
    if len(outcome.arms) == 1:
        return arm_figures(outcome, 0, topic)
    return {
        "effects": png(effects(outcome)),
        "compared_trajectories": png(compared_trajectories(outcome)),
        "acceptability": png(acceptability(outcome)),
    }


def acceptability(outcome: Outcome) -> plt.Figure:
    """The cost-effectiveness acceptability curve of the designs on the page and no twinning
    (:func:`analysis.economics_figures.acceptability_of_runs`)."""
    return _made(
        economics_figures.acceptability_of_runs,
        outcome.runs,
        [a.label for a in outcome.arms],
        [a.scenario.design.design for a in outcome.arms],
    )


def arm_title(outcome: Outcome, arm: int, width: int = 80) -> str:
    """A design as a figure title names it, on as many lines as it needs: its letter and its
    name in words, which says what was changed (``Design A: tpn 2021, changed: exchange-visit
    budget 30 → 90``), as the page's headings do. Not the scenario's description: a design
    changed on the page keeps the description of the scenario it started from."""
    chosen = outcome.arms[arm]
    letter, _, name = chosen.label.partition(": ")
    return "\n".join(textwrap.wrap(f"Design {letter}: {style.words(name)}", width))
