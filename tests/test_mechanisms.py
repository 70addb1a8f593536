"""The model's behaviour, stated as its specification (the mechanisms of Gasana et al. 2024)."""

import mesa
import numpy as np
import pytest

from sim import calendar, indicators, learning, priorities
from sim.activity_kinds import (
    ACTIVITY_KINDS,
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    VIRTUAL_EVENT,
)
from sim.delivery import _within_host_capacity
from sim.geography import haversine_km
from sim.model import TwinningModel
from sim.params import Context
from sim.runner import run_one, simulate
from sim.scenario import load_scenario
from sim.ties import unique_pairs
from tests.conftest import outcome_over_seeds, with_changes


def test_exchange_visit_closes_part_of_the_gap_to_the_host():
    competence = np.array([[0.4], [0.8]])
    knowhow = np.zeros((2, 1))
    gain = learning.learn(
        competence,
        knowhow,
        np.array([1.0]),
        np.array([0]),
        np.array([1]),
        np.array([0]),
        efficacy=0.3,
        absorptive=np.array([1.0, 1.0]),
        similarity=np.array([1.0]),
    )
    assert gain[0] == pytest.approx(0.3 * 0.4)
    assert knowhow[0, 0] == pytest.approx(0.12)
    assert competence[0, 0] == 0.4, "learning adds know-how, not competence"


def test_nothing_is_learned_from_a_weaker_teacher():
    competence = np.array([[0.8], [0.4]])
    knowhow = np.zeros((2, 1))
    learning.learn(
        competence,
        knowhow,
        np.array([1.0]),
        np.array([0]),
        np.array([1]),
        np.array([0]),
        0.3,
        np.ones(2),
        np.ones(1),
    )
    assert knowhow[0, 0] == 0.0


def test_committed_leadership_implements_know_how_faster():
    ctx = Context()
    competence = np.zeros((2, 1))
    knowhow = np.full((2, 1), 0.1)
    leadership = np.array([1.0, 0.0])
    learning.implement(
        competence, knowhow, leadership, ctx.implementation_rate, ctx.implementation_floor
    )
    assert competence[0, 0] > competence[1, 0] > 0
    assert competence[0, 0] + knowhow[0, 0] == pytest.approx(0.1), "implementation conserves"


def test_turnover_takes_know_how_but_not_institutional_competence():
    competence = np.full((1, 1), 0.5)
    knowhow = np.full((1, 1), 0.2)
    learning.lose_knowhow(knowhow, np.array([0.25]))
    assert knowhow[0, 0] == pytest.approx(0.15)
    assert competence[0, 0] == 0.5


def test_with_learning_switched_off_the_network_has_no_causal_effect(tpn):
    scenario = with_changes(
        tpn,
        learning_scale=0.0,
        self_analysis_gain=0.0,
        host_refinement_gain=0.0,
        host_recognition_gain=0.0,
    )
    outcomes = run_one(scenario, seed=3).outcomes
    effects = [v for k, v in outcomes.items() if k.endswith("causal_effect")]
    assert effects and all(v == 0.0 or np.isnan(v) for v in effects)


def test_without_a_programme_know_how_stays_zero_and_competence_only_drifts(tpn):
    """A model without a programme skips implementing and losing know-how (it has none); a
    programme that teaches nothing, which runs both every month, ends exactly where it does."""
    silent = with_changes(
        tpn,
        learning_scale=0.0,
        self_analysis_gain=0.0,
        host_refinement_gain=0.0,
        host_recognition_gain=0.0,
    )
    model = simulate(silent, 4)
    without = simulate(with_changes(silent, design="none"), 4)
    assert not np.any(without.history_knowhow)
    assert not np.any(model.history_knowhow)
    assert np.array_equal(model.history_competence, without.history_competence)


