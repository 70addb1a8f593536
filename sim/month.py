"""One month of a twinning programme: what happens, in order.

The donor may leave (:mod:`sim.payers` decides who keeps twinning), co-design workshops due
this month are held, teams due to launch hold their launch sessions, some teams switch a
priority, then the activities due this month, and those delayed from the last, are held
(:mod:`sim.delivery`); what is delayed slips a month.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.activity_kinds import (
    CO_DESIGN_WORKSHOP,
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    VIRTUAL_EVENT,
)
from sim.calendar import join_rows
from sim.delivery import (
    hold_co_design,
    hold_coaching,
    hold_event,
    hold_exchange_visits,
    launch_teams,
)

if TYPE_CHECKING:
    from sim.model import TwinningModel


def run_month(model: "TwinningModel", month: int, shocked: np.ndarray) -> None:
    """Everything the programme does in ``month``; ``shocked`` marks teams whose workload
    disrupts their activities this month."""
    state = model.state
    if month == model.payers.exit_month:
        donor_leaves(model)
    due = model.plan_by_month[month]
    hold_co_design(model, month, due[due["kind"] == CO_DESIGN_WORKSHOP])
    launch_teams(model, month, due[due["kind"] == LAUNCH_WORKSHOP])
    switch_priorities(model, month)
    if len(state.carried):
        due = join_rows([due, state.carried])
        state.carried = state.carried[:0]
    if len(due) == 0:
        return
    kind = due["kind"]
    coaching, coaching_twice = _once_a_month(due[kind == COACHING])
    visits, visits_twice = _once_a_month(due[kind == EXCHANGE_VISIT])
    state.log.delayed[COACHING] += len(coaching_twice)
    state.log.delayed[EXCHANGE_VISIT] += len(visits_twice)
    delayed = [
        hold_coaching(model, month, coaching, shocked),
        hold_exchange_visits(model, month, visits, shocked),
        coaching_twice,
        visits_twice,
    ]
    for row in due[(kind == VIRTUAL_EVENT) | (kind == PROVINCIAL_EVENT)]:
        hold_event(model, month, row, shocked)
    carry_over(model, month, join_rows(delayed))


def donor_leaves(model: "TwinningModel") -> None:
    """Each enrolled institution decides whether it keeps twinning (:mod:`sim.payers`); those
    that stop end their ties and host no new ones."""
    state = model.state
    state.twinning = model.payers.donor_leaves(
        model.design_rng, state.leadership, model.enrolled, model.world.kind == "dhmt"
    )
    ties, stopped = state.ties, ~state.twinning
    ties.end(np.flatnonzero(ties.active & (stopped[ties.learner] | stopped[ties.host])))
    model.matcher.withdraw(stopped)


def switch_priorities(model: "TwinningModel", month: int) -> None:
    """Some teams change a priority mid-course; only announced switches are rematched. Teams
    that stopped twinning (the donor left and they did not fund themselves) switch no more.

    Who switches, which topic goes and which comes are drawn for all teams at once; each
    switching institution then acts on its own decision (:meth:`Institution.switch_priority`).
    """
    ctx, rng, state = model.params.context, model.design_rng, model.state
    switch_draw, notice_draw = rng.random((2, len(model.member)))
    running = state.twinning & (model.launch < month) & (month < model.programme_end)
    switchers = np.flatnonzero(running & (switch_draw < ctx.priority_switch_monthly))
    if len(switchers) == 0:
        return
    rising = state.rising[switchers]
    options = model.can_rise[switchers] & ~rising & ~model.shining[switchers]
    able = rising.any(axis=1) & options.any(axis=1)
    switchers, rising, options = switchers[able], rising[able], options[able]
    drop_draw, take_draw = rng.random((2, *rising.shape))
    dropped = np.argmax(np.where(rising, drop_draw, -1.0), axis=1)
    taken = np.argmax(np.where(options, take_draw, -1.0), axis=1)
    notified = notice_draw[switchers] < ctx.switch_notified_share
    for i, drop, take, told in zip(switchers, dropped, taken, notified, strict=True):
        model.institutions[i].switch_priority(int(drop), int(take), bool(told))


def carry_over(model, month: int, delayed: np.ndarray) -> None:
    """Delayed activities slip a month; those slipping past the horizon are cancelled."""
    if len(delayed) == 0:
        return
    keep = np.full(len(delayed), month + 1 <= model.params.horizon_months)
    model.state.log.cancelled[delayed["kind"][~keep]] += 1
    carried = delayed[keep].copy()
    carried["month"] = month + 1
    model.state.carried = carried


def _once_a_month(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A team receives one coaching visit, and a partnership one exchange visit, a month: when a
    delayed activity meets the next planned one, the second slips a month."""
    if len(rows) < 2:
        return rows, rows[:0]
    key = rows["learner"] * (rows["host"].max() + 2) + rows["host"] + 1
    if len(set(key.tolist())) == len(key):  # the usual case, found without sorting
        return rows, rows[:0]
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(len(rows), dtype=bool)
    keep[first] = True
    return rows[keep], rows[~keep]
