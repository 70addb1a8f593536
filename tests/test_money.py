"""Costs, payers, budgets, donor exit and the Ministry's questions."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.frontier import frontier_table
from analysis.reporting import icer_rows
from experiments.optimize import COST, GAIN, LEVERS, budget_scenario, evaluate_plan, optimize
from experiments.policies import NO_EFFECT, design_changes
from experiments.replicate import replication_seeds
from sim.activity_kinds import CO_DESIGN_WORKSHOP, KINDS_BY_NAME, LAUNCH_WORKSHOP
from sim.model import TwinningModel
from sim.outcomes import outcomes
from sim.payers import DONOR, FUNDERS
from sim.runner import run_one, simulate, simulate_pair
from sim.scenario import load_scenario
from tests.conftest import with_changes


def test_costs_add_up_by_funder_and_by_activity(tpn):
    outcomes = run_one(tpn, 3).outcomes
    by_funder = sum(outcomes[f"costs.{f}"] for f in FUNDERS)
    by_activity = sum(
        outcomes[f"costs.{a}"]
        for a in (
            "coaching_visit",
            "exchange_visit",
            "virtual_event",
            "provincial_event",
            "launch_workshop",
            "co_design_workshop",
        )
    )
    assert outcomes["costs.total"] > 0
    assert by_funder == pytest.approx(outcomes["costs.total"])
    assert by_activity == pytest.approx(outcomes["costs.total"])
    assert outcomes["costs.total_usd"] == pytest.approx(outcomes["costs.total"] / 1200)


def test_a_longer_road_costs_more_for_the_same_visit(tpn):
    model = simulate(tpn, 1)
    pricing = model.pricing
    near = model.world.district_index
    hosts = np.arange(1, 30)
    visit = KINDS_BY_NAME["exchange_visit"]
    price = pricing.cash(visit, np.zeros(29, dtype=int), hosts, np.zeros(29, bool), 3, 2)
    distance = model.geography.road_km(np.full(29, near[0]), near[hosts])
    assert np.corrcoef(price, distance)[0, 1] > 0.999


def test_an_exhausted_budget_stops_paid_activities(tpn):
    budget = 10e6
    model = simulate(with_changes(tpn, donor_budget_per_year=budget), 2)
    assert model.payers.unfunded.sum() > 0
    assert (model.payers.donor_spent <= budget + 1e-6).all()
    rich = simulate(tpn, 2)
    assert rich.payers.unfunded.sum() == 0
    assert model.state.log.held.sum() < rich.state.log.held.sum()


def test_the_donors_total_cap_holds_across_budget_years(tpn):
    model = simulate(with_changes(tpn, donor_budget_total=20e6), 2)
    assert model.payers.donor_spent.sum() <= 20e6 + 1e-6
    assert model.payers.unfunded.sum() > 0


def test_a_budget_plan_never_lets_the_donor_spend_more_than_the_budget(tpn):
    # A one-year programme spans two budget years (it starts in month 4): only the total cap
    # keeps an expensive plan within the budget.
    budget = 40e6
    scenario = budget_scenario(tpn, budget, years=1)
    expensive = with_changes(scenario, exchange_visits_per_year=120, virtual_share=0.0)
    assert simulate(expensive, 1).payers.donor_spent.sum() <= budget + 1e-6


def test_institutions_that_stopped_twinning_are_not_rematched(tpn):
    early_exit = with_changes(
        tpn, donor_exit_month=10, priority_switch_monthly=0.3, switch_notified_share=1.0
    )
    model = simulate(early_exit, 3)
    ties = model.state.ties
    stopped = ~model.state.twinning
    assert stopped[model.enrolled].any()
    assert not (ties.active & (stopped[ties.learner] | stopped[ties.host])).any()


def test_an_unpaid_launch_workshop_teaches_nothing(tpn):
    def knowhow_after_the_first_launch(scenario):
        model = TwinningModel(scenario, rng=3)
        while model.steps <= int(model.launch[model.enrolled].min()):
            model.step()
        return model.state.knowhow

    assert knowhow_after_the_first_launch(with_changes(tpn, donor_budget_per_year=0)).max() == 0
    assert knowhow_after_the_first_launch(tpn).max() > 0


def _workshop_price(costs, teams, schedule):
    """costs.csv: a workshop-day's facilitation plus a day rate per participant."""
    participants = teams * schedule.participants_per_event
    return schedule.workshop_days * (
        costs["workshop_facilitation_day"] + participants * costs["workshop_participant_day"]
    )


