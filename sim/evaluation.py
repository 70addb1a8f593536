"""The evaluation's statistics, as Gasana et al. (2024) computed them.

Choosers of a topic are compared with a comparison group (non-member institutions where there
are any, otherwise members that did not choose the topic) on the change of the *measured*
indicator between baseline and endline, with a right-tailed two-sample z-test.

Every statistic is taken for all topics at once: ``values`` are (N, K) cells and each group a
(N, K) mask, one column per topic. A run's outcomes take about thirty of them a topic, and on
arrays of a few dozen institutions numpy's cost is per call, not per cell (issue #15). Cells
outside a group are never read, NaN included. A group's sum is the column's sum with the cells
outside it counted as zero, so a mean agrees with ``np.mean`` of the group's values to rounding
(a few units in the last place), not always to the last bit.
"""

import numpy as np
from scipy.special import ndtr


def column_means(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """(K,) mean of each column's values over its group; NaN for an empty group."""
    return _divide(np.where(groups, values, 0.0).sum(axis=0), groups.sum(axis=0))


def column_variances(values: np.ndarray, groups: np.ndarray, ddof: int = 0) -> np.ndarray:
    """(K,) variance of each column's values over its group (squared deviations from the
    group's mean over ``count - ddof``, as ``np.var``); NaN for no more than ``ddof`` values."""
    count = groups.sum(axis=0)
    deviation = np.where(groups, values - column_means(values, groups), 0.0)
    squares = (deviation * deviation).sum(axis=0)
    return _divide(squares, count - ddof, defined=count > ddof)


def right_tailed_z_tests(
    values: np.ndarray, treated: np.ndarray, comparison: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(K,) z and p-value per column. H1: the treated group's mean exceeds the comparison's;
    unequal variances (ddof=1). NaN where a group has fewer than two values or both have none
    of spread."""
    n_treated, n_comparison = treated.sum(axis=0), comparison.sum(axis=0)
    standard_error = np.sqrt(
        _divide(column_variances(values, treated, 1), n_treated)
        + _divide(column_variances(values, comparison, 1), n_comparison)
    )
    difference = column_means(values, treated) - column_means(values, comparison)
    defined = (n_treated >= 2) & (n_comparison >= 2) & (standard_error > 0)
    z = _divide(difference, standard_error, defined=defined)
    # ndtr(-z) is the normal upper tail, as norm.sf computes it, without the distribution's overhead
    return z, ndtr(-z)


def comparison_group(
    member: np.ndarray, applies: np.ndarray, chose: np.ndarray, rule: str = "auto"
) -> tuple[np.ndarray, str]:
    """The choosers' comparison group under ``rule`` (``auto``: non-members of the topic's kind
    if there are at least two, else members that did not choose, as the evaluation did), for one
    topic's columns (N,); :func:`comparison_groups` gives every topic's."""
    groups, by_non_members = comparison_groups(member, applies[:, None], chose[:, None], rule)
    return groups[:, 0], "non_members" if by_non_members[0] else "non_choosers"


def comparison_groups(
    member: np.ndarray, applies: np.ndarray, chose: np.ndarray, rule: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`comparison_group` topic by topic: (N, K) groups and, per topic, whether the group
    is the non-members."""
    non_members = applies & ~member[:, None]
    by_non_members = np.full(applies.shape[1], rule == "non_members")
    if rule == "auto":
        by_non_members = non_members.sum(axis=0) >= 2
    non_choosers = applies & member[:, None] & ~chose
    return np.where(by_non_members, non_members, non_choosers), by_non_members


def _divide(top: np.ndarray, bottom: np.ndarray, defined: np.ndarray | None = None) -> np.ndarray:
    """``top / bottom`` where ``defined`` (default: where ``bottom`` is not zero), else NaN."""
    defined = bottom != 0 if defined is None else defined
    return np.divide(top, bottom, out=np.full(np.shape(top), np.nan), where=defined)
