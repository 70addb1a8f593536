"""Twinning ties: who learns from whom in which topic, and how many mentees each host holds.

A tie is (learner, host, topic); a partnership is a (learner, host) pair, the unit that receives
exchange visits. Every design keeps at most one active tie per (learner, topic).
"""

import numpy as np


class Ties:
    """Twinning ties as parallel arrays; added to when a notified priority switch rematches.

    ``slot[learner, topic]`` is the index of that pair's active tie, or -1: ending or finding a
    tie costs one lookup, however many ties the world has. ``host_load[i]`` counts the active
    ties institution ``i`` hosts: matching reads it against ``host_capacity`` and learning
    divides a host's efficacy by it (``host_load_dilution``). Storage grows by doubling, so a
    rematch does not copy every tie.
    """

    def __init__(self, institutions: int, topics: int, expected: int = 0) -> None:
        """Room for ``expected`` ties before storage has to grow."""
        self.slot = np.full((institutions, topics), -1, dtype=np.int64)
        self.host_load = np.zeros(institutions, dtype=np.int64)
        self._size = 0
        self._reserve(expected)

    def __len__(self) -> int:
        return self._size

    @property
    def learner(self) -> np.ndarray:
        return self._learner[: self._size]

    @property
    def host(self) -> np.ndarray:
        return self._host[: self._size]

    @property
    def topic(self) -> np.ndarray:
        return self._topic[: self._size]

    @property
    def active(self) -> np.ndarray:
        return self._active[: self._size]

    def add(self, learner: int, host: int, topic: int) -> None:
        """A new active tie; it replaces the learner's tie in the topic, which must be ended."""
        index = self._size
        if index == len(self._active):
            self._learner, self._host, self._topic, self._active = (
                np.resize(column, 2 * index)
                for column in (self._learner, self._host, self._topic, self._active)
            )
        self._learner[index], self._host[index], self._topic[index] = learner, host, topic
        self._active[index] = True
        self._size = index + 1
        self.slot[learner, topic] = index
        self.host_load[host] += 1

    def end(self, indices: np.ndarray) -> None:
        """End these ties (those still active), freeing their hosts for other mentees."""
        indices = indices[self.active[indices]]
        self.active[indices] = False
        self.slot[self.learner[indices], self.topic[indices]] = -1
        np.subtract.at(self.host_load, self.host[indices], 1)

    def of_partnerships(
        self, learners: np.ndarray, hosts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Active ties of the given (learner, host) pairs: tie indices and the pair of each."""
        slots = self.slot[learners]  # (pairs, K)
        safe = np.maximum(slots, 0)
        match = (slots >= 0) & (self.host[safe] == hosts[:, None]) if self._size else slots >= 0
        pair, column = np.nonzero(match)
        return slots[pair, column], pair

    @classmethod
    def side_by_side(cls, parts: list["Ties"]) -> "Ties":
        """The ties of several worlds of one size laid side by side as one larger world
        (a batch's replications, :mod:`sim.batch`): world ``r``'s institutions numbered from
        ``r * N``, its ties after those of the worlds before it."""
        institutions, topics = parts[0].slot.shape
        joined = cls(institutions * len(parts), topics)
        size = sum(len(part) for part in parts)
        joined._reserve(size)
        start = 0
        for r, part in enumerate(parts):
            end, offset = start + len(part), r * institutions
            joined._learner[start:end] = part.learner + offset
            joined._host[start:end] = part.host + offset
            joined._topic[start:end], joined._active[start:end] = part.topic, part.active
            rows = slice(offset, offset + institutions)
            joined.slot[rows] = np.where(part.slot >= 0, part.slot + start, -1)
            joined.host_load[rows] = part.host_load
            start = end
        joined._size = size
        return joined

    def of_world(self, r: int, institutions: int) -> "Ties":
        """World ``r``'s own ties, numbered as in its world: the inverse of
        :meth:`side_by_side`."""
        offset = r * institutions
        mine = np.flatnonzero((self.learner >= offset) & (self.learner < offset + institutions))
        own = Ties(institutions, self.slot.shape[1])
        own._reserve(len(mine))
        own._size = len(mine)
        own.learner[:], own.host[:] = self.learner[mine] - offset, self.host[mine] - offset
        own.topic[:], own.active[:] = self.topic[mine], self.active[mine]
        renumbered = np.full(len(self) + 1, -1)
        renumbered[mine] = np.arange(len(mine))
        own.slot = renumbered[self.slot[offset : offset + institutions]]
        own.host_load = self.host_load[offset : offset + institutions].copy()
        return own

    def _reserve(self, size: int) -> None:
        """Empty storage for ``size`` ties (at least the 16 a new instance starts with)."""
        capacity = max(size, 16)
        self._learner, self._host, self._topic = np.zeros((3, capacity), dtype=np.int64)
        self._active = np.zeros(capacity, dtype=bool)

    def partnerships(self) -> tuple[np.ndarray, np.ndarray]:
        """Unique (learner, host) pairs of active ties, and each active tie's partnership index."""
        active = self.active
        return unique_pairs(self.learner[active], self.host[active], len(self.host_load))


def unique_pairs(
    learner: np.ndarray, host: np.ndarray, institutions: int
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (learner, host) pairs sorted by learner then host, as ``(pairs, 2)``, and
    each input pair's position among them: what ``np.unique(axis=0, return_inverse=True)``
    gives, found on one integer key per pair instead of rows (several times faster on the
    few hundred pairs of a run). Institutions are numbered 0 to ``institutions - 1``."""
    key = np.asarray(learner, dtype=np.int64) * institutions + host
    unique, inverse = np.unique(key, return_inverse=True)
    return np.stack([unique // institutions, unique % institutions], axis=1), inverse