def test_two_co_design_workshops_before_launch_are_priced_and_paid_by_the_donor(tpn_model):
    log, costs, schedule = tpn_model.state.log, tpn_model.world.costs, tpn_model.params.schedule
    rows = log.column("kind") == CO_DESIGN_WORKSHOP
    assert rows.sum() == 2 and tpn_model.state.log.held[CO_DESIGN_WORKSHOP] == 2
    assert (log.column("month")[rows] < tpn_model.launch[tpn_model.enrolled].min()).all()
    assert (log.column("payer")[rows] == DONOR).all()
    # One for the 30 DHMTs, one for the 10 selected hospitals.
    expected = [_workshop_price(costs, teams, schedule) for teams in (30, 10)]
    assert sorted(log.column("cash_rwf")[rows]) == pytest.approx(sorted(expected))
    outcomes = run_one(tpn_model.params, 7).outcomes
    assert outcomes["costs.co_design_workshop"] == pytest.approx(sum(expected))


def test_each_launch_session_is_priced_for_its_own_teams(tpn_model):
    log, costs, schedule = tpn_model.state.log, tpn_model.world.costs, tpn_model.params.schedule
    rows = log.column("kind") == LAUNCH_WORKSHOP
    expected = [_workshop_price(costs, teams, schedule) for teams in (14, 14, 14, 13)]
    assert sorted(log.column("cash_rwf")[rows]) == pytest.approx(sorted(expected))
    assert (log.column("payer")[rows] == DONOR).all()


def test_without_the_donors_money_no_workshop_is_held(tpn):
    model = simulate(with_changes(tpn, donor_budget_per_year=0), 3)
    for kind in (CO_DESIGN_WORKSHOP, LAUNCH_WORKSHOP):
        assert model.state.log.held[kind] == 0
    assert model.payers.unfunded[CO_DESIGN_WORKSHOP] == 2
    assert model.payers.unfunded[LAUNCH_WORKSHOP] == 4


def test_the_donor_pays_nothing_after_it_exits():
    scenario = load_scenario("donor_exit_no_followup")
    model = simulate(scenario, 4)
    month, payer = model.state.log.column("month"), model.state.log.column("payer")
    exit_month = model.payers.exit_month
    assert (payer == DONOR).any() and (month[payer == DONOR] < exit_month).all()
    assert (month >= exit_month).any() and (payer[month >= exit_month] != DONOR).all()


def test_cost_and_gain_are_measured_over_the_same_window():
    scenario = load_scenario("moh_funded_network")  # the Ministry pays after the endline
    horizon = scenario.horizon_months
    assert horizon > scenario.evaluation.endline_month
    model, counterfactual = simulate_pair(scenario, 2)
    result = outcomes(model, counterfactual)
    topics, total = model.world.topics, 0.0
    for t, name in enumerate(topics.names):
        members = model.world.applies[:, t] & model.member
        gain = topics.span[t] * float(
            (
                model.competence_by_month[horizon][members, t].astype(float)
                - counterfactual.competence_by_month[horizon][members, t]
            ).sum()
        )
        assert result[f"{name}.institution_points"] == pytest.approx(gain, rel=1e-6)
        if gain > 0:
            assert result[f"{name}.cost_per_point"] == pytest.approx(result["costs.total"] / gain)
        total += gain
    assert result["gains.institution_points"] == pytest.approx(total, rel=1e-6)


def test_performance_contracts_keep_more_institutions_twinning():
    plain = load_scenario("donor_exit_no_followup")
    contracts = load_scenario("donor_exit_performance_contracts")
    seeds = replication_seeds(5, 15)
    difference = np.array(
        [
            run_one(contracts, s).outcomes["sustain.still_twinning"]
            - run_one(plain, s).outcomes["sustain.still_twinning"]
            for s in seeds
        ]
    )
    assert difference.mean() - 2 * difference.std(ddof=1) / np.sqrt(len(seeds)) > 0


def test_a_ministry_budget_line_keeps_the_network_within_its_budget():
    scenario = load_scenario("moh_funded_network")
    model = simulate(scenario, 6)
    outcomes = run_one(scenario, 6).outcomes
    assert outcomes["sustain.still_twinning"] == 1.0
    assert outcomes["costs.moh"] > 0
    assert (model.payers.moh_spent <= scenario.funding.moh_budget_per_year + 1e-6).all()
    no_followup = run_one(load_scenario("donor_exit_no_followup"), 6).outcomes
    assert (
        outcomes["accreditation.effect_5y_after_exit"]
        > no_followup["accreditation.effect_5y_after_exit"]
    )