def test_a_host_receives_at_most_its_visits_a_month_and_the_rest_slip_in_order():
    rows = np.zeros(5, dtype=calendar.PLAN_DTYPE)
    rows["host"] = [3, 1, 3, 3, 2]
    rows["learner"] = [10, 11, 12, 13, 14]
    held, slipped = _within_host_capacity(rows, 2)
    assert held["learner"].tolist() == [10, 11, 12, 14]
    assert slipped["learner"].tolist() == [13]
    distinct = rows[[0, 1, 4]]
    held, slipped = _within_host_capacity(distinct, 1)
    assert held["learner"].tolist() == [10, 11, 14] and len(slipped) == 0
    held, slipped = _within_host_capacity(distinct, 0)
    assert len(held) == 0 and slipped["learner"].tolist() == [10, 11, 14]


def test_no_twinning_is_its_own_counterfactual(tpn):
    outcomes = run_one(with_changes(tpn, design="none"), seed=3).outcomes
    assert outcomes["accreditation.causal_effect"] == 0.0
    assert outcomes["activities.coaching_visit"] == 0.0


def test_every_rising_member_gets_a_stronger_host_in_each_priority(tpn_model):
    model = tpn_model
    ties = model.state.ties
    first = slice(0, model.initial_tie_count)
    learner, host, topic = ties.learner[first], ties.host[first], ties.topic[first]
    observed = model.world.baseline
    assert (observed[host, topic] > observed[learner, topic]).all()
    rising = np.argwhere(model.rising_at_launch & model.enrolled[:, None])
    assert {tuple(p) for p in rising} == set(zip(learner.tolist(), topic.tolist(), strict=True))
    assert model.unmatched == 0


class _Closeness:
    """Similarity and distance that rank candidates by a fixed score per institution."""

    def __init__(self, score: np.ndarray) -> None:
        self.score = score

    def similarity_to(self, learner, others):
        return self.score[others]

    def distance_from(self, learner, others):
        return -self.score[others]


@pytest.mark.parametrize("rule", ["best", "similar", "nearest"])
def test_a_learner_gets_a_shining_host_with_room_else_one_with_room_else_the_least_loaded(rule):
    """Six members, one topic, institution 0 learning; measured best first 5, 4, 3, 2, 1.
    Capacity 2. Shining: 4 and 2. Under the best rule the first preferred host counts; under
    similar and nearest, the closest preferred one (closest first: 1, 3, 2, 5, 4)."""
    from sim.matching import Matcher
    from sim.params import DesignLevers
    from sim.ties import Ties

    observed = np.array([[0.0], [0.2], [0.3], [0.4], [0.5], [0.6]])
    shining = np.array([[False], [False], [True], [False], [True], [False]])
    closeness = _Closeness(np.array([0.0, 5.0, 3.0, 4.0, 1.0, 2.0]))
    ties = Ties(6, 1)
    levers = DesignLevers(design="network", matching_rule=rule, host_capacity=2)
    everyone = np.ones(6, dtype=bool)
    matcher = Matcher(
        levers, observed, everyone[:, None], everyone, shining, np.zeros(6), closeness, ties
    )

    def load(host: int, ties_held: int) -> None:
        ties.host_load[host] = ties_held

    assert matcher.host_for(0, 0) == (4 if rule == "best" else 2)  # shining: 4 and 2
    load(4, 2)  # 4 is full: 2 is the only shining host with room
    assert matcher.host_for(0, 0) == 2
    load(2, 2)  # no shining host has room: those with room, 5, 3 and 1
    assert matcher.host_for(0, 0) == (5 if rule == "best" else 1)
    assert matcher.over_capacity == 0
    for host in (1, 3, 5):
        load(host, 3)  # all full: the least loaded (2 and 4, both shining, two ties each)
    assert matcher.host_for(0, 0) == (4 if rule == "best" else 2)
    load(2, 3)
    load(4, 3)
    load(5, 2)  # the least loaded is 5 alone, which does not shine
    assert matcher.host_for(0, 0) == 5
    assert matcher.over_capacity == 2
    assert matcher.host_for(5, 0) == -1  # nobody is measured above the best


