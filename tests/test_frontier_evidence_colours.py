"""The frontier's and the evidence's figures draw in the shared Okabe-Ito colours."""

import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex

from analysis import style
from analysis.evidence import PARTS, decomposition_figure, validation_figure
from analysis.frontier import frontier_figure, frontier_table
from experiments.targets import Target

ALLOWED = {c.lower() for c in (*style.OKABE_ITO.values(), style.GREY, style.LIGHT_GREY)}


def colours_of(fig) -> set[str]:
    """Every colour a figure's lines, bars and points are drawn in."""
    found = set()
    for ax in fig.axes:
        found |= {to_hex(line.get_color()) for line in ax.get_lines()}
        found |= {to_hex(patch.get_facecolor(), keep_alpha=False) for patch in ax.patches}
        for collection in ax.collections:
            colours = collection.get_facecolor() if isinstance(collection, PathCollection) else []
            found |= {to_hex(c, keep_alpha=False) for c in colours}
            found |= {to_hex(c, keep_alpha=False) for c in collection.get_edgecolor()}
    return {c.lower() for c in found}


def frontier_summary(designs: list[str]) -> pd.DataFrame:
    gain = "gains.institution_points"
    return pd.DataFrame(
        {
            "point": range(len(designs)),
            "design": designs,
            "costs.total.mean": [10e6, 20e6, 15e6, 30e6][: len(designs)],
            "costs.total.ci_low": 9e6,
            "costs.total.ci_high": 31e6,
            f"{gain}.mean": [100.0, 300.0, 50.0, 400.0][: len(designs)],
            f"{gain}.ci_low": 0.0,
            f"{gain}.ci_high": 500.0,
        }
    )


def test_the_frontier_uses_design_colours_or_the_style_blue():
    gain = "gains.institution_points"
    summary = frontier_summary(["network", "dyad", "hub", "provincial"])
    by_design = frontier_figure(
        frontier_table(summary, ["design"], "costs.total", gain), ["design"], "costs.total", gain
    )
    assert colours_of(by_design) <= ALLOWED
    summary = summary.rename(columns={"design": "host_capacity"}).assign(host_capacity=[2, 3, 4, 5])
    table = frontier_table(summary, ["host_capacity"], "costs.total", gain)
    plain = frontier_figure(table, ["host_capacity"], "costs.total", gain)
    assert colours_of(plain) <= ALLOWED
    labels = [t.get_text() for t in by_design.axes[0].get_legend().get_texts()]
    assert "network" in labels and "provincial" in labels


def test_no_text_of_the_frontier_figure_is_an_identifier():
    """Point labels, legend, axes and title in words, values with their units (issue #12)."""
    gain = "gains.institution_points"
    summary = frontier_summary(["network", "dyad", "hub", "provincial"]).assign(
        exchange_visits_per_year=[30.0, 60.0, "no effect", 0.0],
        virtual_share=[0.0, 0.8, 0.8, 0.0],
    )
    factors = ["design", "exchange_visits_per_year", "virtual_share"]
    table = frontier_table(summary, factors, "costs.total", gain)
    fig = frontier_figure(table, factors, "costs.total", gain)
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    texts = [t for t in texts if t]
    assert texts and not [t for t in texts if "_" in t]
    assert "dyad, 60 visits/year, 80% virtual share" in texts
    assert "network, 30 visits/year, 0% virtual share" in texts
    title = fig.axes[0].get_title()
    assert title.endswith("design, exchange visits per year and virtual share")


def test_the_decomposition_and_validation_figures_use_the_style_colours():
    rows = {
        "component": list(PARTS),
        "label": list(PARTS),
        "mean": np.arange(len(PARTS), dtype=float),
        "ci_low": np.arange(len(PARTS)) - 0.5,
        "ci_high": np.arange(len(PARTS)) + 0.5,
        "interval": "95% CI",
    }
    tables = [pd.DataFrame(rows).assign(design=d) for d in ("as chosen", "randomised trial")]
    fig = decomposition_figure(tables, "accreditation", "% points")
    assert colours_of(fig) <= ALLOWED
    assert len({to_hex(p.get_facecolor(), keep_alpha=False) for p in fig.axes[0].patches}) == 2
    outcome = "accreditation.difference"
    runs = pd.DataFrame({outcome: np.random.default_rng(0).normal(7, 2, 40)})
    fig = validation_figure(runs, [Target("choosers", outcome, 7.8, 1.0)])
    assert colours_of(fig) <= ALLOWED
