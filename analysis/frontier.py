"""The cost-effectiveness frontier: which designs buy the most gain for their cost.

A point is dominated when another costs no more and gains no less, extendedly dominated when a
mix of two others buys more gain for its cost (:mod:`analysis.economics`, which computes both).
The frontier is the other points joined in order of cost; the incremental cost-effectiveness
ratio (ICER) of each frontier point is its extra cost per extra point of gain over the previous,
cheaper one.
"""

import matplotlib.pyplot as plt
import pandas as pd

from analysis import economics, style
from analysis.printables import factor_value_words, factor_words
from experiments.summary import CHANCE_INTERVAL
from sim import outcome_registry

style.apply()

# Points when the design is not a factor (each point is then one design of the same kind), and
# the gain's interval bars: Okabe-Ito blue, and grey half-transparent behind the points.
POINT_COLOUR = style.OKABE_ITO["blue"]
INTERVAL_COLOUR = style.GREY


def frontier_table(summary: pd.DataFrame, factors: list[str], cost: str, gain: str) -> pd.DataFrame:
    """Per design point: cost and gain with intervals, its ``status`` on the frontier (on it,
    dominated or extendedly dominated: :func:`analysis.economics.frontier`), ``dominated``
    (either kind) and the frontier ICER against the next cheaper frontier point."""
    table = summary[["point", *factors]].copy()
    for name, outcome in (("cost", cost), ("gain", gain)):
        for suffix in ("mean", "ci_low", "ci_high"):
            table[f"{name}_{suffix}"] = summary[f"{outcome}.{suffix}"]
    ranked = economics.frontier(table["cost_mean"], table["gain_mean"])
    table["status"] = ranked["status"].to_numpy()
    table["dominated"] = table["status"] != economics.ON_FRONTIER
    table["icer"] = ranked["icer"].to_numpy()
    return table.sort_values(["dominated", "cost_mean"]).reset_index(drop=True)


def frontier_figure(
    table: pd.DataFrame, factors: list[str], cost: str, gain: str, interval: str = CHANCE_INTERVAL
) -> plt.Figure:
    """Gain against cost (in millions of the cost's unit) of every design point, the gain's
    ``interval`` (words of :mod:`experiments.summary`) as bars, the frontier as a line, each of
    its points labelled with its factor values in words and units ("dyad, 60 visits/year, 80%
    virtual share"); dominated points as crosses, coloured by design when the design is a
    factor. No text of the figure is an identifier (no underscores)."""
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    design_column = "design" if "design" in factors else None
    for dominated, marker, alpha in ((True, "x", 0.5), (False, "o", 1.0)):
        rows = table[table["dominated"] == dominated]
        colours = (
            [style.design_colour(str(d)) for d in rows[design_column]]
            if design_column
            else POINT_COLOUR
        )
        ax.errorbar(
            rows["cost_mean"] / 1e6,
            rows["gain_mean"],
            yerr=[
                rows["gain_mean"] - rows["gain_ci_low"],
                rows["gain_ci_high"] - rows["gain_mean"],
            ],
            fmt="none",
            ecolor=INTERVAL_COLOUR,
            alpha=0.5,
            linewidth=0.8,
            zorder=1,
        )
        ax.scatter(
            rows["cost_mean"] / 1e6,
            rows["gain_mean"],
            c=colours,
            marker=marker,
            alpha=alpha,
            zorder=2,
            label="dominated or extendedly dominated" if dominated else "on the frontier",
        )
    line = table[~table["dominated"]].sort_values("cost_mean")
    ax.plot(line["cost_mean"] / 1e6, line["gain_mean"], color="black", linewidth=1, zorder=0)
    for _, row in line.iterrows():
        ax.annotate(
            ", ".join(factor_value_words(f, row[f]) for f in factors),
            (row["cost_mean"] / 1e6, row["gain_mean"]),
            fontsize=6,
            xytext=(4, -8),
            textcoords="offset points",
        )
    if design_column:
        for design in table[design_column].unique():
            ax.scatter(
                [], [], color=style.design_colour(str(design)), label=style.words(str(design))
            )
    cost_record, gain_record = outcome_registry.outcome(cost), outcome_registry.outcome(gain)
    ax.set_xlabel(f"{cost_record.label} (million {cost_record.unit}, mean over replications)")
    ax.set_ylabel(f"{gain_record.label}\n({gain_record.unit}; mean, {interval})")
    ax.set_title(
        "Cost-effectiveness frontier\nfrontier points labelled by their "
        + _listed([factor_words(f) for f in factors])
    )
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def frontier_options(
    runs: pd.DataFrame, table: pd.DataFrame, factors: list[str], base_design: str
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The successful runs of the frontier's points, each named under ``scenario`` by its
    point's factor values in words (as the figure labels it), with those names and each
    point's design: the options of :func:`analysis.economics.acceptability_curve`, paired by
    replication (common seeds) or posterior draw as a comparison's scenarios are."""
    line = table[~table["dominated"]].sort_values("cost_mean")
    names = {
        int(row["point"]): ", ".join(factor_value_words(f, row[f]) for f in factors)
        for _, row in line.iterrows()
    }
    designs = [
        str(row["design"]) if "design" in factors else base_design for _, row in line.iterrows()
    ]
    ok = runs[(runs["status"] == "ok") & runs["point"].isin(names)]
    return ok.assign(scenario=ok["point"].map(names)), list(names.values()), designs


def _listed(words: list[str]) -> str:
    """``["design", "virtual share"]`` as "design and virtual share"."""
    return " and ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))
