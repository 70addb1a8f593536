"""Replications stepped side by side as one larger world, each giving the bytes it gives alone.

A ``tpn_2021`` month is about a hundred numpy calls on arrays of 74 rows, so a replication's
time goes to calls, not arithmetic (profiled for issue #15). :class:`Batch` lays the
replications of one scenario (one world, different seeds) side by side: replication ``r``'s
institutions are numbered from ``r * N``, no tie crosses from one replication to another, and
each month's rules (:mod:`sim.month`, the same functions a model alone runs) make one call for
the whole batch where a model alone makes one for itself.

Each replication keeps its own random streams: the models are built one by one as usual
(world, design and context streams, common random numbers with the counterfactual and across
scenarios), and every draw during the months comes from the replication's own generators in
the order it alone would make it (:class:`sim.draws.DesignDraws`). Each replication pays from
its own budgets (one ledger keeps the books side by side, :meth:`sim.payers.Payers.side_by_side`)
and its own matcher finds its hosts. After the last month each model is handed back its
own state, records, ties and activity log, as if it had run alone; a test holds every
replication to the bytes of its run alone.
"""

from functools import cached_property

import numpy as np

from sim import calendar, learning
from sim.activity_log import ActivityLog
from sim.by_replication import ByReplication, of_rows
from sim.counterfactual import Counterfactual
from sim.draws import DesignDraws
from sim.model import ContextDraws, SharedMonths, TwinningModel
from sim.month import live_month
from sim.payers import Payers
from sim.state import State
from sim.ties import Ties


class Batch:
    """Models of one scenario and world, built and not yet stepped, run side by side."""

    def __init__(self, models: list[TwinningModel]) -> None:
        first = models[0]
        if not all(side_by_side(first, model) for model in models[1:]):
            raise ValueError("Batch: models must share what the months read (side_by_side)")
        if any(model.steps or model.context.readers != 1 for model in models):
            raise ValueError("Batch: models must be new, their context streams not shared")
        self.models, self.params = models, first.params
        self.size = len(first.world)  # institutions per replication
        self.blocks = len(models)
        self.block = np.repeat(np.arange(self.blocks), self.size)
        self.offset = np.arange(self.blocks) * self.size
        self.draws = DesignDraws([m.design_rng for m in models], self.size)
        self.context = BatchContext(models)
        for name in (
            "enrolled",
            "member",
            "dhmt",
            "launch",
            "programme_end",
            "can_rise",
            "shining",
            "staff_retained",
            "trend_per_month",
            "shock_scale",
        ):
            setattr(self, name, np.concatenate([getattr(m, name) for m in models]))
        self.context_parameters = ByReplication([m.params.context for m in models])
        self.design_parameters = ByReplication([m.params.design for m in models])
        self.ceiling, self.launch_months = first.ceiling, first.launch_months
        self.pricing, self.geography = first.pricing, first.geography
        self.payers = Payers.side_by_side([m.payers for m in models])
        self.matcher = BatchMatcher(self)
        self.gatherings = BatchGatherings(self)
        self.presenters = {
            name: np.concatenate(
                [m.presenters[name] + offset for m, offset in zip(models, self.offset, strict=True)]
            )
            for name in ("national", "province")
        }
        self.plan_by_month = calendar.by_month(
            _side_by_side([m.plan for m in models], self.offset), self.params.horizon_months
        )
        states = [m.state for m in models]
        self.state = State(
            competence=np.concatenate([s.competence for s in states]),
            knowhow=np.concatenate([s.knowhow for s in states]),
            leadership=np.concatenate([s.leadership for s in states]),
            rising=np.concatenate([s.rising for s in states]),
            twinning=np.concatenate([s.twinning for s in states]),
            ties=Ties.side_by_side([s.ties for s in states]),
            log=ActivityLog(self.blocks),
            switches=np.zeros(self.blocks, dtype=np.int64),
        )
        for model, offset in zip(
            models, self.offset, strict=True
        ):  # matchers read the batch's loads
            model.matcher.host_load = self.state.ties.host_load[offset : offset + self.size]
        self.competence_by_month = [self.state.competence.copy()]
        self.knowhow_by_month = [self.state.knowhow.copy()]

    def local(self, institutions: np.ndarray) -> np.ndarray:
        """Institutions numbered as in their own world (-1, no institution, stays -1)."""
        return np.where(institutions >= 0, institutions % self.size, institutions)

    def absorptive(self) -> np.ndarray:
        floor = of_rows(self.context_parameters.absorptive_floor, self.block)
        return learning.absorptive_capacity(self.state.leadership, self.staff_retained, floor)

    def similarity(self, learner: np.ndarray, host: np.ndarray) -> np.ndarray:
        """Learning retained between paired learners and hosts, each replication under its
        own similarity penalties."""
        differences = self.geography.differences(self.local(learner), self.local(host))
        return self._retained_by_difference[self.block[learner], differences]

    @cached_property
    def _retained_by_difference(self) -> np.ndarray:
        return np.stack([m.geography.retained_by_difference for m in self.models])

    def run(self) -> list[tuple[TwinningModel, Counterfactual | TwinningModel]]:
        """Step every replication to the horizon with its counterfactual; returns each model
        with its counterfactual (a model without a programme is its own), as
        :func:`sim.runner.simulate_pair` gives them."""
        twinning = self.params.design.design != "none"
        counterfactual = Counterfactual(self) if twinning else None
        for month in range(1, self.params.horizon_months + 1):
            live_month(self, month, self.context.month(month))
            self.competence_by_month.append(self.state.competence.copy())
            self.knowhow_by_month.append(self.state.knowhow.copy())
            if counterfactual:
                counterfactual.step()
        pairs, logs = [], self.state.log.of_blocks(self.offset)
        for r, model in enumerate(self.models):
            self._hand_back(r, model, logs[r])
            if counterfactual:
                rows = slice(self.offset[r], self.offset[r] + self.size)
                own = Counterfactual.of_records(
                    [c[rows] for c in counterfactual.competence_by_month]
                )
                pairs.append((model, own))
            else:
                pairs.append((model, model))
        return pairs

    def _hand_back(self, r: int, model: TwinningModel, log: ActivityLog) -> None:
        """Replication ``r``'s state, records, ties and log, as if it had run alone."""
        rows, state = slice(self.offset[r], self.offset[r] + self.size), self.state
        own = model.state
        for name in ("competence", "knowhow", "leadership", "rising", "twinning"):
            setattr(own, name, getattr(state, name)[rows].copy())
        own.ties = state.ties.of_world(r, self.size)
        own.log = log
        own.switches = state.switches[r : r + 1].copy()
        carried = state.carried[state.carried["block"] == r].copy()
        for name in ("learner", "host"):
            carried[name] = np.where(carried[name] >= 0, carried[name] - self.offset[r], -1)
        carried["block"] = 0
        own.carried = carried
        model.matcher.host_load = own.ties.host_load
        self.payers.of_block(r, model.payers)
        model.competence_by_month = [c[rows] for c in self.competence_by_month]
        model.knowhow_by_month = [k[rows] for k in self.knowhow_by_month]
        model.steps, model.running = self.params.horizon_months, False


