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
random numbers).
"""

from functools import cached_property
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import activities, dynamics
from sim.agents import Institution
from sim.funding import Funding
from sim.matching import (
    Matcher,
    Ties,
    choose_priorities,
    choose_strengths,
    form_ties,
    has_stronger_peer,
    reassign_at_random,
    standardised,
)
from sim.params import Scenario
from sim.programme import run_month
from sim.scenario import check_topics, load_scenario, split_key, validate
from sim.world import World, cached_world, haversine_km

MEASUREMENT_STREAM = 3  # spawn key of the measurement stream (world, context, design are 0-2)
STATE = np.float32
BYTE_SD = float(np.sqrt((256**2 - 1) / 12))  # SD of a uniform random byte, 0-255


class TwinningModel(mesa.Model):
    """Twinning among health institutions: one step is one month."""

    def __init__(
        self,
        params: Scenario | str | Path = "tpn_2021",
        *,
        rng: int | np.random.Generator | None = None,
        world: World | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        self.params = resolve_scenario(params, overrides)
        self.seed = int(rng) if isinstance(rng, int | np.integer) else int(self.rng.integers(2**62))
        world_stream, context_stream, design_stream = np.random.SeedSequence(self.seed).spawn(3)
        world_rng = np.random.default_rng(world_stream)
        self.context_rng = np.random.default_rng(context_stream)
        self.design_rng = np.random.default_rng(design_stream)
        self.world = world if world is not None else cached_world(self.params.world)
        check_topics(self.params, self.world, "TwinningModel")
        self._set_up_institutions(world_rng)
        self._set_up_twinning(world_rng)
        self.institutions = [Institution(self, i) for i in range(len(self.world))]
        self._set_up_records()

    # Construction -----------------------------------------------------------------------------
    def _set_up_institutions(self, world_rng: np.random.Generator) -> None:
        world, ctx, topics = self.world, self.params.context, self.world.topics
        count, topic_count = world.baseline.shape
        self.member = world.member.copy()
        if self.params.design.membership == "all":
            self.member[:] = True
        self.enrolled = self.member & (self.params.design.design != "none")
        self.leadership = np.where(
            np.isnan(world.leadership), ctx.default_leadership, world.leadership
        )
        base_turnover = np.where(
            np.isnan(world.staff_turnover_monthly),
            ctx.default_staff_turnover_monthly,
            world.staff_turnover_monthly,
        )
        self.turnover = np.clip(base_turnover * ctx.turnover_multiplier, 0.0, 1.0)
        self.staff_retained = dynamics.staff_retained_a_year(self.turnover)
        self.workload = np.where(np.isnan(world.workload), ctx.default_workload, world.workload)
        self.ceiling = topics.competence_ceiling
        truth = dynamics.true_baseline(
            world.baseline,
            world.applies,
            world.kind,
            topics.measurement_noise_sd,
            world_rng.standard_normal((count, topic_count)),
        )
        competence = (truth - topics.scale_min) / topics.span
        # State is float32: half the memory traffic on the hot path, and 7 significant digits
        # are ample for competences on a 0-1 scale.
        self.ceiling = self.ceiling.astype(STATE)
        self.competence = np.where(world.applies, np.clip(competence, 0.0, self.ceiling), 0.0)
        self.competence = self.competence.astype(STATE)
        self.knowhow = np.zeros((count, topic_count), dtype=STATE)
        trend = topics.secular_trend_per_year * ctx.secular_trend_multiplier / 12.0 / topics.span
        self.trend_per_month = np.where(world.applies, trend[None, :], 0.0).astype(STATE)
        # Shocks are (byte - 127.5) * scale with a uniform random byte, whose SD is 73.9:
        # a bounded uniform shock with SD competence_shock_sd, drawn from 1 random byte a cell.
        scale = ctx.competence_shock_sd / BYTE_SD
        self.shock_scale = np.where(world.applies, scale, 0.0).astype(STATE)
        self.province_names = world.provinces
        self.province_index = np.array([self.province_names.index(p) for p in world.province])

    def _set_up_twinning(self, world_rng: np.random.Generator) -> None:
        world, ctx, levers = self.world, self.params.context, self.params.design
        observed = world.baseline
        z = standardised(observed, world.applies, world.kind)
        self.can_rise = has_stronger_peer(observed, world.applies, self.member)
        applicable = world.applies.sum(axis=1)
        count = np.minimum(
            levers.priorities_per_institution, applicable - levers.strengths_per_institution
        ).clip(0)
        gumbel = world_rng.gumbel(size=observed.shape)
        order = world_rng.permutation(len(world))
        random = ctx.topic_assignment == "random"
        if world.chosen_rising is not None:
            rising = world.chosen_rising & self.member[:, None]
            shining = world.chosen_shining & self.member[:, None]
            if random:
                rising = reassign_at_random(rising, world.kind, self.member, world_rng)
                shining = choose_strengths(
                    z, world.applies, rising, levers.strengths_per_institution
                )
                shining &= self.member[:, None]
        else:
            pinned = {
                world.topics.index(t): n for t, n in self.params.evaluation.pinned_choosers.items()
            }
            # A trial assigns among every member the topic applies to, the best measured too:
            # leaving out who has no stronger peer would put the best in the control arm.
            eligible = world.applies if random else self.can_rise
            rising = choose_priorities(
                z,
                eligible & self.member[:, None],
                np.zeros(len(world.topics)) if random else world.topics.choice_appeal,
                0.0 if random else ctx.choice_selectivity,
                count,
                gumbel,
                pinned,
            )
            shining = choose_strengths(z, world.applies, rising, levers.strengths_per_institution)
            shining &= self.member[:, None]
        self.rising, self.shining = rising, shining
        self.rising_at_launch = rising.copy()
        self.matcher = Matcher(
            levers,
            observed,
            world.applies,
            self.member,
            shining,
            self.province_index,
            self.similarity_to,
            self.distance_from,
        )
        if levers.design == "dyad":
            self.matcher.pair_dyads(rising, world.kind, self.enrolled, self.design_rng)
        if levers.design == "none":
            self.ties, self.unmatched = Ties(*rising.shape), 0
        else:
            self.ties, self.unmatched = form_ties(
                self.matcher, rising & self.enrolled[:, None], order
            )
        self.initial_tie_count = len(self.ties)
        self.host_load = np.bincount(self.ties.host, minlength=len(world))
        self.switches = 0
        self.launch = activities.launch_months(
            self.params, self.province_index, len(self.province_names)
        )
        self.programme_end = self.launch + levers.programme_months
        self.launch_months = set(self.launch[self.enrolled].tolist())
        self.presenters = self._presenters(observed)
        self.log = activities.ActivityLog()
        self.plan = self._plan(observed, z)
        self.plan_by_month = activities.by_month(self.plan, self.params.horizon_months)
        self.twinning = self.enrolled.copy()  # who still twins (changes when the donor leaves)
        self.funding = Funding(self)
        self.carried = np.zeros(0, dtype=activities.PLAN_DTYPE)

    def _plan(self, observed: np.ndarray, z: np.ndarray) -> np.ndarray:
        if self.params.design.design == "none":
            return np.zeros(0, dtype=activities.PLAN_DTYPE)
        pairs, inverse = self.ties.partnerships()
        rule = self.params.design.visit_allocation
        if rule == "largest_gap":
            gap = (
                observed[self.ties.host, self.ties.topic]
                - observed[self.ties.learner, self.ties.topic]
            )
            priority = -np.bincount(
                inverse, weights=gap / self.world.topics.span[self.ties.topic], minlength=len(pairs)
            )
        elif rule == "lowest_performer":
            chosen = self.rising.sum(axis=1)
            mean_z = np.where(self.rising, np.nan_to_num(z), 0.0).sum(axis=1) / np.maximum(
                chosen, 1
            )
            priority = mean_z[pairs[:, 0]] if len(pairs) else np.zeros(0)
        elif rule == "lottery":
            priority = self.design_rng.random(len(pairs))
        else:  # first_come and equal_by_province: the order partnerships were formed
            first_tie = np.full(len(pairs), len(self.ties))
            np.minimum.at(first_tie, inverse, np.arange(len(inverse)))
            priority = first_tie.astype(float)
        visit_pairs = activities.allocate_visits(self.params, pairs, priority, self.province_index)
        return activities.plan_activities(
            self.params,
            self.launch,
            self.province_index,
            self.rising & self.enrolled[:, None],
            self.enrolled,
            visit_pairs,
        )

    def _presenters(self, observed: np.ndarray) -> dict[str, np.ndarray]:
        """Who presents at learning events: the best measured member, nationally and per province."""
        eligible = self.world.applies & self.member[:, None]
        scores = np.where(eligible, observed, -np.inf)
        by_province = np.zeros((len(self.province_names), scores.shape[1]), dtype=np.int64)
        for p in range(len(self.province_names)):
            rows = np.flatnonzero(self.province_index == p)
            by_province[p] = rows[np.argmax(scores[rows], axis=0)]
        return {"national": np.argmax(scores, axis=0), "province": by_province}

    def _set_up_records(self) -> None:
        # One array per month, not one (months, N, K) block: a block is zeroed page by page as
        # it fills (costly on large worlds), while each monthly copy is a single allocation.
        self.competence_by_month: list[np.ndarray] = []
        self.knowhow_by_month: list[np.ndarray] = []
        self._measured: dict[int, np.ndarray] = {}
        self._record(0)
        members, outsiders = (
            cell_weights(self.world.applies & rows[:, None]) for rows in (self.member, ~self.member)
        )
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "mean_competence_members": lambda m: m.mean_competence(members),
                "mean_competence_nonmembers": lambda m: m.mean_competence(outsiders),
                "active_ties": lambda m: int(m.ties.active.sum()),
                "activities_held": lambda m: int(m.log.held.sum()),
            }
        )
        self.datacollector.collect(self)

    # Geometry of similarity and distance -------------------------------------------------------
    def similarity_to(self, learner: int, among: np.ndarray) -> np.ndarray:
        """Context similarity (0-1) of the institutions ``among`` to ``learner``."""
        return self.similarity(np.full(len(among), learner), among)

    def similarity(self, learner: np.ndarray, host: np.ndarray) -> np.ndarray:
        """Learning retained across differences in setting and ownership (DOMAIN.md: peers in
        similar settings learn most). Learner and host are always of the same kind, because
        every topic applies to one kind.

        Each institution's traits are packed into bits; XOR of two codes says which traits
        differ, and a table of the four possible answers gives the product of penalties.
        """
        return self._similarity_table[self._trait_code[learner] ^ self._trait_code[host]]

    @cached_property
    def _trait_code(self) -> np.ndarray:
        world = self.world
        return ((world.setting == "urban") * 1 + (world.ownership == "private") * 2).astype(
            np.int64
        )

    @cached_property
    def _similarity_table(self) -> np.ndarray:
        ctx = self.params.context
        penalties = np.array([ctx.similarity_penalty_setting, ctx.similarity_penalty_ownership])
        differs = (np.arange(4)[:, None] >> np.arange(2)[None, :]) & 1
        return np.prod(1.0 - penalties[None, :] * differs, axis=1)

    def distance_from(self, learner: int, among: np.ndarray) -> np.ndarray:
        """Road km from ``learner``'s district seat to those of the institutions ``among``."""
        index = self.world.district_index
        return self.road_km(np.full(len(among), index[learner]), index[among])

    def road_km(self, district_a: np.ndarray, district_b: np.ndarray) -> np.ndarray:
        """Road km between district seats (by district index): from distances.csv, else the
        straight line times ``road_factor``. Only the pairs asked for are computed: a full
        matrix would grow with the square of the number of districts."""
        world = self.world
        if world.district_km is not None:
            return world.district_km[district_a, district_b]
        lat, lon = self._district_seats
        return self.params.context.road_factor * haversine_km(
            lat[district_a], lon[district_a], lat[district_b], lon[district_b]
        )

    @cached_property
    def _district_seats(self) -> tuple[np.ndarray, np.ndarray]:
        """Each district's seat: the mean position of its institutions."""
        world, counts = self.world, np.bincount(self.world.district_index)
        return (
            np.bincount(world.district_index, world.lat) / counts,
            np.bincount(world.district_index, world.lon) / counts,
        )

    # The month --------------------------------------------------------------------------------
    def step(self) -> None:
        month = self.steps
        ctx = self.params.context
        draws = self.context_rng
        departed = draws.binomial(ctx.team_size, self.turnover) / ctx.team_size
        chance = draws.random((2, len(self.member)))
        new_leader = np.flatnonzero(chance[0] < ctx.leadership_turnover_monthly)
        shocked = chance[1] < ctx.workload_shock_monthly * self.workload
        shocks = np.frombuffer(draws.bytes(self.competence.size), dtype=np.uint8)
        shocks = shocks.reshape(self.competence.shape)
        mean, conc = ctx.new_leader_commitment_mean, ctx.new_leader_commitment_concentration
        self.leadership[new_leader] = draws.beta(mean * conc, (1 - mean) * conc, len(new_leader))

        if self.params.design.design != "none":
            run_month(self, month, shocked)
        dynamics.implement(self.competence, self.knowhow, self.leadership.astype(STATE), ctx)
        dynamics.lose_knowhow(self.knowhow, departed)
        dynamics.drift(
            self.competence, self.trend_per_month, self.shock_scale, shocks, self.ceiling
        )
        self._record(month)
        self.datacollector.collect(self)
        if month >= self.params.horizon_months:
            self.running = False

    def _record(self, month: int) -> None:
        self.competence_by_month.append(self.competence.copy())
        self.knowhow_by_month.append(self.knowhow.copy())

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
                noise = np.random.default_rng(stream).standard_normal(self.competence.shape)
                topics = self.world.topics
                value = dynamics.measure(
                    self.competence_by_month[month].astype(float),
                    topics.scale_min,
                    topics.span,
                    topics.measurement_noise_sd,
                    noise,
                )
                self._measured[month] = np.where(self.world.applies, value, np.nan)
        return self._measured[month]

    def mean_competence(self, weights: np.ndarray) -> float:
        """Mean competence with cell weights that sum to one (see ``_set_up_records``)."""
        return float(np.dot(self.competence.ravel(), weights.ravel()))

    def end_ties(self, indices: np.ndarray) -> None:
        """End these active ties, freeing their hosts for other mentees."""
        ties = self.ties
        indices = indices[ties.active[indices]]
        hosts = ties.host[indices]
        ties.active[indices] = False
        ties.slot[ties.learner[indices], ties.topic[indices]] = -1
        np.subtract.at(self.host_load, hosts, 1)
        np.subtract.at(self.matcher.load, hosts, 1)
        np.maximum(self.matcher.load, 0, out=self.matcher.load)

    def absorptive(self) -> np.ndarray:
        return dynamics.absorptive_capacity(
            self.leadership, self.staff_retained, self.params.context
        )


def cell_weights(cells: np.ndarray) -> np.ndarray:
    """Weights that average over the given cells (all zero when there are none)."""
    total = cells.sum()
    return (cells / total if total else np.zeros(cells.shape)).astype(STATE)


def resolve_scenario(params: Scenario | str | Path, overrides: dict[str, Any]) -> Scenario:
    """A validated scenario from a name, path or object, with keyword overrides applied."""
    if not isinstance(params, Scenario):
        return load_scenario(params, overrides)
    if not overrides:
        return params
    data = params.model_dump()
    for key, value in overrides.items():
        section, field = split_key(key, "TwinningModel")
        (data[section] if section else data)[field] = value
    return validate(data, {}, Path("TwinningModel"))
