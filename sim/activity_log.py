"""The activity log: every activity held, with its travellers, person-days, cash and payer.

Counts by kind and status (held in person, held virtually, cancelled, delayed) are kept as they
happen; the rows are kept in batches, one per call to :meth:`ActivityLog.record`, and joined
into one table only when outcomes or the ``activities`` frame read them.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.activity_kinds import ACTIVITY_KINDS

LOG_COLUMNS = (
    "kind",
    "month",
    "learner",
    "host",
    "province",
    "virtual",
    "participants",
    "travel_person_days",
    "cash_rwf",
    "payer",
    "staff_days",
)


def per_kind() -> np.ndarray:
    """A count for every activity kind (indexed by ``ActivityKind.code``)."""
    return np.zeros(len(ACTIVITY_KINDS), dtype=np.int64)


@dataclass
class ActivityLog:
    """Counts by kind and status, and one batch of rows per call to :meth:`record` (for costing)."""

    held_in_person: np.ndarray = field(default_factory=per_kind)
    held_virtual: np.ndarray = field(default_factory=per_kind)
    cancelled: np.ndarray = field(default_factory=per_kind)
    delayed: np.ndarray = field(default_factory=per_kind)
    batches: list[tuple] = field(default_factory=list)
    _table: np.ndarray | None = field(default=None, repr=False)
    _table_batches: int = field(default=-1, repr=False)

    def record(
        self,
        kind,
        month,
        learner,
        host,
        province,
        virtual,
        participants,
        person_days,
        cash,
        payer,
        staff_days,
    ):
        """Log activities held; array arguments give one value per activity, scalars are shared.

        ``cash`` is in RWF, ``payer`` a funder code of :mod:`sim.payers`, ``staff_days`` the
        person-days of district and hospital staff."""
        virtual = np.asarray(virtual, dtype=bool)
        held_virtual = int(virtual.sum())
        self.held_virtual[kind] += held_virtual
        self.held_in_person[kind] += virtual.size - held_virtual
        self.batches.append(
            (
                kind,
                month,
                learner,
                host,
                province,
                virtual,
                participants,
                person_days,
                cash,
                payer,
                staff_days,
            )
        )

    def table(self) -> np.ndarray:
        """One row per activity held, columns as in ``LOG_COLUMNS`` (built once per batch count:
        outcomes read it several times after a run)."""
        if self._table is None or self._table_batches != len(self.batches):
            counts = [batch[5].size for batch in self.batches]
            table = np.empty((sum(counts), len(LOG_COLUMNS)))
            start = 0
            for batch, count in zip(self.batches, counts, strict=True):
                for column, value in enumerate(batch):
                    table[start : start + count, column] = value
                start += count
            self._table, self._table_batches = table, len(self.batches)
        return self._table

    def column(self, name: str) -> np.ndarray:
        """One column of :meth:`table`, by its name in ``LOG_COLUMNS``."""
        return self.table()[:, LOG_COLUMNS.index(name)]

    @property
    def held(self) -> np.ndarray:
        return self.held_in_person + self.held_virtual
