"""How know-how moves: what an activity teaches, how teams absorb and implement it, and what
staff turnover takes away; vectorised over institutions.

State lives in arrays of shape (N institutions, K topics), all in competence units (0-1; one unit
is the whole width of a topic's indicator scale). Know-how ``k`` is what staff learned and have
not yet built into routines; competence ``c`` is institutional and drives the indicator.
"""

import numpy as np

from sim.activity_kinds import ActivityKind
from sim.by_replication import of_rows


def staff_retained_a_year(turnover: np.ndarray) -> np.ndarray:
    """Share of staff still in post after a year, ``(1 - monthly turnover)**12``."""
    return (1.0 - turnover) ** 12


def absorptive_capacity(leadership: np.ndarray, retained: np.ndarray, floor) -> np.ndarray:
    """How much of a lesson a team takes in: committed leaders and stable staff absorb more.

    ``(floor + (1 - floor) * leadership) * retained``, with ``retained`` from
    :func:`staff_retained_a_year` and ``floor`` the ``absorptive_floor`` (one number, or one
    per institution).
    """
    commitment = floor + (1.0 - floor) * leadership
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
    competence: np.ndarray, knowhow: np.ndarray, leadership: np.ndarray, rate, floor
) -> None:
    """Turn a share of know-how into institutional competence; committed leaders go faster.

    ``rate * (floor + (1 - floor) * leadership)`` a month, with ``implementation_rate`` and
    ``implementation_floor`` one number or one per institution. The arithmetic is in
    ``leadership``'s precision (float32 in a model), each parameter rounded to it once, as
    numpy rounds a Python number combined with an array."""
    precision = leadership.dtype
    rate, floor, rest = (np.asarray(x).astype(precision) for x in (rate, floor, 1.0 - floor))
    speed = rate * (floor + rest * leadership)
    moved = knowhow * speed[:, None]
    competence += moved
    knowhow -= moved


def lose_knowhow(knowhow: np.ndarray, departed_share: np.ndarray) -> None:
    """Staff who leave take their know-how; institutionalised competence stays."""
    knowhow *= (1.0 - departed_share)[:, None]


def delivery_ratio(ctx, kind: ActivityKind, virtual: np.ndarray, blocks=None) -> np.ndarray:
    """Efficacy of each activity relative to the kind held in person: ``virtual_delivery_ratio``
    for one held virtually instead of in person, else 1 (a kind that is only ever virtual, such
    as the virtual learning event, has its virtual efficacy as its own). ``ctx``: a
    :class:`Context`, or a batch's (:mod:`sim.by_replication`) with ``blocks`` the replication
    of each activity."""
    instead_of_in_person = np.logical_and(virtual, kind.delivery != "virtual")
    return np.where(instead_of_in_person, of_rows(ctx.virtual_delivery_ratio, blocks), 1.0)


def efficacy(ctx, kind: ActivityKind, virtual: np.ndarray, blocks=None) -> np.ndarray:
    """Share of the gap to the teacher one activity closes: the kind's efficacy parameter,
    times ``learning_scale``, times its :func:`delivery_ratio`."""
    scale = of_rows(ctx.learning_scale, blocks) * of_rows(getattr(ctx, kind.efficacy), blocks)
    return scale * delivery_ratio(ctx, kind, virtual, blocks)
