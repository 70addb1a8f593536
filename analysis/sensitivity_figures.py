"""Figures of sensitivity indices: Sobol bars with intervals, and the Morris mu*-sigma plane."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style
from sim import outcome_registry

style.apply()


def sobol_bars(indices: pd.DataFrame, outcome: str) -> plt.Figure:
    """First-order and total indices per factor, 95% intervals, factors sorted by total."""
    data = indices[(indices["outcome"] == outcome) & indices["index"].isin(["S1", "ST"])]
    wide = data.pivot(index="factor", columns="index", values="value")
    conf = data.pivot(index="factor", columns="index", values="conf")
    order = wide["ST"].sort_values().index
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.6))
    y = np.arange(len(order))
    for offset, index, colour, label in (
        (0.2, "S1", style.OKABE_ITO["blue"], "First order (S1)"),
        (-0.2, "ST", style.OKABE_ITO["orange"], "Total (ST)"),
    ):
        ax.barh(
            y + offset,
            wide.loc[order, index],
            height=0.38,
            color=colour,
            label=label,
            xerr=conf.loc[order, index],
            error_kw={"capsize": 2, "linewidth": 0.8},
        )
    ax.set_yticks(y, [style.words(name) for name in order])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("Share of the outcome's variance (Sobol index, 95% CI)")
    ax.set_title(f"What drives: {_outcome_words(outcome)}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def morris_plane(indices: pd.DataFrame, outcome: str) -> plt.Figure:
    """mu* (importance) against sigma (non-linearity or interaction), one point per factor."""
    data = indices[indices["outcome"] == outcome].pivot(
        index="factor", columns="index", values="value"
    )
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.scatter(data["mu_star"], data["sigma"], color=style.OKABE_ITO["blue"])
    for name, row in data.iterrows():
        ax.annotate(
            style.words(name),
            (row["mu_star"], row["sigma"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    limit = max(data["mu_star"].max(), data["sigma"].max()) * 1.1
    ax.plot([0, limit], [0, limit], "--", color=style.GREY, linewidth=0.8, label="sigma = mu*")
    unit = outcome_registry.outcome(outcome).unit  # SALib's effects are per factor range
    ax.set_xlabel(f"mu*: mean absolute elementary effect ({unit} per factor range)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(f"Morris screening: {_outcome_words(outcome)}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _outcome_words(name: str) -> str:
    """An outcome as a title names it: its label and its topic, never its id."""
    record = outcome_registry.outcome(name)
    return f"{record.label} ({style.words(record.topic)})" if record.topic else record.label