def test_a_dyad_gives_each_member_exactly_one_partner(tpn):
    model = TwinningModel(with_changes(tpn, design="dyad"), rng=5)
    partner = model.matcher.partner
    members = np.flatnonzero(model.enrolled)
    paired = members[partner[members] >= 0]
    assert (partner[partner[paired]] == paired).all(), "partnerships are mutual"
    assert (model.world.kind[partner[paired]] == model.world.kind[paired]).all()
    for kind in ("dhmt", "hospital"):
        unpaired = (partner[members] < 0) & (model.world.kind[members] == kind)
        assert unpaired.sum() == (model.world.kind[members] == kind).sum() % 2
    pairs = {
        tuple(sorted(p)) for p in zip(model.state.ties.learner, model.state.ties.host, strict=True)
    }
    for a, b in pairs:
        assert partner[a] == b


@pytest.mark.parametrize("design", ["network", "dyad", "hub", "provincial"])
def test_a_hosts_load_is_its_count_of_active_ties_after_switches_and_donor_exit(tpn, design):
    scenario = with_changes(
        tpn,
        design=design,
        priority_switch_monthly=0.2,
        switch_notified_share=0.7,
        donor_exit_month=12,
    )
    model = simulate(scenario, 3)
    ties = model.state.ties
    assert len(ties) > model.initial_tie_count, "announced switches were rematched"
    assert (model.enrolled & ~model.state.twinning).any(), "some stopped when the donor left"
    assert (~ties.active).any()
    active = np.bincount(ties.host[ties.active], minlength=len(model.member))
    assert np.array_equal(ties.host_load, active)


def test_similarity_is_the_product_of_the_penalties_for_each_difference(tpn_model):
    world, ctx = tpn_model.world, tpn_model.params.context
    i, j = (index.ravel() for index in np.indices((len(world), len(world))))
    setting = (world.setting[i] != world.setting[j]) * ctx.similarity_penalty_setting
    ownership = (world.ownership[i] != world.ownership[j]) * ctx.similarity_penalty_ownership
    expected = (1 - setting) * (1 - ownership)
    assert np.allclose(tpn_model.geography.similarity(i, j), expected)
    assert len(np.unique(expected)) > 2, "the world has pairs differing in each trait"


def test_roads_without_a_distances_file_are_the_straight_line_times_the_road_factor(tpn_model):
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.19, abs=0.01)
    geography, districts = tpn_model.geography, np.arange(len(tpn_model.world.district_names))
    km = geography.road_km(districts[:, None], districts[None, :])
    assert (
        np.allclose(km, km.T)
        and np.all(np.diag(km) == 0)
        and (km[~np.eye(30, dtype=bool)] > 0).all()
    )
    gasabo, huye = (tpn_model.world.district_names.index(d) for d in ("Gasabo", "Huye"))
    assert 1.4 * 80 < km[gasabo, huye] < 1.4 * 120, (
        "Kigali to Huye is about 100 km as the crow flies"
    )


def test_an_exchange_visit_budget_of_zero_gives_no_visits(tpn):
    model = simulate(with_changes(tpn, exchange_visits_per_year=0), seed=4)
    assert model.state.log.held[EXCHANGE_VISIT] == 0
    assert model.state.log.held[COACHING] > 0


def test_the_visit_budget_caps_the_visits_planned(tpn):
    model = TwinningModel(with_changes(tpn, exchange_visits_per_year=10), rng=4)
    during = model.plan["month"] < model.programme_end.max()  # after it: continuation visits
    planned = ((model.plan["kind"] == EXCHANGE_VISIT) & during).sum()
    assert planned == round(10 * tpn.design.programme_months / 12)


def test_higher_turnover_lowers_the_gain_on_average(tpn):
    base = outcome_over_seeds(tpn, "accreditation.causal_effect")
    high = outcome_over_seeds(
        with_changes(tpn, turnover_multiplier=3.0), "accreditation.causal_effect"
    )
    difference = high - base
    assert difference.mean() + 2 * difference.std(ddof=1) / np.sqrt(len(difference)) < 0


def test_virtual_only_gains_less_than_in_person(tpn):
    in_person = outcome_over_seeds(with_changes(tpn, virtual_share=0.0), "cbhi.causal_effect")
    virtual = outcome_over_seeds(with_changes(tpn, virtual_share=1.0), "cbhi.causal_effect")
    difference = virtual - in_person
    assert difference.mean() + 2 * difference.std(ddof=1) / np.sqrt(len(difference)) < 0


