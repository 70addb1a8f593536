"""The evaluation's statistics, as Gasana et al. (2024) computed them.

Choosers of a topic are compared with a comparison group (non-member institutions where there
are any, otherwise members that did not choose the topic) on the change of the *measured*
indicator between baseline and endline, with a right-tailed two-sample z-test.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float


def right_tailed_z_test(treated: np.ndarray, comparison: np.ndarray) -> ZTest:
    """H1: the treated group's mean exceeds the comparison's; unequal variances (ddof=1)."""
    if len(treated) < 2 or len(comparison) < 2:
        return ZTest(float("nan"), float("nan"))
    standard_error = np.sqrt(
        variance(treated, ddof=1) / len(treated) + variance(comparison, ddof=1) / len(comparison)
    )
    if standard_error == 0:
        return ZTest(float("nan"), float("nan"))
    z = (treated.sum() / len(treated) - comparison.sum() / len(comparison)) / standard_error
    # ndtr(-z) is the normal upper tail, as norm.sf computes it, without the distribution's overhead
    return ZTest(float(z), float(ndtr(-z)))


def variance(values: np.ndarray, ddof: int = 0) -> float:
    """``np.var`` of a 1-D array, the same arithmetic to the last bit (mean, squared deviations,
    their sum over ``n - ddof``) without its dispatch: a run's outcomes take three dozen.
    NaN when there are no more than ``ddof`` values."""
    count = len(values)
    if count <= ddof:
        return float("nan")
    deviation = values - values.sum() / count
    return float((deviation * deviation).sum() / (count - ddof))


def comparison_group(
    member: np.ndarray, applies: np.ndarray, chose: np.ndarray, rule: str = "auto"
) -> tuple[np.ndarray, str]:
    """The choosers' comparison group under ``rule`` (``auto``: non-members of the topic's kind
    if there are at least two, else members that did not choose, as the evaluation did)."""
    non_members = applies & ~member
    if rule == "non_members" or (rule == "auto" and non_members.sum() >= 2):
        return non_members, "non_members"
    return applies & member & ~chose, "non_choosers"
