"""The design stream's draws while a model steps: one generator per replication.

A model alone has one replication; a batch (:mod:`sim.batch`) steps many side by side as one
larger world, each keeping its own design stream. Every draw here takes, from each
replication's generator, exactly what that replication alone would take, in the same order, so
a replication gives the same numbers alone or in a batch of any size. numpy draws each
generator separately, so a batch makes one call per replication and draw, however its arrays
are laid out.
"""

import itertools

import numpy as np


class DesignDraws:
    """Uniform draws on [0, 1) from the design stream of each replication (``generators``, one
    per block of ``institutions`` institutions, block-major)."""

    def __init__(self, generators: list[np.random.Generator], institutions: int) -> None:
        self.generators = generators
        self.institutions = institutions

    def per_institution(self, before: tuple = (), blocks: np.ndarray | None = None) -> np.ndarray:
        """Shape ``before + (institutions of every block,)``: what each replication alone draws
        with ``random(before + (institutions,))``. Only ``blocks`` (default: all) draw; the
        others' entries are 1.0, which no chance exceeds."""
        if len(self.generators) == 1:
            return self.generators[0].random((*before, self.institutions))
        count = self.institutions
        out = np.ones((*before, len(self.generators) * count))
        for block in range(len(self.generators)) if blocks is None else blocks:
            out[..., block * count : (block + 1) * count] = self.generators[block].random(
                (*before, count)
            )
        return out

    def per_row(self, blocks: np.ndarray, before: tuple = (), after: tuple = ()) -> np.ndarray:
        """Shape ``before + (rows,) + after``, rows along one axis: each replication draws
        ``random(before + (its rows,) + after)`` for its own rows, in their order."""
        if len(self.generators) == 1:
            return self.generators[0].random((*before, len(blocks), *after))
        out = np.empty((*before, len(blocks), *after))
        lead = (slice(None),) * len(before)
        for block, rows in by_block(blocks):
            count = rows.stop - rows.start if isinstance(rows, slice) else len(rows)
            out[(*lead, rows)] = self.generators[block].random((*before, count, *after))
        return out


def by_block(blocks: np.ndarray):
    """Each block present in ``blocks`` with its rows, in order: a slice when the rows are in
    block order (the usual case: a batch lays its plan out replication by replication), else
    the rows' positions."""
    in_order = bool(np.all(blocks[1:] >= blocks[:-1]))
    order = None if in_order else np.argsort(blocks, kind="stable")
    ordered = blocks if in_order else blocks[order]
    starts = np.flatnonzero(np.diff(ordered, prepend=-1)).tolist()
    for start, end in itertools.pairwise([*starts, len(blocks)]):
        yield int(ordered[start]), slice(start, end) if in_order else order[start:end]
