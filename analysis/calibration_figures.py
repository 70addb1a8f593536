"""Diagnostics of an ABC calibration: what a researcher checks before trusting a posterior.

- :func:`marginals`: each parameter's posterior against its prior: where the data moved or
  narrowed it, and where they said nothing (the two curves coincide);
- :func:`corner`: every pair of parameters, where trade-offs show as ridges (coaching against
  exchange-visit efficacy, say) that marginals hide;
- :func:`generations`: temperature, acceptance rate and effective sample size per generation;
- each target's observed value against the runs at posterior draws is
  :func:`analysis.evidence.validation_figure` of those runs;
- :func:`rank_histograms`, :func:`coverage`: the simulation-based calibration check
  (:mod:`experiments.sbc`), drawn from its folder by ``python -m analysis.calibration_figures DIR``.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.colors import to_rgb
from scipy.stats import binom

from analysis import style
from experiments.priors import Prior

style.apply()
POSTERIOR, PRIOR = style.OKABE_ITO["blue"], style.GREY
SHOWN = (0.005, 0.995)  # axes span these prior quantiles: a long tail does not squash the rest


def _span(prior: Prior) -> tuple[float, float]:
    low, high = prior.frozen().ppf(SHOWN)
    return float(low), float(high)


def marginals(posterior: pd.DataFrame, priors: dict[str, Prior], summary: pd.DataFrame):
    """One panel per parameter: the weighted posterior (histogram), the prior (line), the
    posterior 90% credible interval (shaded) and whether the data constrain it."""
    names = list(priors)
    columns = min(4, len(names))
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.5 * rows), squeeze=False)
    weights = posterior["weight"].to_numpy(dtype=float)
    by_name = summary.set_index("parameter")
    for ax, name in zip(axes.flat, names, strict=False):
        low, high = _span(priors[name])
        grid = np.linspace(low, high, 200)
        ax.hist(
            np.clip(posterior[name], low, high),
            bins=25,
            range=(low, high),
            weights=weights,
            density=True,
            color=POSTERIOR,
            alpha=0.55,
            label="posterior",
        )
        ax.plot(grid, priors[name].frozen().pdf(grid), color=PRIOR, linewidth=1.5, label="prior")
        row = by_name.loc[name]
        ax.axvspan(row["posterior_low_90"], row["posterior_high_90"], color=POSTERIOR, alpha=0.1)
        verdict = "constrained" if row["constrained"] else "not constrained"
        ax.set_title(
            f"{style.parameter_words(name)}\n{verdict} (90% width x{row['width_ratio_90']:.2f})",
            fontsize=8,
        )
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior (bars, shaded: 90% credible interval) against prior (line)")
    fig.tight_layout()
    return fig


def corner(posterior: pd.DataFrame, priors: dict[str, Prior]):
    """Pairwise posteriors: below the diagonal each pair's particles (darker: heavier), on it
    each marginal; a ridge is a trade-off the data cannot break."""
    names = list(priors)
    count = len(names)
    size = max(1.1 * count, 4.0)
    fig, axes = plt.subplots(count, count, figsize=(size, size), squeeze=False)
    weights = posterior["weight"].to_numpy(dtype=float)
    shade = np.clip(weights / weights.max(), 0.08, 1.0)
    colours = np.zeros((len(weights), 4))
    colours[:, :3] = to_rgb(POSTERIOR)
    colours[:, 3] = shade
    spans = {name: _span(priors[name]) for name in names}
    for i, y_name in enumerate(names):
        for j, x_name in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(
                    np.clip(posterior[x_name], *spans[x_name]),
                    bins=20,
                    range=spans[x_name],
                    weights=weights,
                    color=POSTERIOR,
                    alpha=0.6,
                )
                ax.set_yticks([])
            else:
                ax.scatter(posterior[x_name], posterior[y_name], s=6, c=colours, linewidths=0)
                ax.set_ylim(*spans[y_name])
            ax.set_xlim(*spans[x_name])
            ax.tick_params(labelsize=5)
            ax.grid(False)
            if i < count - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(style.words(x_name), fontsize=6, rotation=30, ha="right")
            if j > 0 and i != j:
                ax.set_yticklabels([])
            elif i != j:
                ax.set_ylabel(style.words(y_name), fontsize=6, rotation=0, ha="right")
    fig.suptitle("Pairwise posterior: particles, darker where heavier; axes span the prior")
    fig.tight_layout(h_pad=0.2, w_pad=0.2)
    return fig


def generations(table: pd.DataFrame, population: int):
    """Temperature, acceptance rate and effective sample size per generation."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.9))
    x = table["generation"]
    panels = (
        ("temperature", "temperature (1: the posterior)", True),
        ("acceptance_rate", "acceptance rate", False),
        ("effective_sample_size", "effective sample size", False),
    )
    for ax, (column, label, log) in zip(axes, panels, strict=True):
        ax.plot(x, table[column], marker="o", color=POSTERIOR)
        ax.set_xlabel("generation")
        ax.set_title(label, fontsize=9)
        ax.set_xticks(list(x))
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(ticker.ScalarFormatter())
            ax.yaxis.set_minor_formatter(ticker.NullFormatter())
            ax.axhline(1, color="black", linewidth=0.8)
    axes[1].set_ylim(0, max(0.05, float(table["acceptance_rate"].max()) * 1.15))
    axes[2].axhline(population, color=PRIOR, linestyle="--", linewidth=0.8, label="population")
    axes[2].set_ylim(0, population * 1.1)
    axes[2].legend(fontsize=7)
    fig.suptitle("ABC-SMC: temperature, acceptance and effective sample size per generation")
    fig.tight_layout()
    return fig


