"""One month of a twinning programme: what happens, in order.

The donor may leave (:mod:`sim.payers` decides who keeps twinning), co-design workshops due
this month are held, teams due to launch hold their launch sessions, some teams switch a
priority, then the activities due this month, and those delayed from the last, are held
(:mod:`sim.delivery`); what is delayed slips a month.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim import indicators, learning
from sim.activity_kinds import (
    CO_DESIGN_WORKSHOP,
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    VIRTUAL_EVENT,
)
from sim.by_replication import of_rows
from sim.calendar import in_turn, join_rows
from sim.delivery import (
    hold_co_design,
    hold_coaching,
    hold_event,
    hold_exchange_visits,
    launch_teams,
)
from sim.state import STATE

if TYPE_CHECKING:
    from sim.model import ContextDraws, TwinningModel


def live_month(model: "TwinningModel", month: int, draws: "ContextDraws") -> None:
    """One month of a run: new leaders take over, the programme (if there is one) holds this
    month's activities and teams implement and lose know-how, and competence drifts.

    Know-how comes only from the programme's activities: without a programme it stays zero,
    and there is none to implement or to lose."""
    state = model.state
    state.leadership[draws.new_leader] = draws.commitment
    if model.params.design.design != "none":
        run_month(model, month, draws.shocked)
        ctx = model.context_parameters
        rate = of_rows(ctx.implementation_rate, model.block)
        floor = of_rows(ctx.implementation_floor, model.block)
        leadership = state.leadership.astype(STATE)
        learning.implement(state.competence, state.knowhow, leadership, rate, floor)
        learning.lose_knowhow(state.knowhow, draws.departed)
    indicators.drift(
        state.competence, model.trend_per_month, model.shock_scale, draws.shocks, model.ceiling
    )


def run_month(model: "TwinningModel", month: int, shocked: np.ndarray) -> None:
    """Everything the programme does in ``month``; ``shocked`` marks teams whose workload
    disrupts their activities this month.

    ``model`` is one replication or a batch of them side by side (:mod:`sim.batch`): every
    rule keeps each replication's own order of events and draws."""
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
    state.log.count("delayed", COACHING, coaching_twice["block"])
    state.log.count("delayed", EXCHANGE_VISIT, visits_twice["block"])
    delayed = [
        hold_coaching(model, month, coaching, shocked),
        hold_exchange_visits(model, month, visits, shocked),
        coaching_twice,
        visits_twice,
    ]
    events = due[(kind == VIRTUAL_EVENT) | (kind == PROVINCIAL_EVENT)]
    for code in np.unique(events["kind"]):
        for rows in in_turn(events[events["kind"] == code]):
            hold_event(model, month, rows, shocked)
    carry_over(model, month, join_rows(delayed))


def donor_leaves(model: "TwinningModel") -> None:
    """Each enrolled institution decides whether it keeps twinning (:mod:`sim.payers`); those
    that stop end their ties and host no new ones."""
    state = model.state
    state.twinning = model.payers.donor_leaves(
        model.draws.per_institution(), state.leadership, model.enrolled, model.dhmt
    )
    ties, stopped = state.ties, ~state.twinning
    ties.end(np.flatnonzero(ties.active & (stopped[ties.learner] | stopped[ties.host])))
    model.matcher.withdraw(stopped)


def switch_priorities(model: "TwinningModel", month: int) -> None:
    """Some teams change a priority mid-course; only announced switches are rematched. Teams
    that stopped twinning (the donor left and they did not fund themselves) switch no more.

    Who switches, which topic goes and which comes are drawn for all teams at once; each
    switching institution then acts on its own decision (:func:`switch_priority`).
    """
    ctx, state = model.context_parameters, model.state
    switch_draw, notice_draw = model.draws.per_institution((2,))
    running = state.twinning & (model.launch < month) & (month < model.programme_end)
    chance = of_rows(ctx.priority_switch_monthly, model.block)
    switchers = np.flatnonzero(running & (switch_draw < chance))
    if len(switchers) == 0:
        return
    rising = state.rising[switchers]
    options = model.can_rise[switchers] & ~rising & ~model.shining[switchers]
    able = rising.any(axis=1) & options.any(axis=1)
    switchers, rising, options = switchers[able], rising[able], options[able]
    drop_draw, take_draw = model.draws.per_row(model.block[switchers], (2,), rising.shape[1:])
    dropped = np.argmax(np.where(rising, drop_draw, -1.0), axis=1)
    taken = np.argmax(np.where(options, take_draw, -1.0), axis=1)
    notified = notice_draw[switchers] < of_rows(ctx.switch_notified_share, model.block[switchers])
    for i, drop, take, told in zip(switchers, dropped, taken, notified, strict=True):
        switch_priority(model, int(i), int(drop), int(take), bool(told))
    state.switches = state.switches + np.bincount(
        model.block[switchers], minlength=len(state.switches)
    )


def switch_priority(model, institution: int, dropped: int, taken: int, notified: bool) -> None:
    """One team drops a rising topic for another (Gasana et al. 2024: priorities changed
    mid-course).

    The tie in the dropped topic ends either way. When partner and facilitators are told,
    they match the new topic to a host; when they are not, the new topic has no partner.
    """
    state, i = model.state, institution
    state.rising[i, dropped], state.rising[i, taken] = False, True
    tie = state.ties.slot[i, dropped]
    if tie >= 0:
        state.ties.end(np.array([tie]))
    if notified:
        host = model.matcher.host_for(i, taken)
        if host >= 0:
            state.ties.add(i, host, taken)


def carry_over(model, month: int, delayed: np.ndarray) -> None:
    """Delayed activities slip a month; those slipping past the horizon are cancelled."""
    if len(delayed) == 0:
        return
    keep = np.full(len(delayed), month + 1 <= model.params.horizon_months)
    if not keep.all():
        model.state.log.count("cancelled", delayed["kind"][~keep], delayed["block"][~keep])
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
