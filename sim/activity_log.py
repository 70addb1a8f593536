"""The activity log: every activity held, with its travellers, person-days, cash and payer.

Counts by kind and status (held in person, held virtually, cancelled, delayed) are kept as they
happen; the rows are kept in batches, one per call to :meth:`ActivityLog.record`, and joined
into one table only when outcomes or the ``activities`` frame read them.
"""

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


STATUSES = ("held_in_person", "held_virtual", "cancelled", "delayed")


class ActivityLog:
    """Counts by kind and status, and one batch of rows per call to :meth:`record` (for costing).

    A log may serve the replications of a batch (``blocks``, :mod:`sim.batch`): every count and
    row then belongs to one replication, and :meth:`of_block` is one replication's own log.
    """

    def __init__(self, blocks: int = 1) -> None:
        self.blocks = blocks
        self.counts = np.zeros((len(STATUSES), blocks, len(ACTIVITY_KINDS)), dtype=np.int64)
        self.batches: list[tuple] = []
        self._table: np.ndarray | None = None
        self._table_batches = -1

    # One replication's counts, by kind (indexed by ``ActivityKind.code``) --------------------
    @property
    def held_in_person(self) -> np.ndarray:
        return self._counts_of("held_in_person")

    @property
    def held_virtual(self) -> np.ndarray:
        return self._counts_of("held_virtual")

    @property
    def cancelled(self) -> np.ndarray:
        return self._counts_of("cancelled")

    @property
    def delayed(self) -> np.ndarray:
        return self._counts_of("delayed")

    @property
    def held(self) -> np.ndarray:
        return self.held_in_person + self.held_virtual

    def _counts_of(self, status: str) -> np.ndarray:
        if self.blocks != 1:
            raise ValueError("ActivityLog: a batch's log counts by replication (of_block)")
        return self.counts[STATUSES.index(status), 0]

    def count(self, status: str, kind, blocks: np.ndarray) -> None:
        """Count one activity of ``kind`` (a code, or one per activity) for each entry of
        ``blocks``, the replication each belongs to."""
        counts = self.counts[STATUSES.index(status)]
        if self.blocks == 1 and np.ndim(kind) == 0:
            counts[0, kind] += len(blocks)
        else:
            np.add.at(counts, (blocks, kind), 1)

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
        block,
    ):
        """Log activities held; array arguments give one value per activity, scalars are shared.

        ``cash`` is in RWF, ``payer`` a funder code of :mod:`sim.payers`, ``staff_days`` the
        person-days of district and hospital staff, ``block`` the replication of each."""
        virtual = np.asarray(virtual, dtype=bool)
        if self.blocks == 1:
            held_virtual = int(virtual.sum())
            self.counts[1, 0, kind] += held_virtual
            self.counts[0, 0, kind] += virtual.size - held_virtual
        else:
            block = np.broadcast_to(block, virtual.shape)
            self.counts[1, :, kind] += np.bincount(block[virtual], minlength=self.blocks)
            self.counts[0, :, kind] += np.bincount(block[~virtual], minlength=self.blocks)
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
                block,
            )
        )

    def table(self) -> np.ndarray:
        """One row per activity held, columns as in ``LOG_COLUMNS`` (built once per batch count:
        outcomes read it several times after a run)."""
        if self._table is None or self._table_batches != len(self.batches):
            self._table, self._table_batches = self._joined(len(LOG_COLUMNS)), len(self.batches)
        return self._table

    def column(self, name: str) -> np.ndarray:
        """One column of :meth:`table`, by its name in ``LOG_COLUMNS``."""
        return self.table()[:, LOG_COLUMNS.index(name)]

    def of_blocks(self, offsets: np.ndarray) -> list["ActivityLog"]:
        """Each replication's own log, its learners and hosts numbered from its ``offsets``
        entry down to its own world's numbering; rows keep their order."""
        rows = self._joined(len(LOG_COLUMNS) + 1)
        rows = rows[np.argsort(rows[:, -1], kind="stable")]
        bounds = np.searchsorted(rows[:, -1], np.arange(self.blocks + 1))
        for name in ("learner", "host"):
            column = rows[:, LOG_COLUMNS.index(name)]
            gathering = column < 0
            column -= offsets[rows[:, -1].astype(np.int64)]
            column[gathering] = -1
        logs = []
        for block in range(self.blocks):
            own = ActivityLog()
            own.counts = self.counts[:, block : block + 1].copy()
            mine = rows[bounds[block] : bounds[block + 1], :-1]
            columns = [mine[:, c] for c in range(len(LOG_COLUMNS))]
            virtual = LOG_COLUMNS.index("virtual")
            columns[virtual] = columns[virtual] > 0
            own.batches = [(*columns, 0)]
            logs.append(own)
        return logs

    def _joined(self, columns: int) -> np.ndarray:
        counts = [batch[5].size for batch in self.batches]
        table = np.empty((sum(counts), columns))
        start = 0
        for batch, count in zip(self.batches, counts, strict=True):
            for column, value in enumerate(batch[:columns]):
                table[start : start + count, column] = value
            start += count
        return table
