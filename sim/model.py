"""The twinning model: Rwanda's districts and hospitals learning from each other, month by month.

:class:`TwinningModel` is an ordinary Mesa model. Build it from a scenario name, file or
:class:`sim.params.Scenario`, override any parameter by keyword, and step it; it stops itself at
the horizon, so ``mesa.batch_run(TwinningModel, {"design": ["network", "dyad"]}, rng=[1, 2])``
works as Mesa users expect.

Randomness comes from independent streams spawned from one seed: the *world* stream (true
baselines, topic choices), the *context* stream (turnover, leadership changes, workload and
competence shocks), the *design* stream (activity draws) and one *measurement* stream per month
(survey noise). All but the design stream are consumed identically whatever the design, so a run
with ``design="none"`` and the same seed is the exact counterfactual of a twinning run (common
random numbers); :func:`sim.runner.simulate_pair` lets the two read one
:class:`ContextStream`, so each month's context draws are made once.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import calendar, indicators, learning, priorities
from sim.agents import Institution
from sim.draws import DesignDraws
from sim.gatherings import gatherings
from sim.geography import Geography
from sim.matching import Matcher, form_ties
from sim.month import live_month
from sim.params import Context, Scenario
from sim.payers import Payers
from sim.pricing import Pricing
from sim.scenario import check_world_names, load_scenario, with_overrides
from sim.state import STATE, State
from sim.ties import Ties
from sim.world import World, cached_world

MEASUREMENT_STREAM = 3  # spawn key of the measurement stream (world, context, design are 0-2)
BYTE_SD = float(np.sqrt((256**2 - 1) / 12))  # SD of a uniform random byte, 0-255


class TwinningModel(mesa.Model):
    """Twinning among health institutions: one step is one month.

    What a month changes is in :attr:`state` (:class:`sim.state.State`) and in the payers'
    ledger (:attr:`payers`); every other attribute is fixed when the model is built: who is a
    member and enrolled, turnover, workload, ceilings, strengths (``shining``), the priorities
    chosen at launch (``rising_at_launch``), launch months, who attends which gathering
    (``gatherings``), the plan of activities, and the rule objects (``geography``, ``matcher``,
    ``pricing``).

    ``context``: the :class:`ContextStream` of a model on the same seed, world and context
    (a run's, for its counterfactual), so that each month's context draws are made once for
    both; they are the draws this model's own stream would make.

    ``collect=False`` leaves Mesa's :attr:`datacollector` empty: a run that wants only its
    outcomes reads them from the monthly records (``competence_by_month``, the activity log),
    and the collector's four reporters, called and deep-copied every month, took about 5% of a
    ``tpn_2021`` run (profiled for issue #15).
    """

    def __init__(
        self,
        params: Scenario | str | Path = "tpn_2021",
        *,
        rng: int | np.random.Generator | None = None,
        world: World | None = None,
        collect: bool = True,
        context: "ContextStream | None" = None,
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        self.collect = collect
        self.params = (
            with_overrides(params, overrides, "TwinningModel")
            if isinstance(params, Scenario)
            else load_scenario(params, overrides)
        )
        self.seed = int(rng) if isinstance(rng, int | np.integer) else int(self.rng.integers(2**62))
        world_stream, context_stream, design_stream = np.random.SeedSequence(self.seed).spawn(3)
        world_rng = np.random.default_rng(world_stream)
        self.design_rng = np.random.default_rng(design_stream)
        self.world = world if world is not None else cached_world(self.params.world)
        check_world_names(self.params, self.world, "TwinningModel")
        # The month's rules also step batches of replications side by side (sim.batch); a
        # model alone is a batch of one: every institution in block 0, numbered as in its world.
        self.blocks, self.block = 1, np.zeros(len(self.world), dtype=np.int64)
        # A batch's context and design levers may differ by replication (sim.by_replication).
        self.context_parameters, self.design_parameters = self.params.context, self.params.design
        self.draws = DesignDraws([self.design_rng], len(self.world))
        self.geography = Geography(self.world, self.params.context)
        competence, leadership = self._set_up_institutions(world_rng)
        self.context = self._context_stream(context, context_stream, competence.shape)
        rising, ties = self._set_up_twinning(world_rng)
        self.state = State(
            competence=competence,
            knowhow=np.zeros(competence.shape, dtype=STATE),
            leadership=leadership,
            rising=rising,
            twinning=self.enrolled.copy(),
            ties=ties,
        )
        self.institutions = [Institution(self, i) for i in range(len(self.world))]
        self._set_up_records()

    # Construction -----------------------------------------------------------------------------
    def _set_up_institutions(self, world_rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """Fixed traits of every institution; returns its starting competence and leadership."""
        world, ctx, topics = self.world, self.params.context, self.world.topics
        count, topic_count = world.baseline.shape
        self.member = world.member.copy()
        self.dhmt = world.kind == "dhmt"
        if self.params.design.membership == "all":
            self.member[:] = True
        self.enrolled = self.member & (self.params.design.design != "none")
        leadership = np.where(np.isnan(world.leadership), ctx.default_leadership, world.leadership)
        base_turnover = np.where(
            np.isnan(world.staff_turnover_monthly),
            ctx.default_staff_turnover_monthly,
            world.staff_turnover_monthly,
        )
        self.turnover = np.clip(base_turnover * ctx.turnover_multiplier, 0.0, 1.0)
        self.staff_retained = learning.staff_retained_a_year(self.turnover)
        self.workload = np.where(np.isnan(world.workload), ctx.default_workload, world.workload)
        truth = indicators.true_baseline(
            indicators.world_shrinkage(world), world_rng.standard_normal((count, topic_count))
        )
        competence = (truth - topics.scale_min) / topics.span
        self.ceiling = topics.competence_ceiling.astype(STATE)
        competence = np.where(world.applies, np.clip(competence, 0.0, self.ceiling), 0.0)
        trend = topics.secular_trend_per_year * ctx.secular_trend_multiplier / 12.0 / topics.span
        self.trend_per_month = np.where(world.applies, trend[None, :], 0.0).astype(STATE)
        # Shocks are (byte - 127.5) * scale with a uniform random byte, whose SD is 73.9:
        # a bounded uniform shock with SD competence_shock_sd, drawn from 1 random byte a cell.
        scale = ctx.competence_shock_sd / BYTE_SD
        self.shock_scale = np.where(world.applies, scale, 0.0).astype(STATE)
        self.province_names = world.provinces
        self.province_index = world.province_index
        return competence.astype(STATE), leadership

    def _set_up_twinning(self, world_rng: np.random.Generator) -> tuple[np.ndarray, Ties]:
        """Priorities, strengths, ties, the plan and its payers; returns the rising topics
        and the ties formed at launch."""
        world, levers = self.world, self.params.design
        observed = world.baseline
        z = priorities.standardised_baseline(world)
        self.can_rise = priorities.has_stronger_peer(observed, world.applies, self.member)
        gumbel = world_rng.gumbel(size=observed.shape)
        order = world_rng.permutation(len(world))
        rising, self.shining = priorities.at_launch(
            self.params, world, self.member, z, self.can_rise, gumbel, world_rng
        )
        self.rising_at_launch = rising.copy()
        ties = Ties(*rising.shape, expected=int(rising.sum()))  # one a rising topic, at launch
        self.matcher = Matcher(
            levers,
            observed,
            world.applies,
            self.member,
            self.shining,
            self.province_index,
            self.geography,
            ties,
        )
        if levers.design == "dyad":
            self.matcher.pair_dyads(rising, world.kind, self.enrolled, self.design_rng)
        self.unmatched = 0
        if levers.design != "none":
            self.unmatched = form_ties(self.matcher, ties, rising & self.enrolled[:, None], order)
        self.initial_tie_count = len(ties)
        self.launch = calendar.launch_months(
            self.params, self.province_index, len(self.province_names)
        )
        self.programme_end = self.launch + levers.programme_months
        self.launch_months = set(self.launch[self.enrolled].tolist())
        self.gatherings = gatherings(
            self.params.schedule,
            world.kind,
            self.province_names,
            self.province_index,
            self.launch,
            self.enrolled,
            rising & self.enrolled[:, None],
        )
        self.presenters = self._presenters(observed)
        self.plan = self._plan(ties, rising, observed, z)
        self.plan_by_month = calendar.by_month(self.plan, self.params.horizon_months)
        funding = self.params.funding
        self.pricing = Pricing(
            world.costs,
            self.geography,
            funding.facilitation_base,
            self.params.schedule.virtual_staff_time_share,
            self.params.name,
        )
        self.payers = Payers(
            funding, self.params.horizon_months, world.kind == "hospital", self.programme_end
        )
        return rising, ties

    def _plan(self, ties: Ties, rising: np.ndarray, observed: np.ndarray, z: np.ndarray):
        if self.params.design.design == "none":
            return np.zeros(0, dtype=calendar.PLAN_DTYPE)
        pairs, priority = calendar.partnership_priority(
            self.params, ties, observed, z, rising, self.world.topics.span, self.design_rng
        )
        visit_pairs = calendar.allocate_visits(self.params, pairs, priority, self.province_index)
        return calendar.plan_activities(
            self.params,
            self.launch,
            self.province_index,
            rising & self.enrolled[:, None],
            self.enrolled,
            visit_pairs,
            self.gatherings,
        )

    def _presenters(self, observed: np.ndarray) -> dict[str, np.ndarray]:
        """Who presents at learning events: the best measured member, nationally and at each
        province's events (among the institutions attending them)."""
        eligible = self.world.applies & self.member[:, None]
        scores = np.where(eligible, observed, -np.inf)
        attends = self.gatherings.event_province
        by_province = np.zeros((len(self.province_names), scores.shape[1]), dtype=np.int64)
        for p in np.unique(attends):
            rows = np.flatnonzero(attends == p)
            by_province[p] = rows[np.argmax(scores[rows], axis=0)]
        # A leading axis of one block, as a batch's presenters have one per replication.
        return {"national": np.argmax(scores, axis=0)[None], "province": by_province[None]}

    def _context_stream(
        self, shared: "ContextStream | None", stream: np.random.SeedSequence, cells: tuple
    ) -> "ContextStream":
        """This model's context stream, or ``shared`` when it is the same stream (same seed,
        world, turnover, workload and context)."""
        own = ContextStream(
            self.seed, stream, self.params.context, self.turnover, self.workload, cells
        )
        if shared is None:
            return own
        if not shared.same_as(own):
            raise ValueError(
                "TwinningModel: context is the stream of another seed, world or context"
            )
        shared.share()
        return shared

    def _set_up_records(self) -> None:
        # One array per month, not one (months, N, K) block: a block is zeroed page by page as
        # it fills (costly on large worlds), while each monthly copy is a single allocation.
        self.competence_by_month: list[np.ndarray] = []
        self.knowhow_by_month: list[np.ndarray] = []
        self._measured: dict[int, np.ndarray] = {}
        self._record()
        members, outsiders = (
            cell_weights(self.world.applies & rows[:, None]) for rows in (self.member, ~self.member)
        )
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "mean_competence_members": lambda m: m.mean_competence(members),
                "mean_competence_nonmembers": lambda m: m.mean_competence(outsiders),
                "active_ties": lambda m: int(m.state.ties.active.sum()),
                "activities_held": lambda m: int(m.state.log.held.sum()),
            }
        )
        if self.collect:
            self.datacollector.collect(self)

    # The month --------------------------------------------------------------------------------
    def step(self) -> None:
        month = self.steps
        live_month(self, month, self.context.month(month))
        self._record()
        if self.collect:
            self.datacollector.collect(self)
        if month >= self.params.horizon_months:
            self.running = False

    def _record(self) -> None:
        self.competence_by_month.append(self.state.competence.copy())
        self.knowhow_by_month.append(self.state.knowhow.copy())

    @property
    def history_competence(self) -> np.ndarray:
        """Competence of every month so far, as one (months, N, K) array."""
        return np.stack(self.competence_by_month)

    @property
    def history_knowhow(self) -> np.ndarray:
        """Staff-held know-how of every month so far, as one (months, N, K) array."""
        return np.stack(self.knowhow_by_month)

    def measured(self, month: int) -> np.ndarray:
        """The indicator as measured in ``month`` (N, K; NaN where a topic does not apply).

        Month 0 is the world's baseline.csv. Later months are the true indicator plus survey
        noise from a stream of their own: measurement never feeds back into the dynamics, so it
        is drawn only for the months someone reads, and the same month always gets the same draw.
        """
        if month not in self._measured:
            if month == 0:
                self._measured[0] = self.world.baseline
            else:
                stream = np.random.SeedSequence(self.seed, spawn_key=(MEASUREMENT_STREAM, month))
                shape = self.world.baseline.shape
                noise = np.random.default_rng(stream).standard_normal(shape)
                topics = self.world.topics
                value = indicators.measure(
                    self.competence_by_month[month].astype(float),
                    topics.scale_min,
                    topics.span,
                    topics.measurement_noise_sd,
                    noise,
                )
                self._measured[month] = np.where(self.world.applies, value, np.nan)
        return self._measured[month]

    @staticmethod
    def local(institutions: np.ndarray) -> np.ndarray:
        """Institutions numbered as in the world (a batch numbers each replication's from its
        block's start; -1, no institution, stays -1)."""
        return institutions

    def mean_competence(self, weights: np.ndarray) -> float:
        """Mean competence with cell weights that sum to one (see ``_set_up_records``)."""
        return float(np.dot(self.state.competence.ravel(), weights.ravel()))

    def absorptive(self) -> np.ndarray:
        """How much of a lesson each team takes in now (:func:`sim.learning.absorptive_capacity`)."""
        return learning.absorptive_capacity(
            self.state.leadership, self.staff_retained, self.params.context.absorptive_floor
        )

    def similarity(self, learner: np.ndarray, host: np.ndarray) -> np.ndarray:
        """Learning retained between paired learners and hosts (:mod:`sim.geography`)."""
        return self.geography.similarity(learner, host)


