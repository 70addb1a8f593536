"""The programme's calendar: every activity planned at launch, and what continues after it.

The plan is a structured array of (month, kind, learner, host, province), one row per activity,
sorted by month; when its month comes, :mod:`sim.month` holds it (:mod:`sim.delivery`), delays
or cancels it. Coaching visits go to every rising team, exchange visits to the partnerships
allocated the scarce visit budget, learning events to the network and to each province. Once the
programme is over, partnerships plan yearly visits and learning events that happen only if
someone pays.
"""

import numpy as np

from sim.activity_kinds import COACHING, EXCHANGE_VISIT, PROVINCIAL_EVENT, VIRTUAL_EVENT
from sim.params import Scenario
from sim.ties import Ties

PLAN_DTYPE = np.dtype(
    [
        ("month", np.int64),
        ("kind", np.int64),
        ("learner", np.int64),
        ("host", np.int64),
        ("province", np.int64),
    ]
)


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
