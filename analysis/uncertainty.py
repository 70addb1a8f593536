"""Where a result's uncertainty comes from, and what it means for a choice between scenarios.

With a posterior, replications are ``D`` parameter draws x ``m`` seeds
(:mod:`experiments.posterior`), so each run's outcome ``Y`` varies for two reasons: the
parameters nobody knows (``theta``, one per draw) and chance (the seed). The law of total
variance splits them::

    Var Y = Var_theta E[Y | theta]  +  E_theta Var[Y | theta]
            (from the parameters)      (from chance)

A decision between scenarios is read over the draws: replication ``r`` of every scenario ran
with the same parameter set and seed, so for each draw the scenarios' means are compared in the
same plausible world. The probability that a scenario beats the first is the share of draws in
which it does better (the direction from the outcome registry's ``higher_is_better``); the
expected loss of choosing it is the mean, over draws, of how far it falls short of the best
scenario of that draw, in the outcome's unit (0: it is the best in every plausible world).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import style
from experiments.replicate import DRAW
from experiments.summary import variance_components
from sim.outcome_registry import outcome as outcome_record

NAN = float("nan")


@dataclass(frozen=True)
class VarianceSplit:
    """Variance of one run's outcome, split by the law of total variance (outcome's unit^2)."""

    parameters: float  # Var_theta E[Y | theta]: how the expected outcome moves between draws
    chance: float  # E_theta Var[Y | theta]: how one run scatters around its draw's expectation

    @property
    def total(self) -> float:
        return self.parameters + self.chance

    @property
    def share_parameters(self) -> float:
        """The part of the variance from the parameters, 0 to 1 (NaN without any variance)."""
        return self.parameters / self.total if self.total > 0 else NAN


def variance_split(values: np.ndarray, draws: np.ndarray) -> VarianceSplit:
    """The parameters' and chance's parts of one run's variance, from runs grouped by draw
    (the one-way random-effects estimator of :func:`experiments.summary.variance_components`:
    chance = pooled within-draw variance; parameters = variance of the draws' means minus
    chance / m, clipped at 0)."""
    return VarianceSplit(*variance_components(values, draws))


def draw_means(runs: pd.DataFrame, names: list[str], outcome: str) -> pd.DataFrame:
    """One row per draw, one column per scenario: the outcome's mean over the draw's seeds."""
    wide = runs.groupby([DRAW, "scenario"])[outcome].mean().unstack("scenario")
    return wide[names]


def decisions(means: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per scenario (the columns of ``means``, the first one the reference; one row per draw,
    as :func:`draw_means` gives): the probability over draws that it beats the first (NaN for
    the first) and the expected loss of choosing it; both NaN for an outcome with no better
    direction. A draw where any scenario has no value is left out."""
    names = list(means.columns)
    oriented = _oriented(means, outcome)
    if oriented is None:
        return pd.DataFrame(
            {"scenario": names, "probability_beats_first": NAN, "expected_loss": NAN}
        )
    first, best = oriented[names[0]], oriented.max(axis=1)
    return pd.DataFrame(
        {
            "scenario": names,
            "probability_beats_first": [
                NAN if name == names[0] else float((oriented[name] > first).mean())
                for name in names
            ],
            "expected_loss": [float((best - oriented[name]).mean()) for name in names],
        }
    )


def beats_sentences(runs: pd.DataFrame, names: list[str], designs: list[str], outcome: str):
    """Plain sentences for a planner: how often the first scenario beats each other one on
    ``outcome`` over the plausible worlds (posterior draws), each scenario named in words as
    the summary names it (:mod:`analysis.conclusions`), e.g. "tpn 2021 (network design) beats
    dyad (dyad design) on causal gain summed over members in 93% of plausible worlds"."""

    oriented = _oriented(draw_means(runs, names, outcome), outcome)
    if oriented is None:
        return []
    record = outcome_record(outcome)
    label = record.label[:1].lower() + record.label[1:]
    if record.topic:
        label = f"{record.topic}: {label}"
    first = style.scenario_words(names[0], designs[0])
    return [
        f"{first} beats {style.scenario_words(name, design)} on {label} in "
        f"{float((oriented[names[0]] > oriented[name]).mean()):.0%} of {len(oriented)} "
        "plausible worlds (posterior draws)."
        for name, design in zip(names[1:], designs[1:], strict=True)
    ]


def _oriented(means: pd.DataFrame, outcome: str) -> pd.DataFrame | None:
    """``means`` turned so that more is better, draws without every value left out; None for
    an outcome that has no better direction."""
    better = outcome_record(outcome).higher_is_better
    if better is None:
        return None
    return means.dropna() * (1 if better else -1)