def test_travel_counts_only_the_activities_held_in_person(tpn):
    in_person = run_one(with_changes(tpn, virtual_share=0.0), 4).outcomes
    virtual = run_one(with_changes(tpn, virtual_share=1.0), 4, detail=True)
    log = virtual.activities
    travel = virtual.outcomes["activities.travel_person_days"]
    assert log.loc[log["virtual"], "travel_person_days"].sum() == 0
    assert travel == log["travel_person_days"].sum()
    assert 0 < travel < in_person["activities.travel_person_days"]
    assert virtual.outcomes["costs.staff_time"] > 0, "virtual activities still take staff time"


def test_non_members_follow_the_secular_trend_on_average(tpn):
    changes = outcome_over_seeds(tpn, "accreditation.comparison_change", seeds=40)
    trend = 2 * 1.1  # topics.csv: +1.1 points a year, over the two years to the endline
    half_width = 2 * changes.std(ddof=1) / np.sqrt(len(changes))
    assert abs(changes.mean() - trend) < half_width + 0.3


def test_some_institutions_decline_as_in_the_evaluation(tpn):
    declined = outcome_over_seeds(tpn, "accreditation.share_declined", seeds=10)
    assert 0 < declined.mean() < 0.5


def test_choosers_regress_to_the_mean_without_twinning(tpn):
    """Choosers picked topics where their *measured* score was low, partly bad luck, so their
    measured change exceeds the true change even with no twinning at all."""
    none = with_changes(tpn, design="none")
    measured, true = [], []
    for seed in range(20):
        model = simulate(none, seed)
        a = model.world.topics.index("accreditation")
        chose = model.rising_at_launch[:, a]
        span = model.world.topics.span[a]
        measured.append(np.mean(model.measured(24)[chose, a] - model.measured(0)[chose, a]))
        true.append(
            np.mean(
                (model.history_competence[24, chose, a] - model.history_competence[0, chose, a])
                * span
            )
        )
    assert np.mean(measured) - np.mean(true) > 0.5


def test_unannounced_priority_switches_break_partnerships(tpn):
    silent = simulate(with_changes(tpn, priority_switch_monthly=0.2, switch_notified_share=0.0), 1)
    assert silent.state.switches > 0
    assert len(silent.state.ties) == silent.initial_tie_count, "nobody is rematched"
    assert (~silent.state.ties.active).sum() > 0
    told = simulate(with_changes(tpn, priority_switch_monthly=0.2, switch_notified_share=1.0), 1)
    assert len(told.state.ties) > told.initial_tie_count, "announced switches are rematched"


def test_workload_shocks_cancel_or_delay_activities(tpn):
    calm = simulate(
        with_changes(
            tpn,
            workload_shock_monthly=0.0,
            priority_switch_monthly=0.0,
            continuation_visits_per_year=0,
        ),
        2,
    )
    assert calm.state.log.cancelled.sum() == 0 and calm.state.log.delayed[COACHING] == 0
    swamped = simulate(with_changes(tpn, workload_shock_monthly=1.0, shock_cancel_share=1.0), 2)
    assert swamped.state.log.held[COACHING] < calm.state.log.held[COACHING] / 3


def test_hosting_visits_raises_the_hosts_leadership(tpn):
    base = with_changes(
        tpn, leadership_turnover_monthly=0.0, virtual_share=0.0, exchange_visits_per_year=200
    )
    plain = simulate(with_changes(base, host_recognition_gain=0.0), 3)
    recognised = simulate(base, 3)
    hosts = np.unique(recognised.state.ties.host)
    recognised_leaders, plain_leaders = recognised.state.leadership, plain.state.leadership
    assert (recognised_leaders[hosts] >= plain_leaders[hosts]).all()
    assert recognised_leaders[hosts].mean() > plain_leaders[hosts].mean()


def test_phasing_by_province_staggers_launches(tpn):
    model = TwinningModel(with_changes(tpn, phasing="by_province", phase_interval_months=2), rng=0)
    launches = {
        p: model.launch[model.province_index == i][0] for i, p in enumerate(model.province_names)
    }
    assert sorted(launches.values()) == [4, 6, 8, 10, 12]


