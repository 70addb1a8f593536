"""The indicator: the true baseline behind a measured one, its drift without twinning, and
how a survey or routine system measures it.

Competence is on a 0-1 scale (one unit is the whole width of a topic's indicator scale); the
indicator is ``scale_min + span * competence`` in the topic's own units (topics.csv).
"""

from functools import lru_cache

import numpy as np

from sim.world import World


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
    # np.clip's result without its Python-level checks (4 µs instead of 7 on 74 x 12 cells)
    np.maximum(competence, 0.0, out=competence)
    np.minimum(competence, ceiling, out=competence)


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


def true_baseline(shrinkage: tuple[np.ndarray, np.ndarray], draws: np.ndarray) -> np.ndarray:
    """Draw true baseline indicators given the measured ones: ``centre + spread * draws`` with
    ``shrinkage`` = :func:`baseline_shrinkage` and one standard normal draw per cell."""
    centre, spread = shrinkage
    return centre + spread * draws


@lru_cache(maxsize=16)
def world_shrinkage(world: World) -> tuple[np.ndarray, np.ndarray]:
    """:func:`baseline_shrinkage` of the world's measured baseline, read-only: every model built
    on the world (a run and its counterfactual, every replication) draws from it, so it is
    computed once a world (a world compares by identity)."""
    return baseline_shrinkage(
        world.baseline, world.applies, world.kind, world.topics.measurement_noise_sd
    )


def baseline_shrinkage(
    observed: np.ndarray, applies: np.ndarray, kind: np.ndarray, noise_sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where the true baseline lies given the measured one (normal-normal shrinkage): returns
    its mean and SD per cell, NaN where a topic does not apply. It depends on the world alone,
    so a caller may compute it once and draw from it for every seed (:func:`true_baseline`).

    A measured value ``x`` with population mean ``m`` and spread ``s`` and noise ``e`` gives a
    true value ``m + r (x - m) + sqrt(r) e z`` with reliability ``r = 1 - e**2 / s**2``.
    Low measured scores are partly bad luck, which is what makes regression to the mean.
    """
    centre = observed.copy()
    spread = np.zeros(observed.shape)
    for value in np.unique(kind):
        rows = kind == value
        columns = applies[rows].any(axis=0)
        cells = np.ix_(rows, columns)
        block = observed[cells]
        mean, var = block.mean(axis=0), block.var(axis=0)
        noise = noise_sd[columns]
        reliability = np.clip(1.0 - noise**2 / np.where(var > 0, var, np.inf), 0.0, 1.0)
        centre[cells] = mean + reliability * (block - mean)
        spread[cells] = np.sqrt(reliability) * noise
    centre[~applies] = np.nan
    for array in (centre, spread):
        array.flags.writeable = False
    return centre, spread
