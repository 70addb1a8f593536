"""One month of a twinning programme: launches, priority switches and the activities due.

Activities are held, delayed (a workload shock, or a host already receiving its monthly maximum
of visits) or cancelled (a shock the team could not absorb, or a partnership broken by an
unannounced priority switch). What is held moves know-how through :func:`sim.dynamics.learn`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import activities as act
from sim.dynamics import learn

if TYPE_CHECKING:
    from sim.model import TwinningModel


def run_month(model: "TwinningModel", month: int, shocked: np.ndarray) -> None:
    if month == model.funding.exit_month:
        model.funding.donor_leaves(model.design_rng)
    launch_teams(model, month)
    switch_priorities(model, month)
    due = model.plan_by_month[month]
    if len(model.carried):
        due = _join([due, model.carried])
        model.carried = model.carried[:0]
    if len(due) == 0:
        return
    kind = due["kind"]
    coaching, coaching_twice = _once_a_month(due[kind == act.COACHING])
    visits, visits_twice = _once_a_month(due[kind == act.EXCHANGE_VISIT])
    model.log.delayed[act.COACHING] += len(coaching_twice)
    model.log.delayed[act.EXCHANGE_VISIT] += len(visits_twice)
    delayed = [
        hold_coaching(model, month, coaching, shocked),
        hold_exchange_visits(model, month, visits, shocked),
        coaching_twice,
        visits_twice,
    ]
    for row in due[(kind == act.VIRTUAL_EVENT) | (kind == act.PROVINCIAL_EVENT)]:
        hold_event(model, month, row, shocked)
    carry_over(model, month, _join(delayed))


def launch_teams(model: "TwinningModel", month: int) -> None:
    """Launch workshop, one per province: teams analyse their own gaps (self-analysis gain) and
    meet partners. A workshop nobody can pay is not held, and its teams gain nothing from it.

    Under performance contracts, DHMT leaders commit more from the start."""
    if month not in model.launch_months:
        return
    launching = model.enrolled & (model.launch == month)
    ctx, schedule, funding = model.params.context, model.params.schedule, model.params.funding
    if funding.performance_contracts:
        districts = launching & (model.world.kind == "dhmt")
        model.leadership[districts] = np.minimum(
            model.leadership[districts] + funding.contract_leadership_boost, 1.0
        )
    attended = np.zeros(len(launching), dtype=bool)
    for province in np.unique(model.province_index[launching]):
        teams = launching & (model.province_index == province)
        participants = int(teams.sum()) * schedule.participants_per_event
        paid = _fund(
            model,
            act.LAUNCH_WORKSHOP,
            month,
            np.array([-1]),
            np.array([-1]),
            np.array([False]),
            participants,
            schedule.workshop_days,
        )
        if not paid.held.any():
            continue
        attended |= teams
        model.log.record(
            act.LAUNCH_WORKSHOP,
            month,
            -1,
            -1,
            province,
            [False],
            participants,
            participants * schedule.workshop_days,
            paid.cash,
            paid.payer,
            paid.staff_days,
        )
    rising = model.rising & attended[:, None]
    headroom = np.maximum(model.ceiling[None, :] - model.competence - model.knowhow, 0.0)
    model.knowhow += np.where(rising, ctx.self_analysis_gain * headroom, 0.0)


def switch_priorities(model: "TwinningModel", month: int) -> None:
    """Some teams change a priority mid-course; only announced switches are rematched. Teams
    that stopped twinning (the donor left and they did not fund themselves) switch no more.

    Who switches, which topic goes and which comes are drawn for all teams at once; each
    switching institution then acts on its own decision (:meth:`Institution.switch_priority`).
    """
    ctx, rng = model.params.context, model.design_rng
    switch_draw, notice_draw = rng.random((2, len(model.member)))
    running = model.twinning & (model.launch < month) & (month < model.programme_end)
    switchers = np.flatnonzero(running & (switch_draw < ctx.priority_switch_monthly))
    if len(switchers) == 0:
        return
    rising = model.rising[switchers]
    options = model.can_rise[switchers] & ~rising & ~model.shining[switchers]
    able = rising.any(axis=1) & options.any(axis=1)
    switchers, rising, options = switchers[able], rising[able], options[able]
    drop_draw, take_draw = rng.random((2, *rising.shape))
    dropped = np.argmax(np.where(rising, drop_draw, -1.0), axis=1)
    taken = np.argmax(np.where(options, take_draw, -1.0), axis=1)
    notified = notice_draw[switchers] < ctx.switch_notified_share
    for i, drop, take, told in zip(switchers, dropped, taken, notified, strict=True):
        model.institutions[i].switch_priority(int(drop), int(take), bool(told))


def hold_coaching(model, month, rows, shocked) -> np.ndarray:
    """Facilitators coach each rising team on all its active ties; returns the delayed rows."""
    if len(rows) == 0:
        return rows
    held, delayed = _disrupt(model, act.COACHING, shocked[rows["learner"]], rows)
    virtual = model.design_rng.random(len(held)) < model.params.design.virtual_share
    schedule = model.params.schedule
    paid = _fund(
        model,
        act.COACHING,
        month,
        held["learner"],
        held["host"],
        virtual,
        schedule.participants_per_event,
        schedule.facilitator_days_per_coaching,
    )
    held, virtual = held[paid.held], virtual[paid.held]
    slots = model.ties.slot[held["learner"]]
    visit, column = np.nonzero(slots >= 0)
    efficacy = _efficacy(model, model.params.context.efficacy_coaching, virtual[visit])
    _teach_ties(model, slots[visit, column], efficacy)
    model.log.record(
        act.COACHING,
        month,
        held["learner"],
        -1,
        held["province"],
        virtual,
        schedule.participants_per_event,
        np.where(virtual, 0, schedule.facilitator_days_per_coaching),
        paid.cash,
        paid.payer,
        paid.staff_days,
    )
    return delayed


def hold_exchange_visits(model, month, rows, shocked) -> np.ndarray:
    """Rising teams visit their hosts; hosts gain recognition and refine their own practice."""
    if len(rows) == 0:
        return rows
    ties = model.ties
    _, pair = ties.of_partnerships(rows["learner"], rows["host"])
    broken = np.bincount(pair, minlength=len(rows)) == 0
    if broken.any():
        model.log.cancelled[act.EXCHANGE_VISIT] += int(broken.sum())
        rows = rows[~broken]
    held, delayed = _disrupt(
        model, act.EXCHANGE_VISIT, shocked[rows["learner"]] | shocked[rows["host"]], rows
    )
    held, over = _within_host_capacity(held, model.params.schedule.host_visits_per_month)
    model.log.delayed[act.EXCHANGE_VISIT] += len(over)
    ctx, schedule = model.params.context, model.params.schedule
    virtual = model.design_rng.random(len(held)) < model.params.design.virtual_share
    paid = _fund(
        model,
        act.EXCHANGE_VISIT,
        month,
        held["learner"],
        held["host"],
        virtual,
        schedule.staff_per_visit,
        schedule.visit_days,
    )
    held, virtual = held[paid.held], virtual[paid.held]
    which, visit = ties.of_partnerships(held["learner"], held["host"])
    ratio = np.where(virtual[visit], ctx.virtual_delivery_ratio, 1.0)
    _teach_ties(model, which, ctx.learning_scale * ctx.efficacy_exchange_visit * ratio)
    hosts, topics = ties.host[which], ties.topic[which]
    headroom = np.maximum(
        model.ceiling[topics] - model.competence[hosts, topics] - model.knowhow[hosts, topics], 0.0
    )
    np.add.at(model.knowhow, (hosts, topics), ctx.host_refinement_gain * ratio * headroom)
    recognition = np.where(virtual, ctx.virtual_delivery_ratio, 1.0) * ctx.host_recognition_gain
    np.add.at(model.leadership, held["host"], recognition)
    np.clip(model.leadership, 0.0, 1.0, out=model.leadership)
    travellers = schedule.staff_per_visit
    model.log.record(
        act.EXCHANGE_VISIT,
        month,
        held["learner"],
        held["host"],
        held["province"],
        virtual,
        travellers,
        np.where(virtual, 0, (travellers + 1) * schedule.visit_days),
        paid.cash,
        paid.payer,
        paid.staff_days,
    )
    return _join([delayed, over])


def hold_event(model, month, row, shocked) -> None:
    """A learning event: high performers present; attendees learn in their rising topics."""
    ctx, schedule = model.params.context, model.params.schedule
    provincial = row["kind"] == act.PROVINCIAL_EVENT
    virtual = (not provincial) or model.design_rng.random() < model.params.design.virtual_share
    attendance = ctx.event_attendance_virtual if virtual else ctx.event_attendance_in_person
    attends = model.design_rng.random(len(model.member)) < attendance
    present = model.twinning & (model.launch <= month) & attends & ~shocked
    if provincial:
        present &= model.province_index == row["province"]
        teachers = model.presenters["province"][row["province"]]
        base = ctx.efficacy_provincial_event
    else:
        teachers = model.presenters["national"]
        base = ctx.efficacy_virtual_event
    participants = int(present.sum()) * schedule.participants_per_event
    paid = _fund(
        model,
        row["kind"],
        month,
        np.array([-1]),
        np.array([-1]),
        np.array([virtual]),
        participants,
        schedule.event_days,
    )
    if not paid.held.any():
        return
    learner, topic = np.nonzero(model.rising & present[:, None])
    teacher = teachers[topic]
    keep = teacher != learner
    learner, topic, teacher = learner[keep], topic[keep], teacher[keep]
    ratio = ctx.virtual_delivery_ratio if (virtual and provincial) else 1.0
    learn(
        model.competence,
        model.knowhow,
        model.ceiling,
        learner,
        teacher,
        topic,
        ctx.learning_scale * base * ratio,
        model.absorptive(),
        model.similarity(learner, teacher),
    )
    model.log.record(
        row["kind"],
        month,
        -1,
        -1,
        row["province"],
        [virtual],
        participants,
        0 if virtual else participants * schedule.event_days,
        paid.cash,
        paid.payer,
        paid.staff_days,
    )


def carry_over(model, month: int, delayed: np.ndarray) -> None:
    """Delayed activities slip a month; those slipping past the horizon are cancelled."""
    if len(delayed) == 0:
        return
    keep = np.full(len(delayed), month + 1 <= model.params.horizon_months)
    model.log.cancelled[delayed["kind"][~keep]] += 1
    carried = delayed[keep].copy()
    carried["month"] = month + 1
    model.carried = carried


@dataclass
class Payment:
    held: np.ndarray  # bool per activity: someone paid
    cash: np.ndarray  # RWF per held activity
    payer: np.ndarray  # funder code per held activity (sim.funding)
    staff_days: np.ndarray  # person-days of staff per held activity


def _fund(
    model,
    kind: int,
    month: int,
    learners: np.ndarray,
    hosts: np.ndarray,
    virtual: np.ndarray,
    participants: int,
    days: float,
) -> Payment:
    """Price each activity and find its payer; unpaid ones are dropped and counted."""
    funding = model.funding
    learners, hosts = np.asarray(learners), np.asarray(hosts)
    if len(learners) == 0:
        nothing = np.zeros(0)
        return Payment(np.zeros(0, dtype=bool), nothing, nothing.astype(np.int64), nothing)
    cash = funding.prices(kind, learners, hosts, virtual, participants, days)
    payer = funding.pay(kind, month, learners, cash)
    held = payer >= 0
    staff = funding.staff_days(kind, virtual, participants, days)
    return Payment(held, cash[held], payer[held], staff[held])


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate activity rows, skipping empty parts: joining structured arrays is costly,
    and most months most parts are empty."""
    filled = [part for part in parts if len(part)]
    if len(filled) == 1:
        return filled[0]
    return np.concatenate(filled) if filled else parts[0][:0]


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


