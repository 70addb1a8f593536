"""Figures a planner can read at a glance: trajectories with bands, the twinning network, effects.

Each function takes tidy results and returns a matplotlib Figure; callers save them. Intervals are
always drawn: bands are the 2.5-97.5 percentiles of the group mean across replications; error bars
are 95% intervals of the mean (over the plausible parameter sets when the runs drew them from a
posterior; the titles say which).
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from scipy.spatial import ConvexHull

from analysis import style
from analysis.stats import drawn, interval_of
from experiments.summary import interval_kind
from sim.evaluation import comparison_group
from sim.outcome_registry import TOPIC, outcome
from sim.payers import FUNDERS
from sim.world import World

style.apply()
TICK_EVERY = 6  # months between date ticks on a time axis


def month_label(start_date: str, month: int) -> str:
    """Model month ``month`` as a calendar month (``Apr 2021``), month 0 being ``start_date``."""
    return (pd.Period(start_date, "M") + int(month)).strftime("%b %Y")


def calendar_axis(ax, start_date: str, last_month: int) -> None:
    """Calendar dates on a time axis of model months (``Apr 2021``, ``Oct 2021``, ...)."""
    ticks = np.arange(0, last_month + 1, TICK_EVERY)
    ax.set_xticks(ticks, [month_label(start_date, m) for m in ticks], rotation=30, ha="right")
    ax.set_xlabel("Month")


def _wrap(text: str, width: int = 36) -> str:
    """An axis label on two lines when it is long (a long indicator name would overlap)."""
    return "\n".join(textwrap.wrap(text, width))


def no_data(ax, text: str) -> None:
    """An axes with nothing to draw says why, in words, instead of staying empty."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)


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
        start_date = str(data.loc[data["month"] == 0, "date"].iloc[0]) if len(data) else ""
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
        if not ax.lines:
            no_data(ax, f"{world.topics.labels[t]}: no institution chose this topic")
            continue
        ax.axvspan(*programme, color=style.PROGRAMME_SHADE, alpha=0.25, label="Programme", zorder=0)
        calendar_axis(ax, start_date, int(data["month"].max()))
        ax.set_title(world.topics.labels[t])
        ax.set_ylabel(_wrap(f"{world.topics.indicators[t]} ({world.topics.units[t]})"))
        ax.legend(loc="upper left", fontsize=8)
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
            _line_with_band(ax, per_run, colour, f"{style.words(name)} ({designs[name]})", "-")
        if not ax.lines:
            no_data(ax, f"{world.topics.labels[t]}: no institution chose this topic")
            continue
        ax.axvspan(*programme, color=style.PROGRAMME_SHADE, alpha=0.25, label="Programme", zorder=0)
        first = next(iter(series.values()))
        calendar_axis(
            ax, str(first.loc[first["month"] == 0, "date"].iloc[0]), int(first["month"].max())
        )
        ax.set_title(f"{world.topics.labels[t]}: institutions that chose it")
        ax.set_ylabel(_wrap(f"True {world.topics.indicators[t].lower()} ({world.topics.units[t]})"))
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("Trajectories by design: mean over replications, band: 95% of replications")
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
    """Rising-to-shining ties on a map-like layout (longitude, latitude), coloured by topic.

    Readable by construction: ties are gentle arcs, all bending the same way from learner to
    host, so two ties between the same places do not lie on top of each other, with an
    arrowhead near the host; the most-used topics get a colour each and the rest are grey
    (:func:`analysis.style.topic_colours`); province names sit above their institutions on a
    white ground, never under a node. A map without ties says so instead of staying empty."""
    fig, ax = plt.subplots(figsize=(10.5, 7.5))
    index = {identifier: i for i, identifier in enumerate(world.ids)}
    x, y = positions(world)
    by_weight = list(ties["topic"].value_counts().index)
    colours = style.topic_colours(by_weight)
    if len(ties):
        learner = ties["learner"].map(index).to_numpy()
        host = ties["host"].map(index).to_numpy()
        start = np.column_stack([x[learner], y[learner]])
        end = np.column_stack([x[host], y[host]])
        curves = _arcs(start, end)
        tie_colours = [colours[t] for t in ties["topic"]]
        ax.add_collection(
            LineCollection(curves, colors=tie_colours, linewidths=1.1, alpha=0.7, zorder=2)
        )
        head, before = curves[:, -3], curves[:, -4]
        ax.quiver(
            before[:, 0],
            before[:, 1],
            head[:, 0] - before[:, 0],
            head[:, 1] - before[:, 1],
            color=tie_colours,
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.003,
            headwidth=3.5,
            headlength=4,
            zorder=2,
        )
    else:
        ax.text(
            0.5,
            0.04,
            "No twinning ties in this design",
            ha="center",
            transform=ax.transAxes,
            fontsize=11,
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
            facecolor=style.LIGHT_GREY,
            edgecolor=style.GREY,
            linewidth=0.5,
            zorder=3,
        )
    _shade_provinces(ax, world, x, y)
    shown = [t for t in by_weight if colours[t] != style.GREY]
    handles = [
        Line2D([], [], color=colours[t], label=world.topics.labels[world.topics.index(t)])
        for t in shown
    ]
    if len(shown) < len(by_weight):
        handles.append(Line2D([], [], color=style.GREY, label="Other topics"))
    handles += [
        Line2D(
            [],
            [],
            marker=marker,
            linestyle="",
            markerfacecolor=face,
            markeredgecolor=edge,
            label=label,
        )
        for marker, face, edge, label in (
            ("o", "white", "black", "DHMT (member)"),
            ("s", "white", "black", "Hospital (member)"),
            ("s", style.LIGHT_GREY, style.GREY, "Non-member"),
        )
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=9,
        title="Arrow: learner to host\n(colour: topic)\nNode size: learners hosted",
        title_fontsize=9,
    )
    geographic = not (np.isnan(world.lon).any() or np.isnan(world.lat).any())
    ax.set_xlabel("Longitude (degrees)" if geographic else "Province")
    ax.set_ylabel("Latitude (degrees)" if geographic else "District")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.autoscale_view()
    fig.tight_layout()
    return fig


