"""The mean of replications with its 95% interval: the one summary experiments need.

Which interval depends on where the runs' parameters came from, and every table says which in
words (:func:`interval_kind`):

- one parameter set (the scenario's): the t-interval of the *mean* over replications. It
  carries chance only (seed noise) and shrinks as replications are added; use it to compare
  designs run on common seeds.
- parameter sets drawn from a posterior (:mod:`experiments.posterior`, ``D`` draws x ``m``
  seeds): where the *expected* outcome lies across the parameter sets the data leave plausible
  (:func:`draw_interval`). It carries the parameters' uncertainty, which does not shrink with
  more draws (it is what nobody knows), and the Monte Carlo error of the mean, which does.

The variance of one run splits into a part from the parameters and a part from chance (law of
total variance), estimated by a balanced or unbalanced one-way random-effects model over the
draws (:func:`variance_components`; :mod:`analysis.uncertainty` reads it for the tables).

Sweeps, the optimiser and every table of many runs use :func:`outcome_interval`;
:mod:`analysis.stats` builds its tables on it. A single run has no interval.
"""

import numpy as np
from scipy import stats

CHANCE_INTERVAL = "95% CI of the mean, chance only"
PARAMETER_INTERVAL = "95% over plausible parameters"
NAN = float("nan")


def interval_kind(drawn: bool) -> str:
    """Words for the interval :func:`outcome_interval` gives, for a column header or title."""
    return PARAMETER_INTERVAL if drawn else CHANCE_INTERVAL


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-interval; NaN values are dropped. One value has no interval (NaN bounds):
    a zero-width interval would claim a certainty a single run cannot give."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return (NAN,) * 3
    mean = float(values.mean())
    if len(values) < 2:
        return mean, NAN, NAN
    half = float(t_half_width(values.std(ddof=1), len(values), level))
    return mean, mean - half, mean + half


def t_half_width(sd, count, level: float = 0.95):
    """Half-width of the t-interval of a mean of ``count`` values with standard deviation ``sd``
    (arrays welcome: one per group); NaN below two values."""
    count = np.asarray(count, dtype=float)
    freedom = np.where(count >= 2, count - 1, np.nan)
    return stats.t.ppf(0.5 + level / 2, freedom) * sd / np.sqrt(count)


def grouped_mean_intervals(groups, level: float = 0.95) -> tuple:
    """:func:`mean_interval` of every column of every group of a pandas ``groupby``, in one pass
    (a sweep has up to 100,000 points): frames of means, lower and upper bounds."""
    means, sds, counts = groups.mean(), groups.std(ddof=1), groups.count()
    half = t_half_width(sds.to_numpy(dtype=float), counts.to_numpy(dtype=float), level)
    return means, means - half, means + half


def draw_groups(values: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parameter set: the number of runs, their mean and their sum of squared deviations
    from it (NaN values dropped; sets in the order of their labels)."""
    values = np.asarray(values, dtype=float)
    kept = ~np.isnan(values)
    _, group = np.unique(np.asarray(draws)[kept], return_inverse=True)
    values = values[kept]
    sizes = np.bincount(group)
    means = np.bincount(group, values) / np.maximum(sizes, 1)
    squares = np.bincount(group, (values - means[group]) ** 2)
    return sizes, means, squares


def variance_components(values: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    """The variance of one run split by the law of total variance, ``(parameters, chance)``:
    ``Var Y = Var_theta E[Y | theta] + E_theta Var[Y | theta]`` (the outcome's unit squared).

    The one-way random-effects (ANOVA) estimator over runs grouped by draw: ``chance`` is the
    pooled within-draw variance (each draw's sample variance, ddof 1, weighted by its degrees of
    freedom). The variance of the draws' means (ddof 1) estimates the parameters' part plus
    ``chance / m`` (each mean still carries the chance of its ``m`` seeds), so ``parameters`` is
    that variance minus ``chance`` x mean(1/m), clipped at 0: an estimate below 0 means the
    draws differ no more than chance alone would make them. NaN runs are left out; without two
    draws and at least one draw of two runs, both parts are NaN."""
    sizes, means, squares = draw_groups(values, draws)
    freedom = int((sizes - 1).sum())
    if len(means) < 2 or freedom < 1:
        return NAN, NAN
    chance = float(squares.sum() / freedom)
    between = float(means.var(ddof=1)) - chance * float((1 / sizes).mean())
    return max(between, 0.0), chance


def draw_interval(
    values: np.ndarray, draws: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean over the draws' means, and the central ``level`` interval of the expected outcome
    over the plausible parameter sets.

    Each draw's mean over its ``m`` seeds estimates the expected outcome at its parameters, but
    still carries chance (variance ``chance / m``): with two seeds, quantiles of the raw means
    would be mostly chance. So each mean is first shrunk toward the overall mean by
    ``sqrt(parameters / (parameters + chance / m))`` (:func:`variance_components`), which leaves
    the spread the parameters make, and the interval is the central ``level`` of the shrunk
    means, each end moved out by the Monte Carlo error of the overall mean (t quantile x the sd
    of the draws' means / sqrt(D)). With no parameter variance it is the t-interval of the mean
    over the draws; with much, the spread of the parameters' effect. Fewer than two draws (or no
    draw with two runs) give no interval; NaN values are dropped."""
    sizes, means, _ = draw_groups(values, draws)
    if len(means) == 0:
        return (NAN,) * 3
    mean = float(means.mean())
    parameters, chance = variance_components(values, draws)
    if np.isnan(parameters):
        return mean, NAN, NAN
    total = parameters + chance / sizes
    shrink = np.sqrt(np.divide(parameters, total, out=np.zeros_like(total), where=total > 0))
    expected = mean + shrink * (means - mean)
    low, high = np.quantile(expected, [(1 - level) / 2, (1 + level) / 2])
    error = stats.t.ppf(0.5 + level / 2, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    return mean, float(low - error), float(high + error)


def outcome_interval(
    values: np.ndarray, draws: np.ndarray | None = None, level: float = 0.95
) -> tuple[float, float, float]:
    """The interval a table shows: over the draws when the runs drew their parameters
    (``draws``: each run's parameter set), else the t-interval of the mean."""
    if draws is None:
        return mean_interval(values, level)
    return draw_interval(values, draws, level)
