"""What each institution works on: its rising topics (priorities) and shining ones (strengths).

Choices see what facilitators saw: the *measured* baseline, never the true competence. Teams
rank between 2 and 5 priorities each (Gasana et al. 2024; how many, :func:`priority_counts`),
choose them where they measured low and where national priorities pull (``choice_appeal`` in
topics.csv), and name as strengths their best measured topics. A
priorities.csv in the world replaces the modelled choices with the real ones; a randomised
trial (``topic_assignment = "random"``) assigns them at random instead.
"""

from functools import lru_cache

import numpy as np

from sim.params import Scenario
from sim.world import World


def at_launch(
    scenario: Scenario,
    world: World,
    member: np.ndarray,
    z: np.ndarray,
    can_rise: np.ndarray,
    gumbel: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Rising and shining topics (N, K) of the members at launch.

    ``z`` is :func:`standardised` baseline, ``can_rise`` :func:`has_stronger_peer`, ``gumbel``
    one Gumbel draw per cell and ``rng`` the world stream (it draws how many priorities each
    team ranks; a trial on observed choices reshuffles them with it instead).
    """
    ctx, levers = scenario.context, scenario.design
    random = ctx.topic_assignment == "random"
    strengths = levers.strengths_per_institution
    if world.chosen_rising is not None:
        rising = world.chosen_rising & member[:, None]
        shining = world.chosen_shining & member[:, None]
        if random:
            rising = reassign_at_random(rising, world.kind, member, rng)
            shining = choose_strengths(z, world.applies, rising, strengths)
            shining &= member[:, None]
        return rising, shining
    applicable = world.applies.sum(axis=1)
    wanted = priority_counts(
        levers.priorities_per_institution, levers.priorities_range, len(world), rng
    )
    count = np.minimum(wanted, applicable - strengths).clip(0)
    pinned = {world.topics.index(t): n for t, n in scenario.evaluation.pinned_choosers.items()}
    # A trial assigns among every member the topic applies to, the best measured too:
    # leaving out who has no stronger peer would put the best in the control arm.
    eligible = world.applies if random else can_rise
    rising = choose_priorities(
        z,
        eligible & member[:, None],
        np.zeros(len(world.topics)) if random else world.topics.choice_appeal,
        0.0 if random else ctx.choice_selectivity,
        count,
        gumbel,
        pinned,
    )
    shining = choose_strengths(z, world.applies, rising, strengths)
    shining &= member[:, None]
    return rising, shining


def priority_counts(
    mean: float, bounds: tuple[int, int], teams: int, rng: np.random.Generator
) -> np.ndarray:
    """How many priorities each team ranks: the fewest of ``bounds`` plus a binomial draw over
    the rest of the range with the given ``mean``, one uniform per team and step of the range
    (so the draws, and with them the world stream, do not depend on the mean)."""
    fewest, most = bounds
    steps = most - fewest
    share = (mean - fewest) / steps if steps else 0.0
    return fewest + (rng.random((teams, steps)) < share).sum(axis=1)


@lru_cache(maxsize=16)
def standardised_baseline(world: World) -> np.ndarray:
    """:func:`standardised` of the world's measured baseline, read-only: it depends on the
    world alone, and every model built on the world (a run and its counterfactual, every
    replication) reads it, so it is computed once a world (a world compares by identity)."""
    z = standardised(world.baseline, world.applies, world.kind)
    z.flags.writeable = False
    return z


def standardised(observed: np.ndarray, applies: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Baseline z-scores within each topic and kind of institution (NaN where not applicable)."""
    z = np.full(observed.shape, np.nan)
    for value in np.unique(kind):
        rows = kind == value
        columns = applies[rows].any(axis=0)
        block = observed[np.ix_(rows, columns)]
        sd = block.std(axis=0)
        z[np.ix_(rows, columns)] = (block - block.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return np.where(applies, z, np.nan)


def has_stronger_peer(observed: np.ndarray, applies: np.ndarray, member: np.ndarray) -> np.ndarray:
    """(N, K): some other member measured strictly higher in the topic."""
    masked = np.where(applies & member[:, None], observed, -np.inf)
    best = masked.max(axis=0)
    return applies & (observed < best[None, :])


def choose_priorities(
    z: np.ndarray,
    eligible: np.ndarray,
    appeal: np.ndarray,
    selectivity: float,
    count: np.ndarray,
    gumbel: np.ndarray,
    pinned: dict[int, int] | None = None,
) -> np.ndarray:
    """Rising topics: institution ``i`` takes ``count[i]`` eligible topics, without replacement.

    Choice probabilities follow a logit in ``appeal - selectivity * z`` (low measured scores and
    national priorities attract), sampled with the Gumbel-top-k trick so the whole world is
    drawn at once. ``pinned`` maps a topic to the exact number of institutions that take it:
    those most drawn to it (highest utility), so selection works as without pinning.
    """
    utility = appeal[None, :] - selectivity * np.nan_to_num(z) + gumbel
    utility = np.where(eligible, utility, -np.inf)
    eligible = eligible.copy()
    for topic, takers in (pinned or {}).items():
        column = utility[:, topic]
        ranked = np.argsort(-column, kind="stable")[: min(takers, int(eligible[:, topic].sum()))]
        chosen = np.zeros(len(column), dtype=bool)
        chosen[ranked] = True
        utility[:, topic] = np.where(chosen, np.inf, -np.inf)
        eligible[:, topic] &= chosen  # nobody else takes it, however many priorities it wants
    order = np.argsort(-utility, axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(z.shape[1])[None, :], axis=1)
    return eligible & (rank < count[:, None])


def reassign_at_random(
    chosen: np.ndarray, kind: np.ndarray, member: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A randomised trial on observed choices: members of a kind swap their sets of rising
    topics at random, so each topic keeps its number of takers and each set its size, but who
    takes it no longer depends on the institution."""
    assigned = chosen.copy()
    for value in np.unique(kind):
        rows = np.flatnonzero((kind == value) & member)
        assigned[rows] = chosen[rng.permutation(rows)]
    return assigned


def choose_strengths(
    z: np.ndarray, applies: np.ndarray, rising: np.ndarray, count: int
) -> np.ndarray:
    """Shining topics: the ``count`` best measured topics that are not rising."""
    score = np.where(applies & ~rising, np.nan_to_num(z), -np.inf)
    order = np.argsort(-score, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(z.shape[1])[None, :], axis=1)
    return applies & ~rising & (rank < count)
