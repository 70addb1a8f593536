"""Figures a planner can read at a glance: trajectories with bands, the twinning network, effects.

Each function takes tidy results and returns a matplotlib Figure; callers save them. Intervals are
always drawn: bands are the 2.5-97.5 percentiles of the group mean across replications; error bars
are 95% intervals of the mean (over the plausible parameter sets when the runs drew them from a
posterior; the titles say which).
"""

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon
from matplotlib.path import Path
from scipy.ndimage import distance_transform_edt
from scipy.spatial import ConvexHull, Voronoi, cKDTree

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
            _line_with_band(ax, per_run, colour, style.scenario_words(name, designs[name]), "-")
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


MAX_MAP_PANELS = style.MAX_COLOURS  # topics mapped, one panel each, the most-used first
PANEL_INCHES = 3.5  # width of one map panel: names and arrows legible at the saved size
SINGLE_PANEL_INCHES = 5.0  # a figure of one map draws it larger
SIDE_INCHES = 3.1  # width of the column of the province key and the legend


def scenario_title(scenario) -> str:
    """A scenario as a figure title names it: its one-line description, else its name in
    words (``no_twinning`` -> ``no twinning``), never the identifier."""
    return scenario.description or style.words(scenario.name)


def mapped_topics(ties: pd.DataFrame, world: World, most: int = MAX_MAP_PANELS) -> list[str]:
    """The topics with the most ties, most first (the catalogue's order breaks ties)."""
    counts = ties["topic"].value_counts()
    return sorted(counts.index, key=lambda t: (-counts[t], world.topics.index(t)))[:most]


