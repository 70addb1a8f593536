"""Validation against the evaluation, and the decomposition of what the evaluation measured.

``validate`` sets the model's replications (over the calibrated parameter ensemble when there is
one) beside the observed figures; ``decompose`` splits the chooser-versus-comparison difference
into the causal effect of twinning, spillover to the comparison group, selection (who chooses a
topic) and regression to the mean from measurement noise. The parts add up to the difference in
every run, because each is computed from the same run and its no-twinning counterfactual.
"""

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style
from analysis.stats import mean_interval
from experiments.targets import Target
from sim.params import Scenario
from sim.runner import replication_seeds, run_one

style.apply()

COMPONENTS = {
    "causal_effect": "Causal effect of twinning on choosers",
    "minus_comparison_effect": "minus spillover to the comparison group",
    "selection": "Selection: who chooses the topic",
    "regression_to_mean": "Regression to the mean (measurement noise)",
}
EVALUATION_STATISTICS = (
    "chooser_change",
    "comparison_change",
    "difference",
    "share_improved",
    "share_declined",
    "p_value",
)


def replicate(
    base: Scenario,
    replications: int,
    seed: int,
    ensemble: list[dict[str, float]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Outcomes of each replication; replication r uses ensemble member r mod K, if any."""
    from sim.model import resolve_scenario

    scenarios = [resolve_scenario(base, params) for params in ensemble] if ensemble else [base]
    rows = []
    for r, run_seed in enumerate(replication_seeds(seed, replications)):
        rows.append(
            {
                "replication": r,
                "seed": run_seed,
                **run_one(scenarios[r % len(scenarios)], run_seed).outcomes,
            }
        )
        if progress:
            progress(1)
    return pd.DataFrame(rows)


def validation_table(runs: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    rows = []
    for target in targets:
        values = runs[target.outcome].to_numpy(dtype=float)
        low, high = target.interval(values)
        rows.append(
            {
                "target": target.name,
                "outcome": target.outcome,
                "observed": target.observed,
                "model_mean": float(np.nanmean(values)),
                "interval_low": low,
                "interval_high": high,
                "inside": bool(low <= target.observed <= high),
                "description": target.description,
            }
        )
    return pd.DataFrame(rows)


def statistics_table(runs: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """The evaluation's statistics as the paper computed them, per run, summarised."""
    rows = []
    for topic in topics:
        for statistic in EVALUATION_STATISTICS:
            values = runs[f"{topic}.{statistic}"].to_numpy(dtype=float)
            rows.append(
                {
                    "topic": topic,
                    "statistic": statistic,
                    "model_mean": float(np.nanmean(values)),
                    "interval_low": float(np.nanpercentile(values, 2.5)),
                    "interval_high": float(np.nanpercentile(values, 97.5)),
                }
            )
    return pd.DataFrame(rows)


def predictions_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        values = runs[outcome].to_numpy(dtype=float)
        rows.append(
            {
                "prediction": outcome,
                "model_mean": float(np.nanmean(values)),
                "interval_low": float(np.nanpercentile(values, 2.5)),
                "interval_high": float(np.nanpercentile(values, 97.5)),
                "status": "prediction (not fitted)",
            }
        )
    return pd.DataFrame(rows)


def decomposition_parts(runs: pd.DataFrame, topic: str) -> pd.DataFrame:
    """Per run: the measured difference and its four additive parts."""
    return pd.DataFrame(
        {
            "difference": runs[f"{topic}.difference"],
            "causal_effect": runs[f"{topic}.causal_effect"],
            "minus_comparison_effect": -runs[f"{topic}.comparison_effect"],
            "selection": runs[f"{topic}.selection"],
            "regression_to_mean": runs[f"{topic}.regression_to_mean"],
        }
    )


def decomposition_table(parts: pd.DataFrame, label: str) -> pd.DataFrame:
    rows = []
    for column in ("difference", *COMPONENTS):
        mean, low, high = mean_interval(parts[column].to_numpy(dtype=float))
        name = (
            "Measured difference, choosers - comparison"
            if column == "difference"
            else (COMPONENTS[column])
        )
        rows.append(
            {
                "design": label,
                "component": column,
                "label": name,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def decomposition_figure(tables: list[pd.DataFrame], topic: str, unit: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    order = ["difference", *COMPONENTS]
    width = 0.8 / len(tables)
    colours = ["#1b7837", "#2166ac"]
    for n, table in enumerate(tables):
        rows = table.set_index("component").loc[order]
        y = np.arange(len(order)) + (n - (len(tables) - 1) / 2) * width
        ax.barh(
            y,
            rows["mean"],
            height=width * 0.9,
            color=colours[n % 2],
            label=table["design"].iloc[0],
            xerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            error_kw={"capsize": 2, "linewidth": 0.8},
        )
    labels = tables[0].set_index("component").loc[order, "label"]
    ax.set_yticks(range(len(order)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"{topic}: points of the indicator ({unit}), mean over runs with 95% CI")
    ax.set_title("What the evaluation's comparison is made of (parts add up to the difference)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def validation_figure(runs: pd.DataFrame, targets: list[Target]) -> plt.Figure:
    fig, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.2), squeeze=False)
    for ax, target in zip(axes[0], targets, strict=True):
        values = runs[target.outcome].to_numpy(dtype=float)
        low, high = target.interval(values)
        ax.hist(values, bins=30, color="#1b7837", alpha=0.6, label="model runs")
        ax.axvspan(low, high, color="#1b7837", alpha=0.1, label="95% of runs")
        ax.axvline(target.observed, color="black", linewidth=2, label="observed")
        ax.set_title(target.name, fontsize=9)
        ax.set_xlabel(f"{target.outcome} (points)")
        ax.set_ylabel("runs")
        ax.legend(fontsize=7)
    fig.suptitle("Fitted targets: observed value against the model's distribution")
    fig.tight_layout()
    return fig
