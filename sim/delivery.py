"""Holding activities: what each kind of activity does and whom it teaches.

What is held is priced and paid for (:mod:`sim.pricing`, :mod:`sim.payers`) and moves know-how
(:func:`sim.learning.learn`); what a workload shock disrupts is delayed or cancelled:

- a co-design workshop, before the launch, adapts the approach and teaches nothing directly;
- a launch workshop session prompts each of its teams' analysis of its own gaps;
- a coaching visit teaches a rising team along all its ties;
- an exchange visit teaches the visiting team along its ties to the host, and the host refines
  its own practice and gains recognition;
- a learning event teaches every team present from the best measured member (of the network,
  or of the province), in the workshop's topics (virtual) or every rising topic (provincial).

:mod:`sim.month` calls these in order, month by month.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import learning
from sim.activity_kinds import (
    ACTIVITY_KINDS,
    CO_DESIGN_WORKSHOP,
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    ActivityKind,
)
from sim.by_replication import of_rows
from sim.calendar import in_turn, join_rows

if TYPE_CHECKING:
    from sim.model import TwinningModel


def hold_co_design(model: "TwinningModel", month: int, rows: np.ndarray) -> None:
    """Co-design workshops (plan rows): the Ministry, DHMTs and hospitals adapt the approach
    before the launch. They teach nothing directly; one nobody pays for is not held."""
    kind, schedule = ACTIVITY_KINDS[CO_DESIGN_WORKSHOP], model.params.schedule
    for workshops in in_turn(rows):
        teams = model.gatherings.co_design_teams[workshops["session"]]
        participants = teams * schedule.participants_per_event
        in_person = np.zeros(len(workshops), dtype=bool)
        _hold_gathering(
            model, kind, month, workshops, in_person, participants, schedule.workshop_days
        )


def launch_teams(model: "TwinningModel", month: int, sessions: np.ndarray) -> None:
    """The launch workshop's sessions of this month (plan rows): teams analyse their own gaps
    (self-analysis gain) and meet partners. A session nobody can pay is not held, and its teams
    gain nothing from it.

    Under performance contracts, DHMT leaders commit more from the start."""
    if month not in model.launch_months:
        return
    state, kind = model.state, ACTIVITY_KINDS[LAUNCH_WORKSHOP]
    launching = model.enrolled & (model.launch == month)
    ctx, schedule, funding = model.context_parameters, model.params.schedule, model.params.funding
    if funding.performance_contracts:
        districts = launching & model.dhmt
        state.leadership[districts] = np.minimum(
            state.leadership[districts] + funding.contract_leadership_boost, 1.0
        )
    attended = np.zeros(len(launching), dtype=bool)
    for turn in in_turn(sessions):
        row_of = _row_of_institution(model, turn)
        teams = (row_of >= 0) & (model.gatherings.launch_session == turn["session"][row_of])
        participants = _per_block(model, teams)[turn["block"]] * schedule.participants_per_event
        in_person = np.zeros(len(turn), dtype=bool)
        paid = _hold_gathering(
            model, kind, month, turn, in_person, participants, schedule.workshop_days
        )
        attended |= teams & paid[row_of]
    rising = state.rising & attended[:, None]
    headroom = np.maximum(model.ceiling[None, :] - state.competence - state.knowhow, 0.0)
    gain = np.asarray(of_rows(ctx.self_analysis_gain, model.block), dtype=headroom.dtype)
    state.knowhow += np.where(rising, (gain[:, None] if gain.ndim else gain) * headroom, 0.0)


def hold_coaching(model, month, rows, shocked) -> np.ndarray:
    """Facilitators coach each rising team on all its active ties; returns the delayed rows."""
    if len(rows) == 0:
        return rows
    state, kind = model.state, ACTIVITY_KINDS[COACHING]
    held, delayed = _disrupt(model, kind, shocked[rows["learner"]], rows)
    schedule = model.params.schedule
    participants, days = schedule.participants_per_event, schedule.facilitator_days_per_coaching
    held, virtual, paid = _paid_visits(model, kind, month, held, participants, days)
    slots = state.ties.slot[held["learner"]]
    visit, column = np.nonzero(slots >= 0)
    blocks = held["block"][visit]
    efficacy = learning.efficacy(model.context_parameters, kind, virtual[visit], blocks)
    _teach_ties(model, slots[visit, column], efficacy)
    _log_visits(model, kind, month, held, virtual, participants, days, paid)
    return delayed


def hold_exchange_visits(model, month, rows, shocked) -> np.ndarray:
    """Rising teams visit their hosts; hosts gain recognition and refine their own practice."""
    if len(rows) == 0:
        return rows
    state, kind = model.state, ACTIVITY_KINDS[EXCHANGE_VISIT]
    ties = state.ties
    _, pair = ties.of_partnerships(rows["learner"], rows["host"])
    broken = np.bincount(pair, minlength=len(rows)) == 0
    if broken.any():
        state.log.count("cancelled", kind.code, rows["block"][broken])
        rows = rows[~broken]
    held, delayed = _disrupt(model, kind, shocked[rows["learner"]] | shocked[rows["host"]], rows)
    held, over = _within_host_capacity(held, model.params.schedule.host_visits_per_month)
    state.log.count("delayed", kind.code, over["block"])
    ctx, schedule = model.context_parameters, model.params.schedule
    travellers, days = schedule.staff_per_visit, schedule.visit_days
    held, virtual, paid = _paid_visits(model, kind, month, held, travellers, days)
    which, visit = ties.of_partnerships(held["learner"], held["host"])
    blocks = held["block"][visit]
    _teach_ties(model, which, learning.efficacy(ctx, kind, virtual[visit], blocks))
    ratio = learning.delivery_ratio(ctx, kind, virtual[visit], blocks)
    hosts, topics = ties.host[which], ties.topic[which]
    headroom = np.maximum(
        model.ceiling[topics] - state.competence[hosts, topics] - state.knowhow[hosts, topics],
        0.0,
    )
    refinement = of_rows(ctx.host_refinement_gain, blocks) * ratio * headroom
    np.add.at(state.knowhow, (hosts, topics), refinement)
    recognition = learning.delivery_ratio(ctx, kind, virtual, held["block"]) * of_rows(
        ctx.host_recognition_gain, held["block"]
    )
    np.add.at(state.leadership, held["host"], recognition)
    np.clip(state.leadership, 0.0, 1.0, out=state.leadership)
    # The travellers and their facilitator are on the road.
    _log_visits(model, kind, month, held, virtual, travellers, (travellers + 1) * days, paid)
    return join_rows([delayed, over])


def hold_event(model, month, rows, shocked) -> None:
    """Learning events of one kind, at most one a replication (plan rows): high performers
    present; attendees learn in their rising topics (at a virtual workshop only in its topics,
    :meth:`sim.gatherings.Gatherings.virtual_event_topics`)."""
    ctx, schedule, state = model.context_parameters, model.params.schedule, model.state
    kind, blocks = ACTIVITY_KINDS[int(rows["kind"][0])], rows["block"]
    virtual = _held_virtually(model, kind, rows["virtual"], blocks)
    attendance = np.where(
        virtual,
        of_rows(ctx.event_attendance_virtual, blocks),
        of_rows(ctx.event_attendance_in_person, blocks),
    )
    row_of = _row_of_institution(model, rows)
    chance = model.draws.per_institution(blocks=blocks)
    attends = (row_of >= 0) & (chance < attendance[row_of])
    present = state.twinning & (model.launch <= month) & attends & ~shocked
    topic_count = len(model.ceiling)
    if kind.code == PROVINCIAL_EVENT:
        present &= model.gatherings.event_province == rows["province"][row_of]
        teachers = model.presenters["province"][blocks, rows["province"]]
        taught = np.ones((len(rows), topic_count), dtype=bool)
    else:
        teachers = model.presenters["national"][blocks]
        taught = model.gatherings.virtual_topics(rows, topic_count)
    participants = _per_block(model, present)[blocks] * schedule.participants_per_event
    paid = _hold_gathering(model, kind, month, rows, virtual, participants, schedule.event_days)
    if not paid.any():
        return
    present &= paid[row_of]
    learner, topic = np.nonzero(state.rising & present[:, None] & taught[row_of])
    event = row_of[learner]
    teacher = teachers[event, topic]
    keep = teacher != learner
    learner, topic, teacher, event = learner[keep], topic[keep], teacher[keep], event[keep]
    learning.learn(
        state.competence,
        state.knowhow,
        model.ceiling,
        learner,
        teacher,
        topic,
        learning.efficacy(ctx, kind, virtual, blocks)[event],
        model.absorptive(),
        model.similarity(learner, teacher),
    )


def _row_of_institution(model, rows: np.ndarray) -> np.ndarray:
    """For gatherings of different replications (``rows``, at most one a replication), the row
    of each institution's replication's gathering, or -1 if its replication has none."""
    row_of = np.full(model.blocks, -1)
    row_of[rows["block"]] = np.arange(len(rows))
    return row_of[model.block]


def _per_block(model, institutions: np.ndarray) -> np.ndarray:
    """How many of the marked ``institutions`` each replication has."""
    if model.blocks == 1:
        return np.array([np.count_nonzero(institutions)])
    return np.bincount(model.block[institutions], minlength=model.blocks)


@dataclass
class Payment:
    held: np.ndarray  # bool per activity: someone paid
    cash: np.ndarray  # RWF per held activity
    payer: np.ndarray  # funder code per held activity (sim.payers)
    staff_days: np.ndarray  # person-days of staff per held activity


def _fund(
    model,
    kind: ActivityKind,
    month: int,
    rows: np.ndarray,
    virtual: np.ndarray,
    participants,
    days: float,
) -> Payment:
    """Price each activity (plan rows) and find its payer; unpaid ones are dropped and
    counted. ``participants``: one number for all, or one per activity."""
    pricing = model.pricing
    if len(rows) == 0:
        nothing = np.zeros(0)
        return Payment(np.zeros(0, dtype=bool), nothing, nothing.astype(np.int64), nothing)
    learners, hosts = rows["learner"], rows["host"]
    cash = pricing.cash(
        kind, model.local(learners), model.local(hosts), virtual, participants, days
    )
    payer = model.payers.pay(kind, month, learners, cash, rows["block"])
    held = payer >= 0
    staff = pricing.staff_days(kind, virtual, participants, days)
    return Payment(held, cash[held], payer[held], staff[held])


def _paid_visits(
    model, kind: ActivityKind, month: int, rows: np.ndarray, participants: int, days: float
) -> tuple[np.ndarray, np.ndarray, "Payment"]:
    """Visits (plan rows) that go ahead: which are held virtually, who pays; returns the rows
    someone paid for, whether each is virtual, and the payment."""
    virtual = _held_virtually(model, kind, rows["virtual"], rows["block"])
    paid = _fund(model, kind, month, rows, virtual, participants, days)
    return rows[paid.held], virtual[paid.held], paid


def _log_visits(model, kind, month, held, virtual, participants, travel_days, paid) -> None:
    """Log visits held; ``travel_days`` are the person-days on the road of one held in person."""
    model.state.log.record(
        kind.code,
        month,
        held["learner"],
        held["host"],
        held["province"],
        virtual,
        participants,
        np.where(virtual, 0, travel_days),
        paid.cash,
        paid.payer,
        paid.staff_days,
        held["block"],
    )


def _hold_gathering(
    model,
    kind: ActivityKind,
    month: int,
    rows: np.ndarray,
    virtual: np.ndarray,
    participants: np.ndarray,
    days: float,
) -> np.ndarray:
    """Fund and log gatherings of many teams (plan rows, at most one a replication: a
    workshop, or a learning event of a province or, with ``province`` -1, of the network);
    returns whether someone paid for each."""
    paid = _fund(model, kind, month, rows, virtual, participants, days)
    if paid.held.any():
        held = paid.held
        model.state.log.record(
            kind.code,
            month,
            -1,
            -1,
            rows["province"][held],
            virtual[held],
            participants[held],
            np.where(virtual[held], 0, participants[held] * days),
            paid.cash,
            paid.payer,
            paid.staff_days,
            rows["block"][held],
        )
    return paid.held


def _held_virtually(
    model, kind: ActivityKind, planned: np.ndarray, blocks: np.ndarray
) -> np.ndarray:
    """Which activities of a kind are held virtually, given their plan rows' ``virtual``
    (``planned``) and replications (``blocks``): as planned for a kind the schedule decides, a
    draw of ``virtual_share`` for a kind held either way, else as the kind is always held."""
    if kind.delivery == "scheduled":
        return np.asarray(planned, dtype=bool).copy()
    if kind.delivery == "either":
        share = of_rows(model.design_parameters.virtual_share, blocks)
        return model.draws.per_row(blocks) < share
    return np.full(len(planned), kind.delivery == "virtual")


def _disrupt(model, kind: ActivityKind, disrupted: np.ndarray, rows: np.ndarray):
    """Split rows into held and delayed; cancelled ones are only counted."""
    chance = model.draws.per_row(rows["block"])
    cancel = disrupted & (
        chance < of_rows(model.context_parameters.shock_cancel_share, rows["block"])
    )
    delayed = disrupted & ~cancel
    model.state.log.count("cancelled", kind.code, rows["block"][cancel])
    model.state.log.count("delayed", kind.code, rows["block"][delayed])
    return rows[~disrupted], rows[delayed]


def _within_host_capacity(rows: np.ndarray, per_month: int) -> tuple[np.ndarray, np.ndarray]:
    """A host receives at most ``per_month`` visits a month; later ones in the list slip."""
    if len(rows) == 0:
        return rows, rows
    if per_month >= 1 and len(set(rows["host"].tolist())) == len(rows):  # the usual case
        return rows, rows[:0]
    order = np.argsort(rows["host"], kind="stable")
    hosts = rows["host"][order]
    first = np.searchsorted(hosts, hosts, side="left")
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - first
    return rows[rank < per_month], rows[rank >= per_month]


def _teach_ties(model, which: np.ndarray, efficacy) -> None:
    """Learning along ties; a host spread over many mentees gives each of them less."""
    state = model.state
    ties = state.ties
    learner, host, topic = ties.learner[which], ties.host[which], ties.topic[which]
    spread = of_rows(model.context_parameters.host_load_dilution, model.block[host])
    dilution = 1.0 + spread * (ties.host_load[host] - 1)
    learning.learn(
        state.competence,
        state.knowhow,
        model.ceiling,
        learner,
        host,
        topic,
        efficacy / dilution,
        model.absorptive(),
        model.similarity(learner, host),
    )