def test_identical_seeds_give_identical_runs(tpn):
    a, b = simulate(tpn, 11), simulate(tpn, 11)
    assert np.array_equal(a.history_competence, b.history_competence)
    assert np.array_equal(a.measured(24), b.measured(24), equal_nan=True)
    c = simulate(tpn, 12)
    assert not np.array_equal(a.history_competence, c.history_competence)


def test_the_counterfactual_shares_the_context_random_numbers(tpn):
    """Common random numbers: non-members never take part, so their series are identical."""
    twinned, none = simulate(tpn, 8), simulate(with_changes(tpn, design="none"), 8)
    outside = ~twinned.member
    assert np.array_equal(
        twinned.history_competence[:, outside], none.history_competence[:, outside]
    )
    assert np.array_equal(twinned.measured(24)[outside], none.measured(24)[outside], equal_nan=True)


def test_mesa_batch_run_returns_one_row_per_run():
    rows = mesa.batch_run(
        TwinningModel,
        {"design": ["network", "dyad"], "virtual_share": 0.5},
        number_processes=1,
        rng=[1, 2],
        max_steps=30,
        display_progress=False,
    )
    assert len(rows) == 4
    assert {r["design"] for r in rows} == {"network", "dyad"}
    assert all(r["Step"] == 24 for r in rows), "the model stops itself at its horizon"
    assert all(r["mean_competence_members"] > 0 for r in rows)


def test_agents_are_mesa_agents_with_named_views(tpn_model):
    agents = tpn_model.agents
    assert len(agents) == 74
    gasabo = next(a for a in agents if a.identifier == "DHMT-Gasabo")
    assert gasabo.kind == "dhmt" and gasabo.province == "Kigali City"
    assert set(gasabo.competence) == {
        "cbhi",
        "anc",
        "family_planning",
        "supply_chain",
        "planning",
        "monitoring_evaluation",
        "supervision",
        "partner_coordination",
    }
    assert 2 <= len(gasabo.rising) <= 5


# The programme as run: the evaluation's table of key events (Gasana et al. 2024) --------------
def test_the_launch_workshop_is_four_sessions_of_teams_in_province_order(tpn_model):
    model, meet = tpn_model, tpn_model.gatherings
    session = meet.launch_session
    assert (session[model.enrolled] >= 0).all() and (session[~model.enrolled] == -1).all()
    assert np.bincount(session[model.enrolled]).tolist() == [14, 14, 14, 13]
    last_province = [model.province_index[session == s].max() for s in range(4)]
    first_province = [model.province_index[session == s].min() for s in range(4)]
    assert all(a <= b for a, b in zip(last_province, first_province[1:], strict=False))
    assert model.state.log.held[LAUNCH_WORKSHOP] == 4


def test_phased_launches_hold_one_session_per_province(tpn):
    model = TwinningModel(with_changes(tpn, phasing="by_province"), rng=0)
    meet = model.gatherings
    assert len(meet.session_month) == 5
    for s, month in enumerate(meet.session_month):
        teams = meet.launch_session == s
        assert (model.launch[teams] == month).all()
        assert len(np.unique(model.province_index[teams])) == 1


def _coaching_plan(model):
    coaching = model.plan[model.plan["kind"] == COACHING]
    learners = np.flatnonzero(model.enrolled & model.rising_at_launch.any(axis=1))
    return coaching, learners


def test_each_member_is_planned_three_coaching_visits_one_of_them_virtual(tpn_model):
    coaching, learners = _coaching_plan(tpn_model)
    assert len(learners) == tpn_model.enrolled.sum()
    assert np.bincount(coaching["learner"], minlength=len(tpn_model.member))[learners].min() == 3
    assert np.bincount(coaching["learner"]).max() == 3
    virtual = np.bincount(coaching["learner"], weights=coaching["virtual"])[learners]
    assert (virtual == 1).all()
    review = coaching["month"] == tpn_model.launch[coaching["learner"]] + 2
    assert (coaching["virtual"] == review).all(), "the 2-3 month review is the virtual one"