def network(
    ties: pd.DataFrame,
    world: World,
    member: np.ndarray,
    title: str,
    topics: list[str] | None = None,
    fill: tuple[np.ndarray, Normalize, str] | None = None,
) -> plt.Figure:
    """Rising-to-shining ties as small multiples: one map per topic, its ties only.

    ``topics`` are the panels (default: :func:`mapped_topics`, up to six). In each panel every
    tie of that topic is one arrow from learner to host; only the institutions the topic
    applies to are drawn, members white and non-members grey as in every map, a member's size
    the learners it hosts in that topic. Provinces are faint shading (each institution's
    surroundings, cut where the nearest institution is of another province), named once in a
    key panel where nothing is drawn over the names. ``fill`` (values per institution, their
    norm, a label) colours the members instead of white, with a colour bar. A design without
    ties gets one map of its institutions that says so."""
    topics = mapped_topics(ties, world) if topics is None else list(topics)
    x, y = positions(world)
    regions = _province_regions(world, x, y)
    panels = max(len(topics), 1)
    columns = min(panels, 3)
    rows = -(-panels // columns)
    (left, right), (bottom, top) = regions.limits
    aspect = (top - bottom) / (right - left)
    panel = PANEL_INCHES if panels > 1 else SINGLE_PANEL_INCHES
    # The key and the legend below it need about as much height as one big map.
    height = max(rows * (panel * aspect + 0.55), 4.8) + 0.7 + 0.45 * (fill is not None)
    fig = plt.figure(figsize=(columns * panel + SIDE_INCHES, height), layout="constrained")
    grid = fig.add_gridspec(1, 2, width_ratios=[columns * panel, SIDE_INCHES])
    maps = grid[0].subgridspec(rows, columns)
    side = grid[1].subgridspec(2, 1, height_ratios=[1, 1.2])
    axes = [fig.add_subplot(maps[i // columns, i % columns]) for i in range(panels)]
    index = {identifier: i for i, identifier in enumerate(world.ids)}
    drawn = None
    if not topics:
        _map_panel(axes[0], regions)
        drawn = _institutions(axes[0], world, x, y, member, np.ones(len(world), bool), {}, fill)
        axes[0].set_title("No twinning ties in this design", fontsize=10)
    for n, (ax, topic) in enumerate(zip(axes, topics, strict=False)):
        t = world.topics.index(topic)
        mine = ties[ties["topic"] == topic]
        _map_panel(ax, regions)
        hosted = mine["host"].value_counts().to_dict()
        applies = world.kind == world.topics.applies_to[t]
        drawn = _institutions(ax, world, x, y, member, applies, hosted, fill) or drawn
        colour = style.category_colour(n)
        for learner, host in zip(mine["learner"].map(index), mine["host"].map(index), strict=True):
            ax.add_patch(
                FancyArrowPatch(
                    (x[learner], y[learner]),
                    (x[host], y[host]),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    connectionstyle="arc3,rad=0.12",
                    color=colour,
                    linewidth=1.2,
                    shrinkA=_radius(world.ids[learner], hosted, member[learner]) + 0.5,
                    shrinkB=_radius(world.ids[host], hosted, member[host]) + 1.0,
                    zorder=2,
                )
            )
        count = f"{len(mine)} tie{'s' * (len(mine) != 1)}" if len(mine) else "no ties"
        ax.set_title(_wrap(f"{world.topics.labels[t]}: {count}", 42), fontsize=10)
    key = fig.add_subplot(side[0])
    _map_panel(key, regions)
    for province, (px, py) in regions.centres.items():
        key.text(
            px,
            py,
            textwrap.fill(province, 8),
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color="#424242",
            linespacing=1.0,
        )
    key.set_title("Provinces", fontsize=10)
    _network_legend(fig.add_subplot(side[1]), ties, topics, geographic=_geographic(world))
    if fill is not None and drawn is not None:
        bar = fig.colorbar(drawn, ax=axes, orientation="horizontal", fraction=0.05, shrink=0.7)
        bar.set_label(fill[2], fontsize=9)
    # Each line of the title within the figure's width (about 12 characters an inch at 11 pt).
    fits = int(fig.get_figwidth() * 12)
    fig.suptitle("\n".join(textwrap.fill(line, fits) for line in title.splitlines()), fontsize=11)
    return fig


SIZE_BASE, SIZE_PER_LEARNER, NON_MEMBER_SIZE = 16, 24, 12  # marker areas (points squared)
FILL_COLOURS = plt.get_cmap("viridis").with_extremes(bad="white")  # never white but for "none"


def _size(identifier: str, hosted: dict, is_member: bool) -> float:
    return (
        SIZE_BASE + SIZE_PER_LEARNER * hosted.get(identifier, 0) if is_member else NON_MEMBER_SIZE
    )


def _radius(identifier: str, hosted: dict, is_member: bool) -> float:
    """Half a marker's width in points, so an arrow starts and ends at the marker's edge."""
    return np.sqrt(_size(identifier, hosted, is_member)) / 2


def _institutions(ax, world, x, y, member, shown, hosted, fill):
    """Members (white, or coloured by ``fill``; size: learners hosted) and non-members (grey)
    among ``shown``, the largest drawn first so that a busy host hides no neighbour; returns
    the coloured members' collection, if any."""
    sizes = np.array(
        [_size(i, hosted, m) for i, m in zip(world.ids, member, strict=True)], dtype=float
    )
    order = np.argsort(-sizes, kind="stable")
    x, y, member, shown, sizes = x[order], y[order], member[order], shown[order], sizes[order]
    kinds = world.kind[order]
    values = fill[0][order] if fill is not None else None
    coloured = None
    for kind, marker in style.KIND_MARKERS.items():
        rows = shown & (kinds == kind)
        ours = rows & member
        if fill is not None:
            norm = fill[1]
            points = ax.scatter(
                x[ours],
                y[ours],
                c=values[ours],
                s=sizes[ours],
                marker=marker,
                cmap=FILL_COLOURS,
                norm=norm,
                plotnonfinite=True,
                edgecolor="black",
                linewidth=0.8,
                zorder=3,
            )
            coloured = points if ours.any() else coloured
        else:
            ax.scatter(
                x[ours],
                y[ours],
                s=sizes[ours],
                marker=marker,
                facecolor="white",
                edgecolor="black",
                linewidth=0.8,
                zorder=3,
            )
        others = rows & ~member
        ax.scatter(
            x[others],
            y[others],
            s=sizes[others],
            marker=marker,
            facecolor=style.LIGHT_GREY,
            edgecolor=style.GREY,
            linewidth=0.5,
            zorder=3,
        )
    return coloured


def _network_legend(ax, ties: pd.DataFrame, topics: list[str], geographic: bool) -> None:
    """What the marks mean, and which ties are not drawn."""
    ax.set_axis_off()
    hollow = {"linestyle": "", "markerfacecolor": "white", "markeredgecolor": "black"}
    tie = Line2D([], [], color="black", marker=">", markersize=6, label="Tie: learner to host")
    handles = [tie] if len(ties) else []
    handles += [
        Line2D([], [], marker="o", **hollow, label="DHMT (member)"),
        Line2D([], [], marker="s", **hollow, label="Hospital (member)"),
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markerfacecolor=style.LIGHT_GREY,
            markeredgecolor=style.GREY,
            label="Non-member",
        ),
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            markersize=np.sqrt(SIZE_BASE + SIZE_PER_LEARNER * n),
            **hollow,
            label=f"Hosts {n} learner{'s' * (n > 1)}",
        )
        for n in ((1, 3) if len(ties) else ())
    ]
    legend = ax.legend(
        handles=handles, loc="upper left", fontsize=9, labelspacing=0.9, borderaxespad=0
    )
    rest = ties[~ties["topic"].isin(topics)]
    notes = []
    if len(rest):
        others = rest["topic"].nunique()
        notes.append(
            f"Not drawn: {others} other topic{'s' * (others > 1)}, {len(rest)} "
            f"tie{'s' * (len(rest) > 1)}."
        )
    if len(ties):
        notes.append("Each map: one topic's ties, among the institutions it applies to.")
    notes.append(
        "Places: district seats; a hospital just east of its district's DHMT."
        if geographic
        else "Places: one column per province, one row per district."
    )
    text = "\n".join(_wrap(note, 40) for note in notes)
    ax.annotate(  # just below the legend, however long it is
        text,
        (0, 0),
        xycoords=legend,
        xytext=(0, -10),
        textcoords="offset points",
        fontsize=8,
        color="#424242",
        va="top",
        linespacing=1.3,
    )


def _geographic(world: World) -> bool:
    return not (np.isnan(world.lon).any() or np.isnan(world.lat).any())


def positions(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude, hospitals just east of their DHMT; a world without coordinates
    (distances.csv given instead) gets one column per province, one row per district."""
    if _geographic(world):
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


@dataclass(frozen=True)
class ProvinceRegions:
    """Faint province shading: the country is the smoothed hull of its institutions, each of
    its points belongs to the province of the nearest institution, and white lines mark where
    two provinces meet."""

    outline: np.ndarray  # (vertices, 2) the country's outline
    boundaries: np.ndarray  # (segments, 2, 2) where two provinces meet (clipped to the outline)
    limits: tuple[tuple[float, float], tuple[float, float]]  # (x limits, y limits)
    centres: dict[str, tuple[float, float]]  # the point of each province farthest from its edge


REGION_PIXELS = 240  # resolution of the grid that finds each province's centre


def _province_regions(world: World, x: np.ndarray, y: np.ndarray) -> ProvinceRegions:
    codes = {p: k for k, p in enumerate(world.provinces)}
    points, first = np.unique(np.column_stack([x, y]), axis=0, return_index=True)
    province = np.array([codes[p] for p in world.province])[first]
    span = max(np.ptp(x), np.ptp(y), 1e-9)
    reach = 0.07 * span
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    around = points[:, None, :] + reach * np.column_stack([np.cos(angles), np.sin(angles)])
    around = around.reshape(-1, 2)
    outline = around[ConvexHull(around).vertices]
    (left, bottom), (right, top) = outline.min(axis=0), outline.max(axis=0)
    margin = 0.02 * span
    limits = ((left - margin, right + margin), (bottom - margin, top + margin))
    boundaries = np.zeros((0, 2, 2))
    if len(points) >= 3 and len(set(province)) > 1:
        far = 10 * span * np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]]) + points.mean(axis=0)
        cells = Voronoi(np.vstack([points, far]))
        segments = [
            cells.vertices[ridge]
            for (a, b), ridge in zip(cells.ridge_points, cells.ridge_vertices, strict=True)
            if a < len(points)
            and b < len(points)
            and province[a] != province[b]
            and -1 not in ridge
        ]
        boundaries = np.array(segments) if segments else boundaries
    step = max(right - left, top - bottom) / REGION_PIXELS
    xs, ys = np.arange(left, right + step, step), np.arange(bottom, top + step, step)
    grid = np.column_stack([g.ravel() for g in np.meshgrid(xs, ys)])
    _, nearest = cKDTree(points).query(grid)
    inside = Path(outline).contains_points(grid)
    label = np.where(inside, province[nearest], -1).reshape(len(ys), len(xs))
    centres = {}
    for name, k in codes.items():
        depth = distance_transform_edt(np.pad(label == k, 1))[1:-1, 1:-1]
        if depth.max() > 0:
            row, column = np.unravel_index(np.argmax(depth), depth.shape)
            centres[name] = (float(xs[column]), float(ys[row]))
    return ProvinceRegions(outline, boundaries, limits, centres)


def _map_panel(ax, regions: ProvinceRegions) -> None:
    """An empty map: the province shading, equal scales, no axes (degrees mean nothing here)."""
    country = Polygon(
        regions.outline,
        closed=True,
        facecolor=style.LIGHT_GREY,
        alpha=0.55,
        linewidth=0,
        zorder=0,
    )
    ax.add_patch(country)
    lines = LineCollection(regions.boundaries, colors="white", linewidths=1.3, zorder=0.5)
    ax.add_collection(lines)
    lines.set_clip_path(country)
    (left, right), (bottom, top) = regions.limits
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_axis_off()


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
                label=style.scenario_words(name, design) if t == 0 else None,
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
