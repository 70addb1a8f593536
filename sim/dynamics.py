"""The monthly arithmetic of learning, implementation, turnover and drift, vectorised over agents.

State lives in arrays of shape (N institutions, K topics), all in competence units (0-1; one unit
is the whole width of a topic's indicator scale). Know-how ``k`` is what staff learned and have
not yet built into routines; competence ``c`` is institutional and drives the indicator.
"""

import numpy as np

from sim.params import Context


def staff_retained_a_year(turnover: np.ndarray) -> np.ndarray:
    """Share of staff still in post after a year, ``(1 - monthly turnover)**12``."""
    return (1.0 - turnover) ** 12


def absorptive_capacity(leadership: np.ndarray, retained: np.ndarray, ctx: Context) -> np.ndarray:
    """How much of a lesson a team takes in: committed leaders and stable staff absorb more.

    ``(floor + (1 - floor) * leadership) * retained``, with ``retained`` from
    :func:`staff_retained_a_year`.
    """
    commitment = ctx.absorptive_floor + (1.0 - ctx.absorptive_floor) * leadership
    return commitment * retained


def learn(
    competence: np.ndarray,
    knowhow: np.ndarray,
    ceiling: np.ndarray,
    learner: np.ndarray,
    teacher: np.ndarray,
    topic: np.ndarray,
    efficacy: np.ndarray,
    absorptive: np.ndarray,
    similarity: np.ndarray,
) -> np.ndarray:
    """Add know-how to learners in proportion to their gap to the teacher; returns the gains.

    ``gain = efficacy * absorptive[learner] * similarity * max(0, c[teacher] - c[learner] - k[learner])``.
    (learner, topic) pairs must be unique within one call; know-how never lifts competence plus
    know-how above the topic's ceiling.
    """
    gap = competence[teacher, topic] - competence[learner, topic] - knowhow[learner, topic]
    gain = efficacy * absorptive[learner] * similarity * np.maximum(gap, 0.0)
    room = np.maximum(ceiling[topic] - competence[learner, topic] - knowhow[learner, topic], 0.0)
    gain = np.minimum(gain, room)
    knowhow[learner, topic] += gain
    return gain


def implement(
    competence: np.ndarray, knowhow: np.ndarray, leadership: np.ndarray, ctx: Context
) -> None:
    """Turn a share of know-how into institutional competence; committed leaders go faster."""
    speed = ctx.implementation_rate * (
        ctx.implementation_floor + (1.0 - ctx.implementation_floor) * leadership
    )
    moved = knowhow * speed[:, None]
    competence += moved
    knowhow -= moved


def lose_knowhow(knowhow: np.ndarray, departed_share: np.ndarray) -> None:
    """Staff who leave take their know-how; institutionalised competence stays."""
    knowhow *= (1.0 - departed_share)[:, None]


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
