"""Validation against the evaluation, and the decomposition of what the evaluation measured.

``validate`` sets the model's replications (run by :func:`experiments.replicate.replicate`, over
the calibrated parameter ensemble when there is one) beside the observed figures; ``decompose``
splits the chooser-versus-comparison difference into the causal effect of twinning, spillover to
the comparison group, selection (who chooses a topic) and regression to the mean from measurement
noise. The parts add up to the difference in
every run, because each is computed from the same run and its no-twinning counterfactual.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style
from analysis.stats import summarise
from experiments.replicate import DRAW
from experiments.targets import Target
from sim import outcome_registry

style.apply()

MODEL_COLOUR = style.OKABE_ITO["blue"]  # the model's runs, against the observed value in black

# The measured difference, then its four additive parts: column -> (sign, per-topic outcome).
PARTS = {
    "difference": (1, "difference"),
    "causal_effect": (1, "causal_effect"),
    "minus_comparison_effect": (-1, "comparison_effect"),
    "selection": (1, "selection"),
    "regression_to_mean": (1, "regression_to_mean"),
}
EVALUATION_STATISTICS = (
    "chooser_change",
    "comparison_change",
    "difference",
    "share_improved",
    "share_declined",
    "p_value",
)


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
    """Per run: the measured difference and its four additive parts (and the run's parameter
    set, when it drew one)."""
    parts = pd.DataFrame(
        {
            column: runs[f"{topic}.{measure}"] if sign > 0 else -runs[f"{topic}.{measure}"]
            for column, (sign, measure) in PARTS.items()
        }
    )
    return parts.assign(**{DRAW: runs[DRAW]}) if DRAW in runs else parts


def part_label(column: str) -> str:
    """The registry's label of a part; a subtracted one reads "minus ..."."""
    sign, measure = PARTS[column]
    label = outcome_registry.outcome(f"{outcome_registry.TOPIC}.{measure}").label
    return label if sign > 0 else f"minus {label[:1].lower()}{label[1:]}"


def decomposition_table(parts: pd.DataFrame, label: str) -> pd.DataFrame:
    """Each part's mean and 95% interval (over the draws when the runs drew parameters), and
    the share of its variance from the parameters."""
    summary = summarise(parts, list(PARTS))
    return pd.DataFrame(
        {
            "design": label,
            "component": list(PARTS),
            "label": [part_label(column) for column in PARTS],
            **{
                c: summary[c] for c in ("mean", "ci_low", "ci_high", "interval", "share_parameters")
            },
        }
    )


def decomposition_figure(tables: list[pd.DataFrame], topic: str, unit: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    order = list(PARTS)
    width = 0.8 / len(tables)
    for n, table in enumerate(tables):
        rows = table.set_index("component").loc[order]
        y = np.arange(len(order)) + (n - (len(tables) - 1) / 2) * width
        ax.barh(
            y,
            rows["mean"],
            height=width * 0.9,
            color=style.category_colour(n),
            label=table["design"].iloc[0],
            xerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            error_kw={"capsize": 2, "linewidth": 0.8},
        )
    labels = tables[0].set_index("component").loc[order, "label"]
    ax.set_yticks(range(len(order)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(
        f"{topic}: points of the indicator ({unit}), mean over runs with "
        f"{tables[0]['interval'].iloc[0]}"
    )
    ax.set_title("What the evaluation's comparison is made of (parts add up to the difference)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def validation_figure(runs: pd.DataFrame, targets: list[Target]) -> plt.Figure:
    fig, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.2), squeeze=False)
    for ax, target in zip(axes[0], targets, strict=True):
        values = runs[target.outcome].to_numpy(dtype=float)
        low, high = target.interval(values)
        ax.hist(values, bins=30, color=MODEL_COLOUR, alpha=0.6, label="model runs")
        ax.axvspan(low, high, color=MODEL_COLOUR, alpha=0.1, label="95% of runs")
        ax.axvline(target.observed, color="black", linewidth=2, label="observed")
        ax.set_title(target.name, fontsize=9)
        record = outcome_registry.outcome(target.outcome)
        ax.set_xlabel(f"{record.label} ({record.unit})")
        ax.set_ylabel("runs")
        ax.legend(fontsize=7)
    fig.suptitle("Fitted targets: observed value against the model's distribution")
    fig.tight_layout()
    return fig
