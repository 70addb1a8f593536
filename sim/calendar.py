"""The programme's calendar: every activity planned at launch, and what continues after it.

The plan is a structured array of (month, kind, learner, host, province, virtual, session), one
row per activity, sorted by month; when its month comes, :mod:`sim.month` holds it
(:mod:`sim.delivery`), delays or cancels it. Co-design workshops come before the launch, the
launch workshop's sessions at it; coaching visits go to every rising team, exchange visits to
the partnerships allocated the scarce visit budget, learning events to the network and to each
province (who meets at which gathering: :mod:`sim.gatherings`). Once the programme is over,
partnerships plan yearly visits and learning events that happen only if someone pays.
"""

import numpy as np

from sim.activity_kinds import (
    CO_DESIGN_WORKSHOP,
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    VIRTUAL_EVENT,
)
from sim.gatherings import Gatherings
from sim.params import Scenario
from sim.ties import Ties, unique_pairs

PLAN_DTYPE = np.dtype(
    [
        ("month", np.int64),
        ("kind", np.int64),
        ("learner", np.int64),  # -1: a gathering of many teams
        ("host", np.int64),
        ("province", np.int64),  # the learner's, or the province a provincial event is for
        ("virtual", np.bool_),  # held virtually, for kinds the schedule decides ("scheduled")
        ("session", np.int64),  # which gathering of its kind (sim.gatherings), else -1
        ("block", np.int64),  # the replication of a batch it belongs to (sim.batch); 0 alone
    ]
)
Row = tuple[int, int, int, int, int, bool, int, int]


def row(
    month: int,
    kind: int,
    learner: int = -1,
    host: int = -1,
    province: int = -1,
    virtual: bool = False,
    session: int = -1,
) -> Row:
    """One plan row, in ``PLAN_DTYPE`` order; a gathering has no learner or host."""
    return (month, kind, learner, host, province, virtual, session, 0)


def rows_of(month: np.ndarray, kind: int, **columns: np.ndarray) -> np.ndarray:
    """Plan rows of one kind, a column at a time (``row``'s defaults for columns not given):
    the order rows are made in does not matter, the plan is sorted on every field."""
    rows = np.zeros(len(month), dtype=PLAN_DTYPE)
    rows["month"], rows["kind"] = month, kind
    for name in ("learner", "host", "province", "session"):
        rows[name] = columns.pop(name, -1)
    rows["virtual"] = columns.pop("virtual", False)
    if columns:
        raise TypeError(f"rows_of: no column {sorted(columns)}")
    return rows


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
    meet: Gatherings,
) -> np.ndarray:
    """Every planned activity as a structured array sorted by month.

    ``visit_pairs`` holds the (learner, host) partnerships that were allocated exchange visits,
    in allocation order, one row per visit; ``meet`` says who attends which gathering.
    """
    schedule, levers = scenario.schedule, scenario.design
    end = launch + levers.programme_months
    start = levers.programme_start_month
    # Month 1 at the earliest: the first month a run simulates (month 0 is the baseline).
    co_design = max(start - schedule.co_design_months_before_launch, 1)
    rows = [
        row(co_design, CO_DESIGN_WORKSHOP, session=workshop)
        for workshop in np.flatnonzero(meet.co_design_teams > 0)
    ]
    rows += [
        row(month, LAUNCH_WORKSHOP, session=session)
        for session, month in enumerate(meet.session_month)
    ]
    learners = np.flatnonzero(member & rising.any(axis=1))
    offsets = np.asarray(schedule.coaching_months, dtype=np.int64)
    coached = np.tile(learners, len(offsets))
    offset = np.repeat(offsets, len(learners))
    coaching = rows_of(
        launch[coached] + offset,
        COACHING,
        learner=coached,
        province=province_index[coached],
        virtual=np.isin(offset, schedule.virtual_coaching_months),
    )
    first, last = schedule.visit_window
    span = max(last - first + 1, 1)
    visit, (visitor, host) = np.arange(len(visit_pairs)), visit_pairs.T
    offset = first + (visit * span) // max(len(visit_pairs), 1)
    visits = rows_of(
        launch[visitor] + offset,
        EXCHANGE_VISIT,
        learner=visitor,
        host=host,
        province=province_index[visitor],
    )
    virtual_months = sorted(start + offset for offset in schedule.virtual_event_months)
    virtual_months = [month for month in virtual_months if month < int(end.max())]
    rows += [
        row(month, VIRTUAL_EVENT, session=ordinal) for ordinal, month in enumerate(virtual_months)
    ]
    for province in np.unique(meet.event_province[member]):
        province_launch = int(launch[(meet.event_province == province) & member].min())
        for offset in schedule.provincial_event_months:
            rows.append(row(province_launch + offset, PROVINCIAL_EVENT, province=province))
    plan = np.concatenate([np.array(rows, dtype=PLAN_DTYPE), coaching, visits])
    if len(plan):
        owner_end = np.where(plan["learner"] >= 0, end[np.maximum(plan["learner"], 0)], end.max())
        plan = plan[plan["month"] < owner_end]
    plan = np.concatenate(
        [
            plan,
            continuation(
                scenario,
                end,
                province_index,
                member,
                unique_pairs(visit_pairs[:, 0], visit_pairs[:, 1], len(launch))[0],
                meet.event_province,
                first_ordinal=len(virtual_months),
            ),
        ]
    )
    plan = plan[plan["month"] <= scenario.horizon_months]
    return sorted_by_month(plan)


