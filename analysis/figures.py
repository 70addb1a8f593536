"""Figures a planner can read at a glance: trajectories with bands, the twinning network, effects.

Each function takes tidy results and returns a matplotlib Figure; callers save them. Intervals are
always drawn: bands are the 2.5-97.5 percentiles of the group mean across replications; error bars
are 95% intervals of the mean (over the plausible parameter sets when the runs drew them from a
posterior; the titles say which).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from scipy.spatial import ConvexHull

from analysis import style
from analysis.stats import drawn, interval_of
from experiments.summary import interval_kind
from sim.evaluation import comparison_group
from sim.outcome_registry import TOPIC, outcome
from sim.payers import FUNDERS
from sim.world import World

style.apply()


def trajectories(
    series: pd.DataFrame,
    world: World,
    topics: list[str],
    title: str,
    programme: tuple[int, int],
    comparison: str = "auto",
) -> plt.Figure:
    """Measured indicator of choosers and comparison group, and choosers without twinning.

    ``comparison`` is the scenario's comparison rule (``evaluation.comparison``), so the figure
    draws the group the tables compare with."""
    fig, axes = plt.subplots(1, len(topics), figsize=(5.2 * len(topics), 3.8), squeeze=False)
    for ax, topic in zip(axes[0], topics, strict=True):
        t = world.topics.index(topic)
        data = series[series["topic"] == topic]
        groups = _groups(data, comparison)
        dates = data.groupby("month", observed=True)["date"].first().astype(str)
        lines = [
            ("choosers", "indicator_measured", "Chose the topic (measured)", "-"),
            ("comparison", "indicator_measured", f"{groups['label']} (measured)", "-"),
            ("choosers", "indicator_without_twinning", "Choosers without twinning (true)", "--"),
        ]
        for group, column, label, dash in lines:
            rows = data[groups[group]]
            if rows.empty:
                continue
            per_run = rows.groupby(["replication", "month"], observed=True)[column].mean().unstack()
            colour = style.GROUP_COLOURS["comparison" if group == "comparison" else "choosers"]
            _line_with_band(ax, per_run, colour, label, dash)
        ax.axvspan(*programme, color="#fee08b", alpha=0.25, label="Programme")
        ticks = np.arange(0, len(dates), 6)
        ax.set_xticks(ticks, [dates.iloc[i] for i in ticks])
        ax.set_title(world.topics.labels[t])
        ax.set_xlabel("Month")
        ax.set_ylabel(f"{world.topics.indicators[t]} ({world.topics.units[t]})")
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def compare_trajectories(
    series: dict[str, pd.DataFrame],
    designs: dict[str, str],
    world: World,
    topics: list[str],
    programme: tuple[int, int],
) -> plt.Figure:
    """True indicator of the choosers under each scenario, with 95% bands over replications."""
    fig, axes = plt.subplots(1, len(topics), figsize=(5.2 * len(topics), 3.8), squeeze=False)
    for ax, topic in zip(axes[0], topics, strict=True):
        t = world.topics.index(topic)
        for n, (name, data) in enumerate(series.items()):
            rows = data[(data["topic"] == topic) & data["chose_topic"]]
            per_run = rows.groupby(["replication", "month"], observed=True)["indicator_true"]
            per_run = per_run.mean().unstack()
            colour = style.design_colour(designs[name], n)
            _line_with_band(ax, per_run, colour, f"{name} ({designs[name]})", "-")
        ax.axvspan(*programme, color="#fee08b", alpha=0.25, label="Programme")
        ax.set_title(f"{world.topics.labels[t]}: institutions that chose it")
        ax.set_xlabel("Model month (0 = start date)")
        ax.set_ylabel(f"True {world.topics.indicators[t].lower()} ({world.topics.units[t]})")
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle("Trajectories by scenario: mean over replications, band: 95% of replications")
    fig.tight_layout()
    return fig


def _line_with_band(ax, per_run: pd.DataFrame, colour, label: str, dash: str) -> None:
    """Mean over replications (rows) by month (columns), with the 2.5-97.5% band."""
    months = per_run.columns.to_numpy()
    ax.plot(months, per_run.mean().to_numpy(), dash, color=colour, label=label)
    if len(per_run) > 1:
        ax.fill_between(
            months,
            per_run.quantile(0.025).to_numpy(),
            per_run.quantile(0.975).to_numpy(),
            color=colour,
            alpha=0.15,
            linewidth=0,
        )


def _groups(data: pd.DataFrame, rule: str) -> dict:
    """Row masks of choosers and comparison group: the rule is settled on the institutions of one
    month and replication (membership is fixed), then applied to every row."""
    member, chose = data["member"].to_numpy(), data["chose_topic"].to_numpy()
    one = ((data["month"] == 0) & (data["replication"] == data["replication"].iloc[0])).to_numpy()
    _, used = comparison_group(member[one], np.ones(one.sum(), bool), chose[one], rule)
    compare, _ = comparison_group(member, np.ones(len(data), bool), chose, used)
    label = "Non-members" if used == "non_members" else "Did not choose"
    return {"choosers": chose, "comparison": compare, "label": label}


def network(ties: pd.DataFrame, world: World, member: np.ndarray, title: str) -> plt.Figure:
    """Rising-to-shining ties on a map-like layout (longitude, latitude), coloured by topic."""
    fig, ax = plt.subplots(figsize=(10.5, 7.5))
    index = {identifier: i for i, identifier in enumerate(world.ids)}
    x, y = positions(world)
    topics_used = []
    for row in ties.itertuples(index=False):
        a, b = index[row.learner], index[row.host]
        colour = style.topic_colour(world.topics.names, row.topic)
        if row.topic not in topics_used:
            topics_used.append(row.topic)
        ax.add_patch(
            FancyArrowPatch(
                (x[a], y[a]),
                (x[b], y[b]),
                arrowstyle="-|>",
                mutation_scale=7,
                connectionstyle="arc3,rad=0.12",
                color=colour,
                alpha=0.55,
                linewidth=0.9,
                shrinkA=4,
                shrinkB=5,
            )
        )
    load = ties["host"].value_counts()
    sizes = np.array([30 + 18 * load.get(identifier, 0) for identifier in world.ids])
    for kind, marker in style.KIND_MARKERS.items():
        rows = world.kind == kind
        ax.scatter(
            x[rows & member],
            y[rows & member],
            s=sizes[rows & member],
            marker=marker,
            facecolor="white",
            edgecolor="black",
            linewidth=0.8,
            zorder=3,
        )
        ax.scatter(
            x[rows & ~member],
            y[rows & ~member],
            s=25,
            marker=marker,
            facecolor="#d9d9d9",
            edgecolor="#969696",
            linewidth=0.5,
            zorder=3,
        )
    _shade_provinces(ax, world, x, y)
    handles = [
        Line2D([], [], color=style.topic_colour(world.topics.names, t), label=t)
        for t in topics_used
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="black",
            label="DHMT (member)",
        ),
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="black",
            label="Hospital (member)",
        ),
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markerfacecolor="#d9d9d9",
            markeredgecolor="#969696",
            label="Non-member",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
        title="Arrow: rising -> shining\n(colour: topic)\nNode size: mentees hosted",
        title_fontsize=7,
    )
    geographic = not (np.isnan(world.lon).any() or np.isnan(world.lat).any())
    ax.set_xlabel("Longitude (degrees)" if geographic else "Province")
    ax.set_ylabel("Latitude (degrees)" if geographic else "District")
    ax.set_title(title)
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def positions(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude, hospitals just east of their DHMT; a world without coordinates
    (distances.csv given instead) gets one column per province, one row per district."""
    if not (np.isnan(world.lon).any() or np.isnan(world.lat).any()):
        x, y = world.lon.copy(), world.lat.copy()
        x[world.kind == "hospital"] += 0.04
        return x, y
    x, y = np.zeros(len(world)), np.zeros(len(world))
    for column, province in enumerate(world.provinces):
        rows = np.flatnonzero(world.province == province)
        districts = list(dict.fromkeys(world.district[rows]))
        for i in rows:
            x[i] = column + 0.3 * (world.kind[i] == "hospital") + 0.05 * (i % 3)
            y[i] = -0.25 * districts.index(world.district[i])
    return x, y