def test_the_optimiser_never_returns_a_plan_over_budget(tpn):
    budget = 30e6
    result = optimize(budget_scenario(tpn, budget, None), budget, trials=12, replications=3, seed=2)
    assert not result.best.empty
    assert (result.best["cost_max"] <= budget).all()
    assert (result.trials.loc[~result.trials["feasible"], "cost_max"] > budget).all()
    assert result.best["gain_mean"].is_monotonic_decreasing
    best = result.best.iloc[0]
    visits = best["exchange_visits_per_year"]
    assert visits == NO_EFFECT or visits == int(visits)
    # The plan the model was given: the design's own scenario, then every lever it searched.
    plan = design_changes(best["design"]) | {
        name: best[name] for name in list(LEVERS)[1:] if best[name] != NO_EFFECT
    }
    rerun = evaluate_plan(budget_scenario(tpn, budget, None), plan, replications=3, seed=2)
    assert rerun[GAIN].mean() == pytest.approx(best["gain_mean"])


def test_a_shorter_programme_keeps_its_schedule_and_its_paid_visits_within_it(tpn):
    """`tpn optimize --years 1`: a visit window running past the programme's end would leave
    visits the budget pays for unheld; the schedule is cut to the programme instead."""
    from sim.scenario import check_calendar
    from sim.world import cached_world

    short = budget_scenario(tpn, 30e6, 1)
    assert short.design.programme_months == 12
    assert short.schedule.visit_window == (3, 11) and short.schedule.coaching_months == (0, 2)
    assert max(short.schedule.virtual_event_months) < 12
    check_calendar(short, cached_world(short.world), Path("--years"), {})  # nothing left out


def test_dominated_designs_are_marked_and_the_frontier_has_icers():
    summary = pd.DataFrame(
        {
            "point": [0, 1, 2, 3],
            "design": ["a", "b", "c", "d"],
            "costs.total.mean": [10.0, 20.0, 15.0, 30.0],
            "costs.total.ci_low": [9.0] * 4,
            "costs.total.ci_high": [31.0] * 4,
            "g.mean": [1.0, 3.0, 0.5, 4.0],
            "g.ci_low": [0.0] * 4,
            "g.ci_high": [5.0] * 4,
        }
    )
    table = frontier_table(summary, ["design"], "costs.total", "g").set_index("design")
    assert table.loc["c", "dominated"] and not table.loc["b", "dominated"]
    assert table.loc["b", "icer"] == pytest.approx(10.0 / 2.0)
    assert table.loc["d", "icer"] == pytest.approx(10.0 / 1.0)


def test_an_icer_is_given_only_to_a_scenario_that_gains_more():
    # Against "base": "better" gains 10 for 1,000 more; "cheaper_worse" saves 1,000 and loses
    # 10 points; "dearer_worse" costs 1,000 more and loses 10 points.
    changes = {"base": (0, 0), "better": (1000, 10), "cheaper_worse": (-1000, -10)}
    changes["dearer_worse"] = (1000, -10)
    rows = [
        {
            "scenario": name,
            "replication": r,
            "costs.total": 5000 + cost + r,
            "gains.institution_points": 50 + gain + r,
        }
        for name, (cost, gain) in changes.items()
        for r in range(3)
    ]
    icers = {row["scenario"]: row["mean"] for row in icer_rows(pd.DataFrame(rows), list(changes))}
    assert icers["better"] == pytest.approx(100.0)
    assert np.isnan(icers["base"])
    assert np.isnan(icers["cheaper_worse"]) and np.isnan(icers["dearer_worse"])


def test_numbers_are_shown_as_what_they_are():
    from analysis.tables import format_number, format_value
    from sim.outcome_registry import outcome

    assert format_value(0.0864, outcome("network.reciprocity")) == "9%"
    assert format_value(1.2, outcome("network.reciprocity")) == "100%"  # a share stays 0-100%
    assert format_value(-12.0, outcome("costs.total")) == "0"  # money never below zero
    assert format_value(63_317_273.4, outcome("costs.total")) == "63,317,273"
    assert format_value(45.6, outcome("activities.exchange_visit")) == "46"  # a count is whole
    assert format_value(3.64, outcome("network.ties_per_host")) == "3.6"  # a rate is not
    assert "e" not in format_number(0.00032) and format_number(0.00032) == "0.00032"