def rank_histograms(ranks: pd.DataFrame, bins: int = 10):
    """Simulation-based calibration: per parameter, the truths' posterior quantiles. A
    calibrated posterior makes them uniform: every bar inside the band (95% of bars' counts
    under uniformity); a U shape is an overconfident posterior, a hump one too wide."""
    names = list(dict.fromkeys(ranks["parameter"]))
    columns = min(5, len(names))
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.8 * columns, 2.2 * rows), squeeze=False)
    truths = int(ranks["truth"].nunique())
    low, high = binom.ppf([0.025, 0.975], truths, 1 / bins)
    for ax, name in zip(axes.flat, names, strict=False):
        quantiles = ranks.loc[ranks["parameter"] == name, "quantile"]
        ax.axhspan(low, high, color=PRIOR, alpha=0.2, linewidth=0)
        ax.axhline(truths / bins, color=PRIOR, linewidth=0.8)
        ax.hist(quantiles, bins=bins, range=(0, 1), color=POSTERIOR, alpha=0.7)
        ax.set_title(style.words(name), fontsize=8)
        ax.set_xlim(0, 1)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.supxlabel("posterior quantile of the truth", fontsize=9)
    fig.suptitle(
        f"Simulation-based calibration, {truths} truths: ranks (bars) against uniform (band: "
        "95% of counts)"
    )
    fig.tight_layout()
    return fig


def coverage(table: pd.DataFrame):
    """Per parameter and over all: the share of truths inside the 50% and 90% credible
    intervals (95% interval of that share), against the nominal 50% and 90%."""
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(table) + 1.4))
    y = np.arange(len(table))[::-1]
    for level, colour, offset in ((50, style.OKABE_ITO["orange"], 0.15), (90, POSTERIOR, -0.15)):
        share = table[f"coverage_{level}"]
        errors = [share - table[f"coverage_{level}_low"], table[f"coverage_{level}_high"] - share]
        ax.errorbar(
            share, y + offset, xerr=errors, fmt="o", color=colour, capsize=2, label=f"{level}% CrI"
        )
        ax.axvline(level / 100, color=colour, linewidth=0.8, linestyle="--")
    ax.set_yticks(y, table["parameter"])
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("share of truths inside the central credible interval (dashed: nominal)")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("Coverage of the posterior's credible intervals")
    fig.tight_layout()
    return fig


def draw_sbc_figures(folder: Path) -> list[Path]:
    """The figures of a `python -m experiments.sbc` folder, from its tables, into
    ``folder/figures``: ``ranks.png`` and ``coverage.png``."""
    from analysis.results_folder import save_figure

    folder = Path(folder)
    made = []
    for name, figure in (
        ("ranks", rank_histograms(pd.read_csv(folder / "ranks.csv"))),
        ("coverage", coverage(pd.read_csv(folder / "coverage.csv"))),
    ):
        save_figure(figure, folder / "figures" / f"{name}.png")
        made.append(folder / "figures" / f"{name}.png")
    return made


if __name__ == "__main__":
    import sys

    for path in draw_sbc_figures(Path(sys.argv[1])):
        print(path)
