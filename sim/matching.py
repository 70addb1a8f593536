"""How a host is matched: for each (learner, topic) a stronger peer, under the scenario's design.

Matching sees what facilitators saw: the *measured* baseline (``observed``), never the true
competence. The network design gives each rising topic a shining peer with room (``best``,
``similar`` or ``nearest`` under ``matching_rule``), a dyad one mutual partner for every topic,
the provincial design the province's best and the hub design the network's best.
"""

from functools import cached_property
from typing import NamedTuple

import numpy as np

from sim.geography import Geography
from sim.params import DesignLevers
from sim.ties import Ties


class Pool(NamedTuple):
    """One topic's eligible hosts, best measured first (stable on ties)."""

    hosts: np.ndarray
    descending: np.ndarray  # their negated measured scores, ascending, for binary search
    shining: np.ndarray  # whether each shines in the topic


class Matcher:
    """Finds hosts for (learner, topic) requests under one design. A host's load is its count
    of active ties (``host_load``, the ties' own counter, :class:`sim.ties.Ties`): the matcher
    reads it, and the tie the caller adds for the host found raises it."""

    def __init__(
        self,
        levers: DesignLevers,
        observed: np.ndarray,
        applies: np.ndarray,
        member: np.ndarray,
        shining: np.ndarray,
        province: np.ndarray,
        geography: Geography,
        ties: Ties,
    ) -> None:
        self.levers = levers
        self.observed = observed
        self.eligible_host = applies & member[:, None]
        self.shining = shining
        self.province = province
        self.geography = geography
        self.host_load = ties.host_load
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
        pool = self._pools[topic]
        stronger = int(pool.descending.searchsorted(-self.observed[learner, topic]))
        candidates, shining = pool.hosts[:stronger], pool.shining[:stronger]
        if design == "provincial":
            same = self.province[candidates] == self.province[learner]
            candidates, shining = candidates[same], shining[same]
        if len(candidates) == 0:
            return -1
        if design in ("provincial", "hub"):
            return int(candidates[0])  # the best measured (pools are sorted best first)
        # Facilitators prefer a shining host with room; when every stronger peer is full they
        # still give the learner one (Gasana et al. 2024: always a high performer to learn
        # from), the least loaded, and the overload is counted.
        load = self.host_load[candidates]
        pick = load < self.levers.host_capacity
        if not pick.any():
            pick = load == load.min()
            self.over_capacity += 1
        preferred = pick & shining
        first = int(preferred.argmax())
        if not preferred[first]:
            preferred, first = pick, int(pick.argmax())
        if self.levers.matching_rule == "best":
            return int(candidates[first])  # pools are sorted best measured first
        candidates = candidates[preferred]
        return int(candidates[np.argmax(self._score(learner, topic, candidates))])

    def withdraw(self, gone: np.ndarray) -> None:
        """Institutions that stopped twinning (``gone``, a mask) host no new ties, and a dyad
        whose partner stopped has no partner to rematch with."""
        self.eligible_host &= ~gone[:, None]
        self.__dict__.pop("_pools", None)  # rebuilt from the remaining hosts when next needed
        partner_gone = (self.partner >= 0) & gone[np.maximum(self.partner, 0)]
        self.partner[partner_gone] = -1

    @cached_property
    def _pools(self) -> list[Pool]:
        """Per topic, the members it applies to, best measured first (stable on ties): one
        sort for every topic at once."""
        topic, rows = np.nonzero(self.eligible_host.T)  # by topic, then institution
        negated = -self.observed[rows, topic]
        order = np.lexsort((negated, topic))  # stable: equal scores keep institution order
        topic, rows, negated = topic[order], rows[order], negated[order]
        shining = self.shining[rows, topic]
        ends = np.cumsum(self.eligible_host.sum(axis=0)).tolist()
        return [
            Pool(rows[start:end], negated[start:end], shining[start:end])
            for start, end in zip([0, *ends[:-1]], ends, strict=True)
        ]

    def _score(self, learner: int, topic: int, candidates: np.ndarray) -> np.ndarray:
        """Higher is better under the similar and nearest rules; the measured score breaks ties."""
        measured = self.observed[candidates, topic]
        if self.levers.matching_rule == "similar":
            return self.geography.similarity_to(learner, candidates) + 1e-6 * measured
        return -self.geography.distance_from(learner, candidates) + 1e-6 * measured

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
            return self.geography.similarity_to(learner, others)
        if rule == "nearest":
            return -self.geography.distance_from(learner, others)
        gap_in = np.nansum(
            gain[learner] * np.clip(self.observed[others] - self.observed[learner], 0, None), axis=1
        )
        gap_out = np.nansum(
            gain[others] * np.clip(self.observed[learner] - self.observed[others], 0, None), axis=1
        )
        return gap_in + gap_out


def form_ties(matcher: Matcher, ties: Ties, rising: np.ndarray, order: np.ndarray) -> int:
    """A tie for every rising (learner, topic), learners taken in ``order``, added to
    ``ties`` (those whose loads the matcher reads); returns how many found no host."""
    unmatched = 0
    row, column = np.nonzero(rising[order])
    for learner, topic in zip(order[row].tolist(), column.tolist(), strict=True):
        host = matcher.host_for(learner, topic)
        if host < 0:
            unmatched += 1
            continue
        ties.add(learner, host, topic)
    return unmatched
