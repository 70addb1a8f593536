"""The posterior predictive check of `tpn validate --posterior`, and the evaluation's patterns.

**The check.** Each replication drew its parameters from the posterior and ran with its own seed,
so its outcomes are one draw of what an evaluation could have observed if the model and its
posterior are right. For each fitted target and each prediction the table gives the observed
value (where the evaluation reported one), the posterior predictive mean, the central 90% and 95%
intervals and the posterior predictive p-value, P(predicted >= observed) with ties counted half
(mid-p): near 0 or 1, the model with its posterior cannot produce what was observed; near 0.5,
it produces it easily. A fitted target's predicted observation is the run's value plus a draw of
the target's error (``sd``: what the model leaves out, the allowance the calibration made), so the
check asks exactly what the calibration assumed; a prediction has no such allowance.

**Patterns, not only means.** The evaluation reported more than three means: the group sizes,
the share of choosers and of comparison institutions that improved and declined, a z-test whose
P-value fell below .05, and how member hospitals that chose other topics fared. P-values are
shown as how often the test is significant at 5% across the runs, not as an interval on a P-value.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.uncertainty import variance_split
from experiments.replicate import DRAW
from experiments.targets import Target

SIGNIFICANCE = 0.05
HIGH_SIGNIFICANCE = 0.001  # the evaluation reported P < .001 for accreditation
HOW_TO_READ = (
    "Each run drew its parameters from the posterior and ran with its own seed: one draw of what "
    "the evaluation could have observed. p-value: P(predicted >= observed), ties counted half; "
    "near 0 or 1 the model with its posterior cannot produce the observation, near 0.5 it does "
    "easily. A fitted target's prediction includes its error sd (what the calibration allowed "
    "the model to miss)."
)


@dataclass(frozen=True)
class Observation:
    """A figure the evaluation reported that the model was not fitted to (``outcome``: a run
    outcome, or a pattern of :data:`PATTERNS` as ``<topic>.<pattern>``; 1 = it held)."""

    outcome: str
    observed: float
    description: str


# What the evaluation reported beside the fitted targets (Gasana et al. 2024).
OBSERVATIONS = (
    Observation("accreditation.choosers", 19, "member hospitals that chose accreditation"),
    Observation("accreditation.comparison", 19, "non-member hospitals compared with them"),
    Observation(
        "accreditation.other_members", 6, "member hospitals that chose other topics (25 - 19)"
    ),
    Observation("cbhi.choosers", 8, "districts that chose CBHI enrolment (8 of 30)"),
    Observation("cbhi.comparison", 22, "districts that did not choose CBHI (30 - 8)"),
    Observation(
        "accreditation.significant",
        1,
        "choosers' gain over non-members significant (P < .001, right-tailed z-test)",
    ),
    Observation("accreditation.highly_significant", 1, "the same test's P below .001"),
    Observation(
        "accreditation.others_improved_more",
        1,
        "the six hospitals that chose other topics improved more than the choosers (two very "
        "low 2021 scores moving back toward the average)",
    ),
)
OBSERVED = {o.outcome: o for o in OBSERVATIONS}
# Per topic: the distribution's numbers (measure, words), then patterns that hold or not.
MEASURES = (
    ("choosers", "choosers (group size)"),
    ("comparison", "comparison group (group size)"),
    ("other_members", "members that chose other topics (group size)"),
    ("share_improved", "share of choosers that improved"),
    ("share_declined", "share of choosers that declined"),
    ("comparison_share_improved", "share of the comparison group that improved"),
    ("comparison_share_declined", "share of the comparison group that declined"),
    ("other_members_change", "change of members that chose other topics"),
)
PATTERNS = (
    ("significant", "z-test significant at 5% (one-sided, as the paper computed it)"),
    ("highly_significant", "z-test P below .001"),
    ("others_improved_more", "members that chose other topics improved more than the choosers"),
)


def predictive_table(
    runs: pd.DataFrame, targets: list[Target], predictions: list[str], seed: int
) -> pd.DataFrame:
    """One row per fitted target, then per prediction: observed, posterior predictive mean,
    90% and 95% intervals, p-value and the share of the variance from the parameters."""
    errors = np.random.default_rng(seed).standard_normal((len(runs), len(targets)))
    rows = []
    for column, target in enumerate(targets):
        predicted = runs[target.outcome].to_numpy(dtype=float) + target.sd * errors[:, column]
        rows.append(
            _row("fitted target", target.name, target.outcome, target.observed, predicted, runs)
        )
    for outcome in predictions:
        observed = OBSERVED[outcome].observed if outcome in OBSERVED else float("nan")
        predicted = runs[outcome].to_numpy(dtype=float)
        rows.append(_row("prediction", outcome, outcome, observed, predicted, runs))
    return pd.DataFrame(rows)


def patterns_table(runs: pd.DataFrame, topics: list[str]) -> pd.DataFrame:
    """Per topic, the distribution beside what the evaluation observed: group sizes, shares
    that improved and declined, and patterns that hold in a share of the runs."""
    rows = []
    for topic in topics:
        for measure, words in MEASURES:
            outcome = f"{topic}.{measure}"
            observed = OBSERVED[outcome].observed if outcome in OBSERVED else float("nan")
            rows.append(
                {
                    "topic": topic,
                    "pattern": words,
                    **_row("distribution", outcome, outcome, observed, runs[outcome], runs),
                    "share_of_runs": float("nan"),
                }
            )
        for name, words in PATTERNS:
            key = f"{topic}.{name}"
            holds = _pattern(runs, topic, name)
            rows.append(
                {
                    "topic": topic,
                    "pattern": words,
                    "kind": "pattern",
                    "name": key,
                    "outcome": key,
                    "observed": OBSERVED[key].observed if key in OBSERVED else float("nan"),
                    "share_of_runs": float(holds.mean()),
                }
            )
    return pd.DataFrame(rows)


def _pattern(runs: pd.DataFrame, topic: str, name: str) -> np.ndarray:
    """Whether the pattern held in each run (an undefined test or change counts as not)."""
    if name in ("significant", "highly_significant"):
        level = SIGNIFICANCE if name == "significant" else HIGH_SIGNIFICANCE
        return (runs[f"{topic}.p_value"] < level).to_numpy()
    others, choosers = runs[f"{topic}.other_members_change"], runs[f"{topic}.chooser_change"]
    return (others > choosers).to_numpy()


def _row(kind, name, outcome, observed, predicted, runs: pd.DataFrame) -> dict:
    predicted = np.asarray(predicted, dtype=float)
    finite = predicted[~np.isnan(predicted)]
    quantiles = (
        np.quantile(finite, [0.05, 0.95, 0.025, 0.975]) if len(finite) else [float("nan")] * 4
    )
    split = variance_split(predicted, runs[DRAW].to_numpy()) if DRAW in runs else None
    return {
        "kind": kind,
        "name": name,
        "outcome": outcome,
        "observed": float(observed),
        "predictive_mean": float(finite.mean()) if len(finite) else float("nan"),
        "low_90": float(quantiles[0]),
        "high_90": float(quantiles[1]),
        "low_95": float(quantiles[2]),
        "high_95": float(quantiles[3]),
        "p_value": predictive_p_value(finite, observed),
        "share_parameters": split.share_parameters if split else float("nan"),
    }


def predictive_p_value(predicted: np.ndarray, observed: float) -> float:
    """P(predicted >= observed), ties counted half (mid-p); NaN without an observation."""
    if np.isnan(observed) or len(predicted) == 0:
        return float("nan")
    return float(np.mean(predicted > observed) + 0.5 * np.mean(predicted == observed))