def _arcs(start: np.ndarray, end: np.ndarray, bend: float = 0.12, points: int = 12):
    """Quadratic curves from each start to each end, bent to the left of the direction of
    travel by ``bend`` of their length (points along each curve: ties x points x 2)."""
    middle = (start + end) / 2
    along = end - start
    control = middle + bend * np.column_stack([-along[:, 1], along[:, 0]])
    t = np.linspace(0.0, 1.0, points)[None, :, None]
    return (
        (1 - t) ** 2 * start[:, None, :]
        + 2 * (1 - t) * t * control[:, None, :]
        + t**2 * end[:, None, :]
    )


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
    """A light hull behind each province's institutions, its name above them on a white
    ground over the ties and under the institutions (a name at the centre would sit under
    the nodes)."""
    for province in world.provinces:
        rows = world.province == province
        points = np.column_stack([x[rows], y[rows]])
        centre = points.mean(axis=0)
        padded = centre + (points - centre) * 1.08 + np.sign(points - centre) * 0.05
        if len(np.unique(points, axis=0)) >= 3:
            hull = ConvexHull(padded)
            ax.fill(
                *padded[hull.vertices].T, color=style.LIGHT_GREY, alpha=0.35, linewidth=0, zorder=0
            )
        ax.text(
            centre[0],
            padded[:, 1].max() + 0.03,
            province,
            ha="center",
            va="bottom",
            fontsize=10,
            fontweight="bold",
            color="#424242",
            zorder=2.5,  # over the ties, under the institutions
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
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
                label=f"{style.words(name)} ({design})" if t == 0 else None,
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
    ax.set_ylabel(_wrap(f"{effect.label} at endline ({effect.unit})"))
    ax.set_title(
        _wrap(
            f"Causal effect of each design (bars, {interval_kind(drawn(runs))}) vs same world "
            "without twinning",
            60,
        ),
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper right")
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
    palette = dict(zip(FUNDERS, (style.GREY, *style.SERIES), strict=False))
    for funder in FUNDERS:
        values = np.array(
            [runs.loc[runs["scenario"] == n, f"costs.{funder}"].mean() / 1e6 for n in names]
        )
        label = outcome(f"costs.{funder}").label
        left.bar(range(len(names)), values, bottom=bottom, color=palette[funder], label=label)
        bottom += values
    # A stack's top is a sticky edge (a zero-height bar of the last funder sits there), so
    # autoscaling would end the axis flush with the tallest bar: leave room above it.
    left.set_ylim(0, 1.08 * np.nanmax(bottom) if np.nanmax(bottom) > 0 else 1)
    left.set_xticks(range(len(names)), [_wrap(style.words(n), 16) for n in names], fontsize=9)
    left.set_ylabel(f"Cash over the whole horizon (million {outcome('costs.total').unit})")
    left.set_title("Who pays")
    left.legend(fontsize=8)
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
                color=style.category_colour(s),  # one per scenario: they may share a design
                linestyle="-" if t == 0 else "--",
                marker="o",
                label=f"{style.words(name)}: {world.topics.labels[world.topics.index(topic)]}",
            )
    right.set_xticks(range(3), [label for _, label in moments])
    exit_effect = outcome(f"{TOPIC}.effect_at_exit")
    right.set_ylabel(f"Causal effect on members ({exit_effect.unit})")
    right.set_title(f"What lasts after the donor leaves ({interval_kind(drawn(runs))})")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