def _disrupt(model, kind: int, disrupted: np.ndarray, rows: np.ndarray):
    """Split rows into held and delayed; cancelled ones are only counted."""
    cancel = disrupted & (
        model.design_rng.random(len(rows)) < model.params.context.shock_cancel_share
    )
    model.log.cancelled[kind] += int(cancel.sum())
    delayed = disrupted & ~cancel
    model.log.delayed[kind] += int(delayed.sum())
    return rows[~disrupted], rows[delayed]


def _within_host_capacity(rows: np.ndarray, per_month: int) -> tuple[np.ndarray, np.ndarray]:
    """A host receives at most ``per_month`` visits a month; later ones in the list slip."""
    if len(rows) == 0:
        return rows, rows
    order = np.argsort(rows["host"], kind="stable")
    hosts = rows["host"][order]
    first = np.searchsorted(hosts, hosts, side="left")
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - first
    return rows[rank < per_month], rows[rank >= per_month]


def _efficacy(model, base: float, virtual: np.ndarray) -> np.ndarray:
    ctx = model.params.context
    return ctx.learning_scale * base * np.where(virtual, ctx.virtual_delivery_ratio, 1.0)


def _teach_ties(model, which: np.ndarray, efficacy) -> None:
    """Learning along ties; a host spread over many mentees gives each of them less."""
    ties = model.ties
    learner, host, topic = ties.learner[which], ties.host[which], ties.topic[which]
    dilution = 1.0 + model.params.context.host_load_dilution * (model.host_load[host] - 1)
    learn(
        model.competence,
        model.knowhow,
        model.ceiling,
        learner,
        host,
        topic,
        efficacy / dilution,
        model.absorptive(),
        model.similarity(learner, host),
    )