def _shade_provinces(ax, world: World, x: np.ndarray, y: np.ndarray) -> None:
    """A light hull behind each province's institutions, labelled at its centre."""
    for n, province in enumerate(world.provinces):
        rows = world.province == province
        points = np.column_stack([x[rows], y[rows]])
        centre = points.mean(axis=0)
        padded = centre + (points - centre) * 1.08 + np.sign(points - centre) * 0.05
        if len(np.unique(points, axis=0)) >= 3:
            hull = ConvexHull(padded)
            ax.fill(
                *padded[hull.vertices].T,
                color=style.TOPIC_PALETTE[2 * n + 1],
                alpha=0.18,
                linewidth=0,
                zorder=0,
            )
        ax.text(
            *centre,
            province,
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="#525252",
            alpha=0.8,
            zorder=1,
        )


def effects(
    runs: pd.DataFrame, scenarios: list[tuple[str, str]], topics: list[str], world: World
) -> plt.Figure:
    """Causal effect on choosers per topic and scenario (95% interval of the mean), and the
    difference the evaluation would have measured (diamond)."""
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(topics) * max(len(scenarios), 1) / 2, 3.8))
    width = 0.8 / max(len(scenarios), 1)
    effect, measured_label = outcome(f"{TOPIC}.causal_effect"), outcome(f"{TOPIC}.difference").label
    for s, (name, design) in enumerate(scenarios):
        rows = runs[runs["scenario"] == name]
        for t, topic in enumerate(topics):
            mean, low, high = interval_of(rows, f"{topic}.causal_effect")
            measured = interval_of(rows, f"{topic}.difference")[0]
            position = t + (s - (len(scenarios) - 1) / 2) * width
            ax.bar(
                position,
                mean,
                width * 0.9,
                color=style.design_colour(design, s),
                label=f"{name} ({design})" if t == 0 else None,
            )
            ax.errorbar(
                position,
                mean,
                yerr=[[mean - low], [high - mean]],
                color="black",
                capsize=3,
                linewidth=1,
            )
            ax.plot(
                position,
                measured,
                "D",
                color="black",
                markersize=4,
                label=measured_label if (s == 0 and t == 0) else None,
            )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(
        range(len(topics)),
        [
            f"{world.topics.labels[world.topics.index(t)]}\n"
            f"({outcome(f'{t}.causal_effect', world.topics).unit})"
            for t in topics
        ],
    )
    ax.set_ylabel(f"{effect.label} at endline ({effect.unit})")
    ax.set_title(
        f"Causal effect of each design (bars, {interval_kind(drawn(runs))}) vs same world "
        "without twinning",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def money(
    runs: pd.DataFrame, scenarios: list[tuple[str, str]], topics: list[str], world: World
) -> plt.Figure:
    """Who pays what (stacked cash by funder, million RWF) and how the causal gain of members
    evolves after the donor leaves (at exit, 2 and 5 years on; 95% CI of the mean)."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 1.3]}
    )
    names = [name for name, _ in scenarios]
    bottom = np.zeros(len(names))
    palette = {"donor": "#7f7f7f", "moh": "#2166ac", "district": "#1b7837", "hospital": "#e08214"}
    for funder in FUNDERS:
        values = np.array(
            [runs.loc[runs["scenario"] == n, f"costs.{funder}"].mean() / 1e6 for n in names]
        )
        label = outcome(f"costs.{funder}").label
        left.bar(range(len(names)), values, bottom=bottom, color=palette[funder], label=label)
        bottom += values
    left.set_xticks(range(len(names)), [n.replace("_", "\n") for n in names], fontsize=7)
    left.set_ylabel(f"Cash over the whole horizon (million {outcome('costs.total').unit})")
    left.set_title("Who pays")
    left.legend(fontsize=7)
    moments = [
        ("effect_at_exit", "donor exit"),
        ("effect_2y_after_exit", "+2 years"),
        ("effect_5y_after_exit", "+5 years"),
    ]
    for s, (name, _design) in enumerate(scenarios):
        rows = runs[runs["scenario"] == name]
        for t, topic in enumerate(topics):
            stats = [interval_of(rows, f"{topic}.{m}") for m, _ in moments]
            means = np.array([m for m, _, _ in stats])
            if np.isnan(means).all():
                continue
            errors = np.array([[m - lo, hi - m] for m, lo, hi in stats]).T
            right.errorbar(
                np.arange(3) + 0.06 * s,
                means,
                yerr=errors,
                capsize=3,
                color=style.TOPIC_PALETTE[(2 * s) % len(style.TOPIC_PALETTE)],
                linestyle="-" if t == 0 else "--",
                marker="o",
                label=f"{name}: {world.topics.labels[world.topics.index(topic)]}",
            )
    right.set_xticks(range(3), [label for _, label in moments])
    exit_effect = outcome(f"{TOPIC}.effect_at_exit")
    right.set_ylabel(f"Causal effect on members ({exit_effect.unit})")
    right.set_title(f"What lasts after the donor leaves ({interval_kind(drawn(runs))})")
    right.legend(fontsize=6)
    fig.tight_layout()
    return fig