def test_held_coaching_is_virtual_as_planned_and_designs_move_it_online_or_offline(tpn):
    calm = with_changes(tpn, workload_shock_monthly=0.0)
    model = simulate(calm, 2)
    _, learners = _coaching_plan(model)
    assert model.state.log.held_virtual[COACHING] == len(learners)
    assert model.state.log.held_in_person[COACHING] == 2 * len(learners)
    for name, virtual_share in (("in_person_only", 0.0), ("covid_virtual", 1.0)):
        coaching, _ = _coaching_plan(TwinningModel(load_scenario(name), rng=2))
        assert coaching["virtual"].mean() == virtual_share, name


def _taught_only_by(tpn, kind_name, **changes):
    """tpn_2021 where one kind of activity alone teaches, and know-how stays know-how."""
    others = {
        kind.efficacy: 0.0
        for kind in ACTIVITY_KINDS
        if kind.efficacy is not None and kind.name != kind_name
    }
    return with_changes(
        tpn,
        **others,
        self_analysis_gain=0.0,
        host_refinement_gain=0.0,
        implementation_rate=0.0,
        continuation_event_interval_months=0,
        **changes,
    )


def test_tpn_2021_holds_four_virtual_workshops_each_on_a_most_chosen_topic(tpn):
    model = simulate(_taught_only_by(tpn, "virtual_event", priority_switch_monthly=0.0), 5)
    assert model.state.log.held[VIRTUAL_EVENT] == 4
    choosers = model.rising_at_launch[model.enrolled].sum(axis=0)
    ranking = model.gatherings.topic_ranking
    assert (np.diff(choosers[ranking]) <= 0).all() and choosers[ranking[0]] == choosers.max()
    taught = [model.gatherings.virtual_event_topics(n, len(choosers)) for n in range(4)]
    assert [np.flatnonzero(t).tolist() for t in taught] == [[t] for t in ranking[:4]]
    learned = model.state.knowhow.max(axis=0) > 0
    assert learned[ranking[:4]].all() and not learned[ranking[4:]].any()


def test_four_provincial_workshops_with_kigali_city_joining_eastern(tpn):
    everyone_attends = {
        "workload_shock_monthly": 0.0,
        "event_attendance_in_person": 1.0,
        "event_attendance_virtual": 1.0,
    }
    model = simulate(_taught_only_by(tpn, "provincial_event", **everyone_attends), 5)
    names = model.province_names
    held = model.state.log.column("kind") == PROVINCIAL_EVENT
    months = model.state.log.column("month")[held]
    assert held.sum() == 4 and (months < model.programme_end.max()).all()
    events_for = sorted(names[int(p)] for p in model.state.log.column("province")[held])
    assert events_for == ["Eastern", "Northern", "Southern", "Western"]
    kigali = model.member & (model.province_index == names.index("Kigali City"))
    assert (model.gatherings.event_province[kigali] == names.index("Eastern")).all()
    assert (model.state.knowhow[kigali].max(axis=1) > 0).any(), "Kigali City's members attend"
    apart = TwinningModel(with_changes(tpn, provincial_event_joins={}), rng=5)
    assert (apart.plan["kind"] == PROVINCIAL_EVENT).sum() == 5


def test_eight_districts_choose_cbhi_in_every_replication(tpn):
    for seed in range(30):
        model = TwinningModel(tpn, rng=seed)
        cbhi = model.rising_at_launch[:, model.world.topics.index("cbhi")]
        assert cbhi.sum() == 8 and (model.world.kind[cbhi] == "dhmt").all()


def test_teams_rank_between_two_and_five_priorities_three_on_average(tpn):
    per_district = np.concatenate(
        [
            (model := TwinningModel(tpn, rng=seed))
            .rising_at_launch[model.world.kind == "dhmt"]
            .sum(axis=1)
            for seed in range(40)
        ]
    )
    assert set(per_district.tolist()) == {2, 3, 4, 5}
    assert per_district.mean() == pytest.approx(3.0, abs=0.1)
    counts = priorities.priority_counts(3.0, (2, 5), 100_000, np.random.default_rng(0))
    assert counts.min() == 2 and counts.max() == 5 and counts.mean() == pytest.approx(3, abs=0.01)
    assert (priorities.priority_counts(4.0, (4, 4), 10, np.random.default_rng(0)) == 4).all()


