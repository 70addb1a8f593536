"""Figures of the planners' dashboard, built on :mod:`analysis.figures` in its one style.

The network figure is ``analysis.figures.network`` with the member institutions re-drawn in the
colour of an indicator (gain from twinning or change since baseline in one topic, viridis: never
white, so members where the topic does not apply stay recognisably white). Every figure is
closed in pyplot as soon as it is made (the page renders it from the Figure object), and figures
are made one at a time: pyplot's figure registry is shared by every browser session.
"""

import threading

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from analysis import figures, style
from analysis.dashboard_data import Outcome, changed_levers
from sim import outcome_registry
from sim.activity_kinds import ACTIVITY_KINDS

COLOUR_BY = {
    "gain": "gain from twinning at endline",
    "change": "change since baseline",
}
LOCK = threading.Lock()
ACTIVITY_COLOURS = dict(
    zip(
        (kind.name for kind in ACTIVITY_KINDS),
        ("#1b7837", "#762a83", "#2166ac", "#e08214", "#969696", "#bf812d"),
        strict=True,
    )
)


def _made(build, *args, **kwargs) -> plt.Figure:
    with LOCK:
        fig = build(*args, **kwargs)
        plt.close(fig)
    return fig


def design_keys(outcome: Outcome) -> dict[str, str]:
    """The key each arm is coloured by: its design, or, when both arms share a design, what
    was changed (so the two get different colours and a legend that says why)."""
    designs = [a.scenario.design.design for a in outcome.arms]
    if len(set(designs)) == len(designs):
        return {a.label: d for a, d in zip(outcome.arms, designs, strict=True)}
    reference = outcome.arms[0].scenario
    keys = {}
    for arm, design in zip(outcome.arms, designs, strict=True):
        change = changed_levers(arm.scenario, reference) if arm is not outcome.arms[0] else ""
        keys[arm.label] = f"{design}; {change}" if change else f"{design} as set"
    return keys


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
        f"{chosen.label}: measured indicators{synthetic}\nmean over {outcome.replications} "
        "replications, band: 95% of replications",
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
    """Ties at launch on the province map, member institutions coloured by an indicator."""
    chosen = outcome.arms[arm]
    world, results = outcome.world, chosen.results
    first = results.ties[results.ties["replication"] == 0]
    launch = first[first["formed_at_launch"]]
    member = results.series.drop_duplicates("institution").set_index("institution")["member"]
    member = member.reindex(world.ids).fillna(False).to_numpy(dtype=bool)
    t = world.topics.index(topic)
    label = world.topics.labels[t]
    # Either colouring is a per-member difference of the indicator, in the registry's unit.
    points = outcome_registry.outcome(f"{topic}.causal_effect_members", world.topics).unit
    values = institution_values(outcome, arm, topic, colour_by).reindex(world.ids).to_numpy()
    with LOCK:
        fig = figures.network(
            launch,
            world,
            member,
            f"{chosen.label}: twinning ties at launch ({chosen.scenario.design.design} "
            f"design, replication 0: the first)\nMembers coloured by {COLOUR_BY[colour_by]} in "
            f"{label.lower()} (mean of {outcome.replications} runs)",
        )
        ax = fig.axes[0]
        x, y = figures.positions(world)
        load = launch["host"].value_counts()
        sizes = np.array([30 + 18 * load.get(i, 0) for i in world.ids])
        shown = member & ~np.isnan(values)
        finite = values[shown]
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        norm = Normalize(min(low, 0.0), max(high, low + 0.1))
        points_drawn = None
        for kind, marker in style.KIND_MARKERS.items():
            rows = shown & (world.kind == kind)
            if rows.any():
                points_drawn = ax.scatter(
                    x[rows],
                    y[rows],
                    c=values[rows],
                    s=sizes[rows],
                    marker=marker,
                    cmap="viridis",
                    norm=norm,
                    edgecolor="black",
                    linewidth=0.8,
                    zorder=4,
                )
        if points_drawn is not None:
            bar = fig.colorbar(
                points_drawn, ax=ax, orientation="horizontal", fraction=0.035, pad=0.09
            )
            bar.set_label(
                f"{label}: {COLOUR_BY[colour_by]} ({points}); white: topic does not apply",
                fontsize=8,
            )
        plt.close(fig)
    return fig


def activities_by_month(outcome: Outcome, arm: int = 0) -> plt.Figure:
    """Activities held each month, by kind (mean per run), with the programme shaded."""
    chosen = outcome.arms[arm]
    log = chosen.results.activities
    counts = log.groupby(["month", "activity"]).size().unstack(fill_value=0)
    counts = counts / outcome.replications
    months = np.arange(chosen.scenario.horizon_months + 1)
    counts = counts.reindex(index=months, fill_value=0.0)
    with LOCK:
        fig, ax = plt.subplots(figsize=(6.2, 3.4))
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
        ax.axvspan(start - 0.5, start + levers.programme_months - 0.5, color="#fee08b", alpha=0.25)
        ax.set_xlabel("Model month (0 = start date)")
        ax.set_ylabel("Activities held (mean per run)")
        ax.set_title(f"{chosen.label}: activities held per month")
        if bottom.any():
            ax.legend(fontsize=7, loc="upper right")
        else:
            ax.text(0.5, 0.5, "No activities: no programme", ha="center", transform=ax.transAxes)
        fig.tight_layout()
        plt.close(fig)
    return fig


def all_figures(outcome: Outcome, topic: str, colour_by: str = "gain") -> dict[str, plt.Figure]:
    """Every figure the page shows after a run (made once, in the run's background thread)."""
    made = {
        "trajectories": trajectories(outcome),
        "network": network(outcome, 0, topic, colour_by),
        "activities": activities_by_month(outcome),
    }
    if len(outcome.arms) > 1:
        made["effects"] = effects(outcome)
        made["compared_trajectories"] = compared_trajectories(outcome)
    return made