@dataclass(frozen=True)
class ContextDraws:
    """One month's draws of the context stream (read-only: a run and its counterfactual share
    them)."""

    departed: np.ndarray  # (N,) share of each team's staff who left this month
    new_leader: np.ndarray  # institutions whose leader changed this month
    commitment: np.ndarray  # the new leaders' commitment, 0-1, one per new leader
    shocked: np.ndarray  # (N,) bool: a workload shock disrupts the team's activities
    shocks: np.ndarray  # (N, K) uint8: the random byte of each cell's competence shock


class SharedMonths:
    """Draws month by month that several readers share: each month is drawn once (by
    ``_draw``) and kept until every reader (``readers``) has had it."""

    def __init__(self) -> None:
        self.readers = 1
        self.drawn = 0  # months drawn so far
        self._months: dict[int, list] = {}  # month -> [draws, reads left]

    def share(self) -> None:
        """One more reader; each must read every month, so it must join before any is drawn."""
        if self.drawn:
            raise ValueError("TwinningModel: context must be shared before any model steps")
        self.readers += 1

    def month(self, month: int) -> "ContextDraws":
        """The draws of ``month``; months are read in order, once by each reader."""
        if month not in self._months:
            self.drawn += 1
            self._months[month] = [self._draw(month), self.readers]
        entry = self._months[month]
        entry[1] -= 1
        if entry[1] == 0:
            del self._months[month]
        return entry[0]

    def _draw(self, month: int) -> "ContextDraws":
        raise NotImplementedError