def sorted_by_month(plan: np.ndarray) -> np.ndarray:
    """Plan rows by month, kind, learner and host, then the other fields in dtype order: what
    ``np.sort(plan, order=[...])`` gives, by ``np.lexsort`` on the columns, which is about
    twenty times faster than comparing structured rows."""
    first = ("month", "kind", "learner", "host")
    fields = first + tuple(name for name in PLAN_DTYPE.names if name not in first)
    return plan[np.lexsort([plan[name] for name in reversed(fields)])]


def continuation(
    scenario: Scenario,
    end: np.ndarray,
    province_index: np.ndarray,
    member: np.ndarray,
    partnerships: np.ndarray,
    event_province: np.ndarray,
    first_ordinal: int,
) -> np.ndarray:
    """What partnerships plan once the programme is over: yearly exchange visits, and learning
    events; held only if someone pays and the institutions still twin. Virtual events go on
    through the topics members chose, numbered from ``first_ordinal``."""
    funding, horizon = scenario.funding, scenario.horizon_months
    rows: list[Row] = []
    visits = rows_of(np.zeros(0, dtype=np.int64), EXCHANGE_VISIT)
    if funding.continuation_visits_per_year > 0 and len(partnerships):
        step = 12.0 / funding.continuation_visits_per_year
        learner, host = partnerships.T
        # Each partnership's visit months, from its programme's end a step at a time: a
        # running sum along each row adds the steps in the order a loop would.
        steps = max(int((horizon - end[learner].min()) / step) + 2, 1)
        months = np.full((len(partnerships), steps), step)
        months[:, 0] = end[learner]
        months = np.cumsum(months, axis=1)
        pair, _ = np.nonzero(months <= horizon)
        visits = rows_of(
            months[months <= horizon].astype(np.int64),
            EXCHANGE_VISIT,
            learner=learner[pair],
            host=host[pair],
            province=province_index[learner[pair]],
        )
    interval = funding.continuation_event_interval_months
    if interval > 0 and member.any():
        last = int(end[member].max())
        for n, month in enumerate(range(last + interval, horizon + 1, interval)):
            rows.append(row(month, VIRTUAL_EVENT, session=first_ordinal + n))
        for province in np.unique(event_province[member]):
            province_end = int(end[(event_province == province) & member].max())
            for month in range(province_end + 12, horizon + 1, 12):
                rows.append(row(month, PROVINCIAL_EVENT, province=province))
    return np.concatenate([np.array(rows, dtype=PLAN_DTYPE), visits])


def by_month(plan: np.ndarray, horizon: int) -> list[np.ndarray]:
    """The plan split into one array per model month (index 0 to ``horizon``)."""
    bounds = np.searchsorted(plan["month"], np.arange(horizon + 2))
    return [plan[bounds[m] : bounds[m + 1]] for m in range(horizon + 1)]


def partnership_priority(
    scenario: Scenario,
    ties: Ties,
    observed: np.ndarray,
    z: np.ndarray,
    rising: np.ndarray,
    span: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The (learner, host) partnerships of the active ties, and each one's rank under the
    scenario's ``visit_allocation`` rule (lower goes first).

    ``largest_gap``: the measured gaps of its ties, summed (in scale widths); ``lowest_performer``:
    the learner's mean z-score over its rising topics; ``lottery``: a random draw; otherwise
    (``first_come``, ``equal_by_province``) the order in which partnerships were formed.
    """
    pairs, inverse = ties.partnerships()
    rule = scenario.design.visit_allocation
    if rule == "largest_gap":
        gap = observed[ties.host, ties.topic] - observed[ties.learner, ties.topic]
        priority = -np.bincount(inverse, weights=gap / span[ties.topic], minlength=len(pairs))
    elif rule == "lowest_performer":
        chosen = rising.sum(axis=1)
        mean_z = np.where(rising, np.nan_to_num(z), 0.0).sum(axis=1) / np.maximum(chosen, 1)
        priority = mean_z[pairs[:, 0]] if len(pairs) else np.zeros(0)
    elif rule == "lottery":
        priority = rng.random(len(pairs))
    else:
        first_tie = np.full(len(pairs), len(ties))
        np.minimum.at(first_tie, inverse, np.arange(len(inverse)))
        priority = first_tie.astype(float)
    return pairs, priority


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


def join_rows(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate activity rows, skipping empty parts: joining structured arrays is costly,
    and most months most parts are empty."""
    filled = [part for part in parts if len(part)]
    if len(filled) == 1:
        return filled[0]
    return np.concatenate(filled) if filled else parts[0][:0]


def in_turn(rows: np.ndarray):
    """Gatherings in the order each replication holds them, one row a replication at a time:
    every replication's first row, then every second row, and so on (one row at a time for a
    model alone)."""
    blocks = rows["block"]
    if len(rows) < 2 or not blocks.any():
        yield from (rows[i : i + 1] for i in range(len(rows)))
        return
    order = np.argsort(blocks, kind="stable")
    first = np.searchsorted(blocks[order], blocks[order], side="left")
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - first
    for turn in range(rank.max() + 1):
        yield rows[rank == turn]
