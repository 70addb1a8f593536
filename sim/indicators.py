"""The indicator: the true baseline behind a measured one, its drift without twinning, and
how a survey or routine system measures it.

Competence is on a 0-1 scale (one unit is the whole width of a topic's indicator scale); the
indicator is ``scale_min + span * competence`` in the topic's own units (topics.csv).
"""

import numpy as np


def drift(
    competence: np.ndarray,
    trend_per_month: np.ndarray,
    shock_scale: np.ndarray,
    random_bytes: np.ndarray,
    ceiling: np.ndarray,
) -> None:
    """Secular trend plus idiosyncratic shocks, bounded by 0 and each topic's ceiling.

    Shocks are ``shock_scale * (b - 127.5)`` with ``b`` a uniform random byte: bounded, mean
    zero, and a tenth of the cost of normal draws on the hot path.
    """
    competence += trend_per_month
    competence += shock_scale * (random_bytes - np.float32(127.5))
    np.clip(competence, 0.0, ceiling[None, :], out=competence)


def measure(
    competence: np.ndarray,
    scale_min: np.ndarray,
    span: np.ndarray,
    noise_sd: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """The indicator as a survey or routine system reports it: truth plus measurement noise."""
    measured = scale_min + span * competence + noise_sd * noise
    return np.clip(measured, scale_min, scale_min + span)


def true_baseline(
    observed: np.ndarray,
    applies: np.ndarray,
    kind: np.ndarray,
    noise_sd: np.ndarray,
    draws: np.ndarray,
) -> np.ndarray:
    """Draw true baseline indicators given the measured ones (normal-normal shrinkage).

    A measured value ``x`` with population mean ``m`` and spread ``s`` and noise ``e`` gives a
    true value ``m + r (x - m) + sqrt(r) e z`` with reliability ``r = 1 - e**2 / s**2``.
    Low measured scores are partly bad luck, which is what makes regression to the mean.
    """
    truth = observed.copy()
    for value in np.unique(kind):
        rows = kind == value
        columns = applies[rows].any(axis=0)
        cells = np.ix_(rows, columns)
        block = observed[cells]
        mean, var = block.mean(axis=0), block.var(axis=0)
        noise = noise_sd[columns]
        reliability = np.clip(1.0 - noise**2 / np.where(var > 0, var, np.inf), 0.0, 1.0)
        truth[cells] = (
            mean + reliability * (block - mean) + np.sqrt(reliability) * noise * draws[cells]
        )
    return np.where(applies, truth, np.nan)