def test_hospitals_rank_only_the_topics_their_strengths_leave(tpn_model):
    hospitals = tpn_model.member & (tpn_model.world.kind == "hospital")
    # 4 hospital topics, 2 strengths: 2 priorities, whatever a team would have ranked.
    assert (tpn_model.rising_at_launch[hospitals].sum(axis=1) == 2).all()


def test_the_true_baseline_shrinks_each_measured_value_towards_its_kinds_mean():
    """Normal-normal shrinkage in closed form: measured 40, 50, 60 (mean 50, variance 200/3)
    with noise SD 5 give reliability r = 1 - 25 / (200/3) = 0.625, centres 50 + r (x - 50)
    and SD sqrt(r) * 5; the other kind is shrunk on its own, and a topic that does not apply
    has no truth."""
    observed = np.array([[40.0, 1.0], [50.0, 2.0], [60.0, 3.0], [10.0, 7.0]])
    applies = np.array([[True, False], [True, False], [True, False], [True, True]])
    kind = np.array(["dhmt", "dhmt", "dhmt", "hospital"])
    centre, spread = indicators.baseline_shrinkage(observed, applies, kind, np.array([5.0, 1.0]))
    r = 1 - 25 / (200 / 3)
    assert centre[:3, 0] == pytest.approx([50 - 10 * r, 50, 50 + 10 * r])
    assert spread[:3, 0] == pytest.approx([np.sqrt(r) * 5] * 3)
    # One hospital: no spread to shrink towards, so its measured values are the centres and
    # the truth lies around them with the whole measurement noise.
    assert centre[3].tolist() == [10.0, 7.0] and spread[3].tolist() == [5.0, 1.0]
    assert np.isnan(centre[:3, 1]).all()
    draws = np.random.default_rng(0).standard_normal((20_000, *observed.shape))
    truth = indicators.true_baseline((centre, spread), draws)
    assert truth[:, 0, 0].mean() == pytest.approx(50 - 10 * r, abs=0.1)
    assert truth[:, 0, 0].std() == pytest.approx(np.sqrt(r) * 5, rel=0.03)


def test_unique_pairs_are_numpys_unique_rows_in_the_same_order():
    rng = np.random.default_rng(7)
    for size in (0, 1, 5, 300):
        pairs = rng.integers(0, 9, (size, 2))
        expected, expected_inverse = np.unique(pairs, axis=0, return_inverse=True)
        found, inverse = unique_pairs(pairs[:, 0], pairs[:, 1], 9)
        assert np.array_equal(found, expected.reshape(-1, 2))
        assert np.array_equal(inverse, expected_inverse.reshape(-1))
        assert np.array_equal(found[inverse], pairs)


def test_plan_rows_sort_as_numpys_sort_of_structured_rows():
    rng = np.random.default_rng(11)
    for size in (0, 1, 40, 500):
        plan = np.zeros(size, dtype=calendar.PLAN_DTYPE)
        for name in calendar.PLAN_DTYPE.names:
            plan[name] = rng.integers(0, 2 if name == "virtual" else 4, size)
        expected = np.sort(plan, order=["month", "kind", "learner", "host"], kind="stable")
        assert calendar.sorted_by_month(plan).tobytes() == expected.tobytes()


def test_every_activity_still_delayed_at_the_horizon_is_counted_cancelled(tpn):
    """Every team shocked every month and no shock cancelling: every coaching visit slips
    month after month and all of them are cancelled at the horizon, each counted once."""
    swamped = with_changes(tpn, workload_shock_monthly=1.0, shock_cancel_share=0.0)
    model = TwinningModel(swamped, rng=2)
    model.workload[:] = 1.0  # the context stream reads this array: a shock every month
    while model.running:
        model.step()
    planned = (model.plan["kind"] == COACHING).sum()
    assert planned > 1
    assert model.state.log.held[COACHING] == 0
    assert model.state.log.cancelled[COACHING] == planned
