"""The mean of replications with its 95% t-interval: the one summary experiments need.

Sweeps, the optimiser and every table of many runs use this interval of the *mean* (to compare
designs); :mod:`analysis.stats` builds its tables on it. A single run has no interval.
"""

import numpy as np
from scipy import stats


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-interval; NaN values are dropped. One value has no interval (NaN bounds):
    a zero-width interval would claim a certainty a single run cannot give."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return (float("nan"),) * 3
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - float(half), mean + float(half)
