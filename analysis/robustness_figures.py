"""Figures of robustness and scenario discovery: each policy's regret across the uncertainty
points, and a PRIM box's peeling trajectory and limits."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style
from analysis.discovery import Box
from sim import outcome_registry

style.apply()


def regret_figure(regrets: pd.DataFrame, outcome: str) -> plt.Figure:
    """Each policy's regret (one column per policy, one row per uncertainty point) as a box
    plot whose whiskers reach the smallest and largest regret; the policy with the smallest
    largest regret (the minimax-regret choice) on top."""
    record = outcome_registry.outcome(outcome)
    order = list(regrets.max().sort_values(ascending=False, kind="stable").index)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(order) + 1.6))
    boxes = ax.boxplot(
        [regrets[policy].dropna() for policy in order],
        orientation="horizontal",
        tick_labels=order,
        whis=(0, 100),
        patch_artist=True,
        showmeans=True,
        meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"},
        medianprops={"color": "black"},
    )
    for index, (patch, policy) in enumerate(zip(boxes["boxes"], order, strict=True)):
        patch.set_facecolor(style.design_colour(policy, index))
        patch.set_alpha(0.7)
    ax.set_xlabel(
        f"Regret: shortfall from the best policy at the same point ({record.unit})\n"
        "box: quartiles; whiskers: least and most; diamond: mean"
    )
    ax.set_title(f"Regret on {outcome} ({record.label}) at {len(regrets)} uncertainty points")
    ax.set_xlim(left=0)
    fig.tight_layout()
    return fig


def trajectory_figure(trajectory: pd.DataFrame, number: int) -> plt.Figure:
    """PRIM's peeling trajectory: coverage against density at each step, coloured by the
    number of factors restricted, the step the box is read at ringed."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    restricted = trajectory["restricted"]
    colours = plt.get_cmap("viridis", max(int(restricted.max()), 1) + 1)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=restricted,
        cmap=colours,
        vmin=-0.5,
        vmax=restricted.max() + 0.5,
        s=18,
    )
    chosen = trajectory[trajectory["chosen"]]
    ax.scatter(
        chosen["coverage"],
        chosen["density"],
        s=160,
        facecolors="none",
        edgecolors=style.OKABE_ITO["vermillion"],
    )
    for row in chosen.itertuples():
        ax.annotate(
            f"box {number}: coverage {row.coverage:.0%}, density {row.density:.0%}",
            (row.coverage, row.density),
            xytext=(-10, -14),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=style.OKABE_ITO["vermillion"],
        )
    bar = fig.colorbar(points, ax=ax, ticks=range(int(restricted.max()) + 1))
    bar.set_label("factors restricted")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("Coverage: share of all cases inside the box")
    ax.set_ylabel("Density: share of the box's points that are cases")
    ax.set_title(f"Peeling trajectory of box {number} (PRIM)")
    fig.tight_layout()
    return fig


def limits_figure(box: Box, bounds: pd.DataFrame, number: int) -> plt.Figure:
    """The box's limits on each factor it restricts, within the range sampled (``bounds``: a
    row per factor with its ``low`` and ``high``), with the limits and quasi-p-values written."""
    limits = box.limits
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(limits) + 1.4))
    y = np.arange(len(limits))[::-1]
    for row, limit in zip(y, limits, strict=True):
        low, high = bounds.loc[limit["factor"], ["low", "high"]]
        span = (high - low) or 1.0
        start, end = (limit["low"] - low) / span, (limit["high"] - low) / span
        ax.plot([0, 1], [row, row], color=style.LIGHT_GREY, linewidth=6, solid_capstyle="butt")
        ax.plot(
            [start, end],
            [row, row],
            color=style.OKABE_ITO["blue"],
            linewidth=6,
            solid_capstyle="butt",
        )
        ax.annotate(f"{limit['low']:.3g}", (start, row), xytext=(0, 7), **_LABEL)
        ax.annotate(f"{limit['high']:.3g}", (end, row), xytext=(0, 7), **_LABEL)
        ax.annotate(f"qp {limit['qp_value']:.1g}", (1, row), xytext=(30, -3), **_LABEL)
    ax.set_yticks(y, [limit["factor"] for limit in limits])
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.8, len(limits) - 0.2)
    ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"])
    ax.grid(False)
    ax.set_title(
        f"Box {number}: {box.mass:.0%} of the points, coverage {box.coverage:.0%}, "
        f"density {box.density:.0%}"
    )
    fig.tight_layout()
    return fig


_LABEL = {"textcoords": "offset points", "ha": "center", "fontsize": 7}
