"""Figures of the health-economics conventions (:mod:`analysis.economics`): the
cost-effectiveness acceptability curve (CEAC).

A point (x, y) of a design's curve reads: if one more institution-point is worth x RWF to the
payer, the design has the highest net monetary benefit (x times its causal gain minus its cash
cost) in y% of the simulated worlds (replications on common seeds, or plausible parameter sets
drawn from a posterior). At x = 0 the cheapest option wins everywhere; as x grows, designs that
buy more gain win more often. The curve is the table of
:func:`analysis.printables.printable_acceptability` drawn every 2,500 RWF: it passes through the
table's values at the tabulated prices, which are marked.

API:

- ``acceptability_figure(curve, designs, worlds="replications", marked=WTP_RWF_PER_POINT)``:
  the CEAC of a curve of :func:`analysis.economics.acceptability` (columns ``wtp``,
  ``scenario``, ``probability_best``); ``designs`` maps each scenario to its design (for its
  colour); no twinning needs none.
- ``acceptability_of_runs(runs, names, designs)``: the same from a comparison's runs (one
  table, every scenario's rows named by ``scenario``; ``designs`` the design of each of
  ``names``), with no twinning added as an option unless one scenario is it, over
  replications or, when the runs drew parameters, posterior draws.
- ``caption(worlds)``: the caption beside it; ``worlds_of(runs)`` says what ``worlds`` are.
"""

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter

from analysis import economics, style
from experiments.replicate import DRAW

style.apply()

STEM = "acceptability"  # figures/acceptability.png
# Line styles that tell apart two scenarios of the same design (and so the same colour).
DASHES = ("-", "--", ":", "-.")
MEANING = (
    "A point (x, y): if one more institution-point is worth x RWF to the payer, the design has "
    "the highest net monetary benefit (x × causal gain − cash cost) in y% of the {worlds}. "
    "Markers: the prices of the acceptability table. A design never the best buy lies along "
    "0%, under the others."
)


def acceptability_figure(
    curve: pd.DataFrame,
    designs: Mapping[str, str],
    worlds: str = "replications",
    marked: Sequence[float] = economics.WTP_RWF_PER_POINT,
) -> plt.Figure:
    """One line per option of ``curve`` (in its order), in its design's colour, named in
    words: the share of ``worlds`` (words: "20 replications (chance only)") in which it has
    the highest net benefit, in percent, against the willingness to pay per institution-point
    in RWF; ``marked`` prices carry a marker."""
    fig, ax = plt.subplots(figsize=(10.5, 4.8))
    names = list(dict.fromkeys(curve["scenario"]))
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        rows = curve[curve["scenario"] == name].sort_values("wtp")
        design = "none" if name == economics.NO_TWINNING else designs.get(name, "")
        dash = DASHES[seen.get(design, 0) % len(DASHES)]
        seen[design] = seen.get(design, 0) + 1
        x = rows["wtp"].to_numpy(dtype=float)
        ax.plot(
            x,
            100 * rows["probability_best"].to_numpy(dtype=float),
            color=style.design_colour(design, index),
            linestyle=dash,
            linewidth=2,
            marker="o",
            markersize=4,
            markevery=[i for i, v in enumerate(x) if np.isclose(v, marked).any()],
            label=option_words(name, design),
            # the first option on top; no twinning, the reference, under every programme
            zorder=2 if design == "none" else 3 + len(names) - index,
            clip_on=False,
        )
    top = float(curve["wtp"].max()) if len(curve) else 1.0
    ax.set_xlim(0, top)
    ax.set_ylim(-2, 102)
    ax.xaxis.set_major_locator(MultipleLocator(_tick_step(top)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_major_locator(MultipleLocator(20))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel(
        "Willingness to pay per institution-point (RWF): what one more indicator point at one "
        "institution is worth to the payer"
    )
    ax.set_ylabel(f"Best buy in (% of the {_plain(worlds)})")
    ax.set_title("Cost-effectiveness acceptability: how often each design is the best buy")
    # Beside the plot, never over the curves (a frontier has many options with long names).
    handles, labels = ax.get_legend_handles_labels()
    wrapped = ["\n".join(textwrap.wrap(label, 38)) for label in labels]
    ax.legend(
        handles, wrapped, title="Design", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8
    )
    fig.text(0.01, 0.01, MEANING.format(worlds=worlds), fontsize=8, wrap=True, va="bottom")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def acceptability_of_runs(
    runs: pd.DataFrame,
    names: Sequence[str],
    designs: Sequence[str],
    wtps: Sequence[float] = economics.WTP_CURVE_RWF_PER_POINT,
) -> plt.Figure:
    """:func:`acceptability_figure` of a comparison's runs (:func:`economics.acceptability_curve`
    over ``names`` and no twinning), saying whether its worlds are replications or posterior
    draws."""
    options = economics.with_no_twinning(names, designs)
    curve = economics.acceptability_curve(runs, options, wtps)
    return acceptability_figure(curve, dict(zip(names, designs, strict=True)), worlds_of(runs))


def caption(worlds: str) -> str:
    """What the figure shows, for the caption beside it (the report's, the dashboard's), over
    ``worlds`` counted (:func:`worlds_of`: "20 replications (chance only)")."""
    top = economics.WTP_CURVE_RWF_PER_POINT[-1]
    return (
        "Cost-effectiveness acceptability curve: for each design, the share of the "
        f"{worlds} in which it has the highest net monetary benefit (willingness to pay x "
        "causal gain - cash cost), at each willingness to pay per institution-point from 0 to "
        f"{top:,} RWF. A point (x, y) reads: if one more institution-point is worth x RWF to "
        "the payer, the design is the best buy in y% of them. Markers: the acceptability "
        "table's prices; the lines are the table drawn every 2,500 RWF."
    )


def worlds_of(runs: pd.DataFrame) -> str:
    """What one world of :func:`economics.worlds` is, counted: "20 replications (chance only)"
    or "100 plausible worlds (posterior draws)"."""
    if DRAW in runs.columns:
        return f"{runs[DRAW].nunique():,} plausible worlds (posterior draws)"
    return f"{runs['replication'].nunique():,} replications (chance only)"


def option_words(name: str, design: str) -> str:
    """An option as the legend names it: "tpn 2021 (network design)", "no twinning"."""
    if name == economics.NO_TWINNING:
        return name
    return style.scenario_words(name, design)


def _plain(worlds: str) -> str:
    """``worlds`` without its bracket, for an axis label."""
    return worlds.split(" (", 1)[0]


def _tick_step(top: float) -> float:
    """A round step giving five to ten ticks up to ``top``: 50,000 up to 500,000 RWF."""
    for power in range(10):
        for step in (1, 2, 2.5, 5):
            if top / (step * 10**power) <= 10:
                return step * 10**power
    return top / 5