def test_intervals_keep_within_the_bounds_of_shares_counts_and_money_and_say_how():
    from analysis.stats import BOOTSTRAP_METHOD, NO_INTERVAL, T_METHOD, summarise

    # Mostly zeros with one large value: a t-interval would go below 0.
    runs = pd.DataFrame(
        {
            "costs.district": [0.0] * 9 + [900_000.0],
            "network.reciprocity": [0.0] * 9 + [0.9],
            "accreditation.causal_effect": [0.0] * 9 + [9.0],
            "accreditation.p_value": [0.01, 0.2] * 5,
        }
    )
    table = summarise(runs, list(runs.columns)).set_index("outcome")
    for name in ("costs.district", "network.reciprocity"):
        assert table.loc[name, "ci_low"] >= 0 and table.loc[name, "method"] == BOOTSTRAP_METHOD
    assert table.loc["network.reciprocity", "ci_high"] <= 1
    assert table.loc["accreditation.causal_effect", "ci_low"] < 0  # points may fall: t
    assert table.loc["accreditation.causal_effect", "method"] == T_METHOD
    p = table.loc["accreditation.p_value"]
    assert np.isnan(p["ci_low"]) and p["method"] == NO_INTERVAL  # no interval on a P-value
    assert p["power"] == pytest.approx(0.5) and 0 < p["power_ci_low"] < 0.5 < p["power_ci_high"] < 1
    assert summarise(runs, ["costs.district"]).equals(summarise(runs, ["costs.district"]))


def test_the_frontier_of_a_sweep_marks_extended_dominance():
    # b: 10 more for 1 point over a; c: 10 more for 4 points over b. Over a, c costs 20 for 5
    # points (4 a point), less than b's 10 a point: b is extendedly dominated.
    summary = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "design": ["a", "b", "c"],
            "costs.total.mean": [0.0, 10.0, 20.0],
            "costs.total.ci_low": [0.0] * 3,
            "costs.total.ci_high": [30.0] * 3,
            "g.mean": [0.0, 1.0, 5.0],
            "g.ci_low": [0.0] * 3,
            "g.ci_high": [6.0] * 3,
        }
    )
    table = frontier_table(summary, ["design"], "costs.total", "g").set_index("design")
    assert table.loc["b", "status"] == "extendedly dominated" and table.loc["b", "dominated"]
    assert np.isnan(table.loc["b", "icer"])
    assert table.loc["c", "icer"] == pytest.approx(20.0 / 5.0)


def test_the_acceptability_of_a_frontier_has_its_closed_form_on_a_deterministic_case():
    """A costs 10,000 RWF for 1 point, B 200,000 for 2, C (dominated) 300,000 for 1, in every
    replication: no programme is the best buy at 0 RWF a point, A from above 10,000 until B's
    extra 190,000 for 1 more point pays (above 190,000), then B; C never."""
    from analysis import economics
    from analysis.frontier import frontier_options

    costs, gains = {0: 10_000.0, 1: 200_000.0, 2: 300_000.0}, {0: 1.0, 1: 2.0, 2: 1.0}
    runs = pd.DataFrame(
        [
            {
                "point": p,
                "replication": r,
                "status": "ok",
                "design": d,
                COST: costs[p],
                GAIN: gains[p],
            }
            for p, d in enumerate(["dyad", "network", "hub"])
            for r in range(4)
        ]
    )
    summary = runs.groupby("point").agg(design=("design", "first")).reset_index()
    for name in (COST, GAIN):
        means = runs.groupby("point")[name].mean().to_numpy()
        summary[f"{name}.mean"], summary[f"{name}.ci_low"], summary[f"{name}.ci_high"] = (
            means,
            means,
            means,
        )
    table = frontier_table(summary, ["design"], COST, GAIN)
    named, names, designs = frontier_options(runs, table, ["design"], "network")
    assert names == ["dyad", "network"] and designs == ["dyad", "network"]
    curve = economics.acceptability_curve(named, economics.with_no_twinning(names, designs))
    best = curve[curve["probability_best"] == 1.0].set_index("wtp")["scenario"].to_dict()
    assert best == {
        0: "no twinning",
        25_000: "dyad",
        50_000: "dyad",
        100_000: "dyad",
        200_000: "network",
        500_000: "network",
    }
