"""The programme's activities: planned at launch, then held, delayed or cancelled month by month.

Four kinds of activity move know-how (``sim.dynamics.learn``): coaching visits by facilitators to
each rising team, exchange visits of a rising team to its shining host, network-wide virtual
learning events and provincial learning events. Launch workshops are counted but teach only
through the self-analysis they prompt. Every activity held is logged with its travellers and
person-days so that costs can be priced later.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.params import Scenario

COACHING, EXCHANGE_VISIT, VIRTUAL_EVENT, PROVINCIAL_EVENT, LAUNCH_WORKSHOP = range(5)
ACTIVITY_NAMES = (
    "coaching_visit",
    "exchange_visit",
    "virtual_event",
    "provincial_event",
    "launch_workshop",
)
PLAN_DTYPE = np.dtype(
    [
        ("month", np.int64),
        ("kind", np.int64),
        ("learner", np.int64),
        ("host", np.int64),
        ("province", np.int64),
    ]
)
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


@dataclass
class ActivityLog:
    """Counts by kind and status, and one batch of rows per call to :meth:`record` (for costing)."""

    held_in_person: np.ndarray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
    held_virtual: np.ndarray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
    cancelled: np.ndarray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
    delayed: np.ndarray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
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

        ``cash`` is in RWF, ``payer`` a funder code of :mod:`sim.funding`, ``staff_days`` the
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


def launch_months(scenario: Scenario, province_index: np.ndarray, provinces: int) -> np.ndarray:
    """Model month each institution's programme starts (province by province when phased)."""
    levers = scenario.design
    offset = np.zeros(provinces, dtype=np.int64)
    if levers.phasing == "by_province":
        offset = np.arange(provinces) * levers.phase_interval_months
    return levers.programme_start_month + offset[province_index]


def plan_activities(
    scenario: Scenario,
    launch: np.ndarray,
    province_index: np.ndarray,
    rising: np.ndarray,
    member: np.ndarray,
    visit_pairs: np.ndarray,
) -> np.ndarray:
    """Every planned activity as a structured array sorted by month.

    ``visit_pairs`` holds the (learner, host) partnerships that were allocated exchange visits,
    in allocation order, one row per visit.
    """
    schedule, levers = scenario.schedule, scenario.design
    end = launch + levers.programme_months
    rows: list[tuple[int, int, int, int, int]] = []
    learners = np.flatnonzero(member & rising.any(axis=1))
    for offset in schedule.coaching_months:
        for learner in learners:
            rows.append((launch[learner] + offset, COACHING, learner, -1, province_index[learner]))
    first, last = schedule.visit_window
    span = max(last - first + 1, 1)
    for j, (learner, host) in enumerate(visit_pairs):
        offset = first + (j * span) // max(len(visit_pairs), 1)
        rows.append(
            (launch[learner] + offset, EXCHANGE_VISIT, learner, host, province_index[learner])
        )
    start = levers.programme_start_month
    interval = schedule.virtual_event_interval_months
    if interval > 0:
        for month in range(start + interval, int(end.max()), interval):
            rows.append((month, VIRTUAL_EVENT, -1, -1, -1))
    for province in np.unique(province_index[member]):
        province_launch = int(launch[(province_index == province) & member].min())
        for offset in schedule.provincial_event_months:
            rows.append((province_launch + offset, PROVINCIAL_EVENT, -1, -1, province))
    plan = np.array(rows, dtype=PLAN_DTYPE)
    if len(plan):
        owner_end = np.where(plan["learner"] >= 0, end[np.maximum(plan["learner"], 0)], end.max())
        plan = plan[plan["month"] < owner_end]
    plan = np.concatenate(
        [plan, continuation(scenario, end, province_index, member, np.unique(visit_pairs, axis=0))]
    )
    plan = plan[plan["month"] <= scenario.horizon_months]
    return np.sort(plan, order=["month", "kind", "learner", "host"], kind="stable")


def continuation(
    scenario: Scenario,
    end: np.ndarray,
    province_index: np.ndarray,
    member: np.ndarray,
    partnerships: np.ndarray,
) -> np.ndarray:
    """What partnerships plan once the programme is over: yearly exchange visits, and learning
    events; held only if someone pays and the institutions still twin."""
    funding, horizon = scenario.funding, scenario.horizon_months
    rows: list[tuple[int, int, int, int, int]] = []
    if funding.continuation_visits_per_year > 0:
        step = 12.0 / funding.continuation_visits_per_year
        for learner, host in partnerships:
            month = float(end[learner])
            while month <= horizon:
                rows.append((int(month), EXCHANGE_VISIT, learner, host, province_index[learner]))
                month += step
    interval = funding.continuation_event_interval_months
    if interval > 0 and member.any():
        last = int(end[member].max())
        for month in range(last + interval, horizon + 1, interval):
            rows.append((month, VIRTUAL_EVENT, -1, -1, -1))
        for province in np.unique(province_index[member]):
            province_end = int(end[(province_index == province) & member].max())
            for month in range(province_end + 12, horizon + 1, 12):
                rows.append((month, PROVINCIAL_EVENT, -1, -1, province))
    return np.array(rows, dtype=PLAN_DTYPE)


def by_month(plan: np.ndarray, horizon: int) -> list[np.ndarray]:
    """The plan split into one array per model month (index 0 to ``horizon``)."""
    bounds = np.searchsorted(plan["month"], np.arange(horizon + 2))
    return [plan[bounds[m] : bounds[m + 1]] for m in range(horizon + 1)]


def allocate_visits(
    scenario: Scenario,
    partnerships: np.ndarray,
    priority: np.ndarray,
    province_index: np.ndarray,
) -> np.ndarray:
    """(learner, host) rows, one per exchange visit, in allocation order, within the budget.

    ``priority`` ranks partnerships under the scenario's allocation rule (lower goes first).
    ``equal_by_province`` takes partnerships round-robin across the learners' provinces.
    """
    levers = scenario.design
    budget = round(levers.exchange_visits_per_year * levers.programme_months / 12)
    if budget == 0 or len(partnerships) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(priority, kind="stable")
    if levers.visit_allocation == "equal_by_province":
        province = province_index[partnerships[order, 0]]
        turn = np.zeros(len(order), dtype=np.int64)
        for value in np.unique(province):
            members = province == value
            turn[members] = np.arange(members.sum())
        order = order[np.lexsort((province, turn))]
    rounds = np.tile(order, levers.max_visits_per_partnership)
    return partnerships[rounds[:budget]]
