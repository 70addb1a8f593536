"""Who learns from whom: priorities, strengths and the twinning ties of each design.

Matching sees what facilitators saw: the *measured* baseline (``observed``), never the true
competence. A tie is (learner, host, topic); a partnership is a (learner, host) pair, the unit
that receives exchange visits. Every design keeps at most one active tie per (learner, topic).
"""

from functools import cached_property

import numpy as np

from sim.params import DesignLevers


class Ties:
    """Twinning ties as parallel arrays; appended to when a notified priority switch rematches.

    ``slot[learner, topic]`` is the index of that pair's active tie, or -1: ending or finding a
    tie costs one lookup, however many ties the world has. Storage grows by doubling, so a
    rematch does not copy every tie.
    """

    COLUMNS = ("learner", "host", "topic")

    def __init__(self, institutions: int, topics: int) -> None:
        self.slot = np.full((institutions, topics), -1, dtype=np.int64)
        self._size = 0
        self._store = {name: np.zeros(16, dtype=np.int64) for name in self.COLUMNS}
        self._active = np.zeros(16, dtype=bool)

    def __len__(self) -> int:
        return self._size

    @property
    def learner(self) -> np.ndarray:
        return self._store["learner"][: self._size]

    @property
    def host(self) -> np.ndarray:
        return self._store["host"][: self._size]

    @property
    def topic(self) -> np.ndarray:
        return self._store["topic"][: self._size]

    @property
    def active(self) -> np.ndarray:
        return self._active[: self._size]

    def append(self, learner, host, topic) -> None:
        values = {
            name: np.atleast_1d(np.asarray(v, dtype=np.int64))
            for name, v in zip(self.COLUMNS, (learner, host, topic), strict=True)
        }
        count = values["learner"].size
        first, end = self._size, self._size + count
        if end > len(self._active):
            capacity = max(2 * len(self._active), end)
            for name in self.COLUMNS:
                self._store[name] = np.resize(self._store[name], capacity)
            self._active = np.resize(self._active, capacity)
        for name in self.COLUMNS:
            self._store[name][first:end] = values[name]
        self._active[first:end] = True
        self._size = end
        self.slot[values["learner"], values["topic"]] = np.arange(first, end)

    def of_partnerships(
        self, learners: np.ndarray, hosts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Active ties of the given (learner, host) pairs: tie indices and the pair of each."""
        slots = self.slot[learners]  # (pairs, K)
        safe = np.maximum(slots, 0)
        match = (slots >= 0) & (self.host[safe] == hosts[:, None]) if self._size else slots >= 0
        pair, column = np.nonzero(match)
        return slots[pair, column], pair

    def partnerships(self) -> tuple[np.ndarray, np.ndarray]:
        """Unique (learner, host) pairs of active ties, and each active tie's partnership index."""
        pairs = np.stack([self.learner, self.host], axis=1)[self.active]
        unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
        return unique, inverse.reshape(-1)


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
    for topic, takers in (pinned or {}).items():
        column = utility[:, topic]
        ranked = np.argsort(-column, kind="stable")[: min(takers, int(eligible[:, topic].sum()))]
        chosen = np.zeros(len(column), dtype=bool)
        chosen[ranked] = True
        utility[:, topic] = np.where(chosen, np.inf, -np.inf)
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


class Matcher:
    """Finds hosts for (learner, topic) requests under one design, tracking hosts' load."""

    def __init__(
        self,
        levers: DesignLevers,
        observed: np.ndarray,
        applies: np.ndarray,
        member: np.ndarray,
        shining: np.ndarray,
        province: np.ndarray,
        similarity: "callable",
        distance_km: "callable",
    ) -> None:
        self.levers = levers
        self.observed = observed
        self.eligible_host = applies & member[:, None]
        self.shining = shining
        self.province = province
        self.similarity = similarity
        self.distance_km = distance_km
        self.load = np.zeros(len(member), dtype=np.int64)
        self.over_capacity = 0
        self.partner = np.full(len(member), -1)

    def host_for(self, learner: int, topic: int) -> int:
        """The host of a new tie, or -1 when no stronger peer can take the learner."""
        design = self.levers.design
        if design == "dyad":
            partner = self.partner[learner]
            stronger = (
                partner >= 0 and self.observed[partner, topic] > self.observed[learner, topic]
            )
            return int(partner) if stronger else -1
        candidates = self._stronger(learner, topic)
        if design == "provincial":
            candidates = candidates[self.province[candidates] == self.province[learner]]
        if len(candidates) == 0:
            return -1
        if design in ("provincial", "hub"):
            return int(candidates[0])  # the best measured (pools are sorted best first)
        # Facilitators prefer a shining host with room; when every stronger peer is full they
        # still give the learner one (DOMAIN.md: always a high performer to learn from), the
        # least loaded, and the overload is counted.
        load = self.load[candidates]
        pick = load < self.levers.host_capacity
        if not pick.any():
            pick = load == load.min()
            self.over_capacity += 1
        shining = pick & self.shining[candidates, topic]
        candidates = candidates[shining if shining.any() else pick]
        if self.levers.matching_rule == "best":
            host = int(candidates[0])  # pools are sorted best measured first
        else:
            host = int(candidates[np.argmax(self._score(learner, topic, candidates))])
        self.load[host] += 1
        return host

    def withdraw(self, gone: np.ndarray) -> None:
        """Institutions that stopped twinning (``gone``, a mask) host no new ties, and a dyad
        whose partner stopped has no partner to rematch with."""
        self.eligible_host &= ~gone[:, None]
        self.__dict__.pop("_pools", None)  # rebuilt from the remaining hosts when next needed
        partner_gone = (self.partner >= 0) & gone[np.maximum(self.partner, 0)]
        self.partner[partner_gone] = -1

    def _stronger(self, learner: int, topic: int) -> np.ndarray:
        """Eligible hosts measured strictly above the learner, best first."""
        pool, descending = self._pools[topic]
        return pool[: descending.searchsorted(-self.observed[learner, topic])]

    @cached_property
    def _pools(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per topic, the members it applies to, best measured first (stable on ties), with
        their negated scores for binary search."""
        pools = []
        for topic in range(self.observed.shape[1]):
            rows = np.flatnonzero(self.eligible_host[:, topic])
            rows = rows[np.argsort(-self.observed[rows, topic], kind="stable")]
            pools.append((rows, -self.observed[rows, topic]))
        return pools

    def _score(self, learner: int, topic: int, candidates: np.ndarray) -> np.ndarray:
        """Higher is better under the similar and nearest rules; the measured score breaks ties."""
        measured = self.observed[candidates, topic]
        if self.levers.matching_rule == "similar":
            return self.similarity(learner, candidates) + 1e-6 * measured
        return -self.distance_km(learner, candidates) + 1e-6 * measured

    def pair_dyads(self, rising: np.ndarray, kind: np.ndarray, member: np.ndarray, rng) -> None:
        """Mutual one-to-one partners within each kind; with an odd count one is left unpaired."""
        gain = np.where(rising, 1.0, 0.0)
        for value in np.unique(kind):
            pool = [int(i) for i in rng.permutation(np.flatnonzero((kind == value) & member))]
            while len(pool) >= 2:
                learner = pool.pop(0)
                others = np.array(pool)
                score = self._dyad_score(learner, others, gain)
                partner = int(others[np.argmax(score)])
                pool.remove(partner)
                self.partner[learner], self.partner[partner] = partner, learner

    def _dyad_score(self, learner: int, others: np.ndarray, gain: np.ndarray) -> np.ndarray:
        rule = self.levers.matching_rule
        if rule == "similar":
            return self.similarity(learner, others)
        if rule == "nearest":
            return -self.distance_km(learner, others)
        gap_in = np.nansum(
            gain[learner] * np.clip(self.observed[others] - self.observed[learner], 0, None), axis=1
        )
        gap_out = np.nansum(
            gain[others] * np.clip(self.observed[learner] - self.observed[others], 0, None), axis=1
        )
        return gap_in + gap_out


def form_ties(matcher: Matcher, rising: np.ndarray, order: np.ndarray) -> tuple[Ties, int]:
    """Ties for every rising (learner, topic), learners taken in ``order``; returns unmatched count."""
    ties = Ties(*rising.shape)
    learners, hosts, topics = [], [], []
    unmatched = 0
    row, column = np.nonzero(rising[order])
    for learner, topic in zip(order[row].tolist(), column.tolist(), strict=True):
        host = matcher.host_for(learner, topic)
        if host < 0:
            unmatched += 1
            continue
        learners.append(learner)
        hosts.append(host)
        topics.append(topic)
    ties.append(learners, hosts, topics)
    return ties, unmatched