def side_by_side(model: TwinningModel, other: TwinningModel) -> bool:
    """Whether two models can run in one batch: what the months read for every replication at
    once must be the same (the world, the design, the horizon, the schedule, the calendar's
    launch and the donor's exit, performance contracts, what prices a trip); anything else may
    differ, being either read for each replication (:mod:`sim.by_replication`) or used only to
    build each model."""
    mine, theirs = model.params, other.params
    return (
        other.world is model.world
        and theirs.design.design == mine.design.design
        and theirs.horizon_months == mine.horizon_months
        and theirs.schedule == mine.schedule
        and theirs.context.road_factor == mine.context.road_factor
        and all(
            getattr(theirs.funding, name) == getattr(mine.funding, name)
            for name in (
                "performance_contracts",
                "contract_leadership_boost",
                "facilitation_base",
                "moh_pays_for",
            )
        )
        and other.launch_months == model.launch_months
        and other.payers.exit_month == model.payers.exit_month
        and np.array_equal(other.gatherings.co_design_teams, model.gatherings.co_design_teams)
    )


class BatchContext(SharedMonths):
    """The replications' context streams month by month, side by side: each replication's
    draws are its own stream's (its counterfactual reads the same)."""

    def __init__(self, models: list[TwinningModel]) -> None:
        super().__init__()
        self.streams = [m.context for m in models]
        self.size = len(models[0].world)

    def _draw(self, month: int) -> ContextDraws:
        draws = [stream.month(month) for stream in self.streams]
        return ContextDraws(
            departed=np.concatenate([d.departed for d in draws]),
            new_leader=np.concatenate([d.new_leader + r * self.size for r, d in enumerate(draws)]),
            commitment=np.concatenate([d.commitment for d in draws]),
            shocked=np.concatenate([d.shocked for d in draws]),
            shocks=np.concatenate([d.shocks for d in draws]),
        )


class BatchMatcher:
    """Each replication's own matcher finds its hosts (reading the batch's host loads)."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.matchers = [m.matcher for m in batch.models]

    def host_for(self, learner: int, topic: int) -> int:
        r, own = divmod(learner, self.batch.size)
        host = self.matchers[r].host_for(own, topic)
        return host + r * self.batch.size if host >= 0 else -1

    def withdraw(self, gone: np.ndarray) -> None:
        size = self.batch.size
        for r, matcher in enumerate(self.matchers):
            matcher.withdraw(gone[r * size : (r + 1) * size])


class BatchGatherings:
    """Who attends which gathering, replication by replication."""

    def __init__(self, batch: Batch) -> None:
        self.own = [m.gatherings for m in batch.models]
        self.launch_session = np.concatenate([g.launch_session for g in self.own])
        self.event_province = np.concatenate([g.event_province for g in self.own])

    @property
    def co_design_teams(self) -> np.ndarray:
        """(W,) teams at each co-design workshop: the same in every replication
        (:func:`side_by_side`)."""
        return self.own[0].co_design_teams

    def virtual_topics(self, rows: np.ndarray, topic_count: int) -> np.ndarray:
        return np.stack(
            [
                self.own[block].virtual_event_topics(int(n), topic_count)
                for block, n in zip(rows["block"], rows["session"], strict=True)
            ]
        )


def _side_by_side(plans: list[np.ndarray], offsets: np.ndarray) -> np.ndarray:
    """Every replication's plan as one, renumbered for the batch: by month, and within a
    month replication by replication, each in its own order."""
    rows = np.concatenate(plans)
    block = np.repeat(np.arange(len(plans)), [len(plan) for plan in plans])
    rows["block"] = block
    for name in ("learner", "host"):
        rows[name] = np.where(rows[name] >= 0, rows[name] + offsets[block], -1)
    return rows[np.lexsort((block, rows["month"]))]