class ContextStream(SharedMonths):
    """The context stream (turnover, leadership changes, workload and competence shocks),
    month by month. Nothing the design does changes what it draws, so a run and its
    counterfactual on the same seed can read one stream."""

    def __init__(
        self,
        seed: int,
        stream: np.random.SeedSequence,
        context: Context,
        turnover: np.ndarray,
        workload: np.ndarray,
        cells: tuple[int, int],
    ) -> None:
        super().__init__()
        self.seed, self.params, self.cells = seed, context, cells
        self.turnover, self.workload = turnover, workload
        self.rng = np.random.default_rng(stream)

    def same_as(self, other: "ContextStream") -> bool:
        """Whether ``other`` would draw exactly what this stream draws."""
        return (
            self.seed == other.seed
            and self.params == other.params
            and self.cells == other.cells
            and np.array_equal(self.turnover, other.turnover)
            and np.array_equal(self.workload, other.workload)
        )

    def _draw(self, month: int) -> ContextDraws:
        ctx, draws = self.params, self.rng
        departed = draws.binomial(ctx.team_size, self.turnover) / ctx.team_size
        chance = draws.random((2, len(self.turnover)))
        new_leader = np.flatnonzero(chance[0] < ctx.leadership_turnover_monthly)
        shocked = chance[1] < ctx.workload_shock_monthly * self.workload
        shocks = np.frombuffer(draws.bytes(self.cells[0] * self.cells[1]), dtype=np.uint8)
        mean, conc = ctx.new_leader_commitment_mean, ctx.new_leader_commitment_concentration
        commitment = draws.beta(mean * conc, (1 - mean) * conc, len(new_leader))
        for array in (departed, new_leader, commitment, shocked):
            array.flags.writeable = False
        return ContextDraws(departed, new_leader, commitment, shocked, shocks.reshape(self.cells))


def cell_weights(cells: np.ndarray) -> np.ndarray:
    """Weights that average over the given cells (all zero when there are none)."""
    total = cells.sum()
    return (cells / total if total else np.zeros(cells.shape)).astype(STATE)
