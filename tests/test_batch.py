"""Replications side by side (sim.batch) give, replication by replication, the bytes each gives
alone: outcomes, monthly series, ties, the activity log and the final state (issue #15)."""

import struct

import numpy as np
import pandas as pd
import pytest

import sim.runner
from sim.batch import Batch
from sim.draws import DesignDraws, by_block
from sim.model import TwinningModel
from sim.outcomes import outcomes
from sim.payers import running_totals
from sim.runner import activities_frame, series_frame, simulate_pair, simulate_pairs, ties_frame
from sim.scenario import load_scenario, with_overrides

SEEDS = [0, 5, 9, 12]
CASES = [
    ("tpn_2021", {}),
    ("dyad", {}),
    ("hub", {}),
    ("provincial_sessions", {}),
    ("covid_virtual", {}),
    ("donor_exit_no_followup", {}),
    ("donor_exit_performance_contracts", {}),
    ("moh_funded_network", {}),
    ("scale_up_all_hospitals", {}),
    ("no_twinning", {}),
    ("tpn_2021", {"virtual_share": 0.5, "matching_rule": "similar", "host_capacity": 1}),
    ("tpn_2021", {"design": "provincial", "matching_rule": "nearest", "phasing": "by_province"}),
    ("tpn_2021", {"priority_switch_monthly": 0.2, "switch_notified_share": 0.5}),
    ("tpn_2021", {"workload_shock_monthly": 0.5, "shock_cancel_share": 0.5}),
    ("tpn_2021", {"host_visits_per_month": 1, "exchange_visits_per_year": 200}),
    ("tpn_2021", {"donor_exit_month": 10, "self_funding_base": 0.5, "horizon_months": 30}),
]


def everything(model, counterfactual) -> list[bytes]:
    """All a run gives: its outcomes' exact bits, its tables, and its final state."""
    state = model.state
    values = b"".join(
        k.encode() + struct.pack("<d", v) for k, v in outcomes(model, counterfactual).items()
    )
    tables = [
        pd.util.hash_pandas_object(frame, index=True).values.tobytes()
        for frame in (
            series_frame(model, counterfactual),
            ties_frame(model),
            activities_frame(model),
        )
    ]
    arrays = (
        state.competence,
        state.knowhow,
        state.leadership,
        state.rising,
        state.twinning,
        state.switches,
        state.carried,
        state.ties.slot,
        state.ties.host_load,
        state.log.counts,
        model.payers.own_spent,
        model.payers.unfunded,
    )
    counts = struct.pack("<qq", model.matcher.over_capacity, model.steps)
    return [values, *tables, *(a.tobytes() for a in arrays), counts]


@pytest.mark.parametrize(("name", "changes"), CASES, ids=[f"{n}{c or ''}" for n, c in CASES])
def test_every_replication_side_by_side_gives_the_bytes_it_gives_alone(name, changes):
    scenario = with_overrides(load_scenario(name), changes) if changes else load_scenario(name)
    alone = [everything(*simulate_pair(scenario, seed)) for seed in SEEDS]
    side_by_side = [everything(*pair) for pair in simulate_pairs(scenario, SEEDS)]
    for seed, mine, theirs in zip(SEEDS, alone, side_by_side, strict=True):
        assert mine == theirs, (
            f"seed {seed}: parts {[i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]}"
        )


def test_a_batch_is_cut_to_its_size_in_institutions_and_keeps_the_order(tpn, monkeypatch):
    built = []

    class Counted(Batch):
        def __init__(self, models):
            built.append(len(models))
            super().__init__(models)

    monkeypatch.setattr(sim.runner, "Batch", Counted)
    monkeypatch.setattr(sim.runner, "BATCH_INSTITUTIONS", 3 * 74)  # three tpn_2021 worlds
    seeds = list(range(7))
    pairs = list(simulate_pairs(tpn, seeds))
    assert built == [3, 3, 1]
    assert [model.seed for model, _ in pairs] == seeds
    alone = simulate_pair(tpn, 6)
    assert everything(*pairs[-1]) == everything(*alone)


# Parameters each run of a batch has its own values of: context parameters the months read (a
# Sobol analysis, a calibration or a posterior's draws give every run its own), design levers and
# budgets (a sweep's).
CONTEXTS = [
    {"efficacy_exchange_visit": 0.55, "implementation_rate": 0.12, "absorptive_floor": 0.15},
    {"virtual_share": 0.8, "exchange_visits_per_year": 12, "host_capacity": 1},
    {"matching_rule": "similar", "visit_allocation": "lottery", "donor_budget_per_year": 9e6},
    {"efficacy_coaching": 0.28, "virtual_delivery_ratio": 0.3, "turnover_multiplier": 1.8},
    {"similarity_penalty_setting": 0.45, "self_analysis_gain": 0.05, "learning_scale": 0.7},
    {"priority_switch_monthly": 0.15, "switch_notified_share": 0.2, "shock_cancel_share": 0.9},
    {"event_attendance_virtual": 0.4, "event_attendance_in_person": 0.6},
    {"host_refinement_gain": 0.2, "host_recognition_gain": 0.05, "host_load_dilution": 0.6},
    {"implementation_floor": 0.1, "workload_shock_monthly": 0.3, "secular_trend_multiplier": 2},
    {},
]


@pytest.mark.parametrize("design", ["network", "dyad"])
def test_runs_with_their_own_parameters_side_by_side_give_their_bytes_alone(tpn, design):
    scenarios = [
        with_overrides(tpn, {"design": design, "virtual_share": 0.3, **c}) for c in CONTEXTS
    ]
    seeds = list(range(len(CONTEXTS)))
    built = []

    class Counted(Batch):
        def __init__(self, models):
            built.append(len(models))
            super().__init__(models)

    sim.runner.Batch, original = Counted, sim.runner.Batch
    try:
        side_by_side = [everything(*pair) for pair in simulate_pairs(scenarios, seeds)]
    finally:
        sim.runner.Batch = original
    assert built == [len(CONTEXTS)], "one batch for all"
    for scenario, seed, theirs in zip(scenarios, seeds, side_by_side, strict=True):
        assert everything(*simulate_pair(scenario, seed)) == theirs, scenario.context


def test_runs_with_their_own_budgets_after_the_donor_leaves_give_their_bytes_alone(tpn):
    """Each replication pays from its own books: a Ministry budget line or none, its own
    chances and budgets of self-funding."""
    levers = [
        {"moh_budget_per_year": 0.0, "self_funding_base": 0.9, "self_funding_budget_per_year": 3e5},
        {"moh_budget_per_year": 4e6},
        {"moh_budget_per_year": 0.0, "self_funding_base": 0.3, "self_funding_leadership": 0.6},
        {"moh_budget_per_year": 1e5, "donor_budget_per_year": 2e7},
    ]
    exit_early = {"donor_exit_month": 9, "horizon_months": 36}
    scenarios = [with_overrides(tpn, {**exit_early, **own}) for own in levers]
    seeds = [3, 3, 8, 11]
    side_by_side = [everything(*pair) for pair in simulate_pairs(scenarios, seeds)]
    paid_by = set()
    for scenario, seed, theirs in zip(scenarios, seeds, side_by_side, strict=True):
        model, counterfactual = simulate_pair(scenario, seed)
        assert everything(model, counterfactual) == theirs, scenario.funding
        paid_by |= set(model.state.log.column("payer").astype(int).tolist())
    assert paid_by == {0, 1, 2, 3}, "donor, Ministry, districts and hospitals all paid"


@pytest.mark.parametrize("groups", [[0, 0, 0], [2, 0, 2, 1, 0, 2, 2], [5], []])
def test_running_totals_add_each_groups_values_in_order_as_a_cumsum_of_the_group_alone(groups):
    groups = np.array(groups, dtype=np.int64)
    values = np.random.default_rng(4).random(len(groups)) * 1e6
    totals = running_totals(values, groups)
    for group in np.unique(groups):
        mine = groups == group
        assert totals[mine].tobytes() == np.cumsum(values[mine]).tobytes()


def test_a_batch_takes_only_new_models_that_share_what_the_months_read(tpn):
    for other in (
        {"design": "dyad"},
        {"road_factor": 1.6},
        {"horizon_months": 30},
        {"visit_days": 3},
        {"donor_exit_month": 14},
        {"phasing": "by_province"},
        {"performance_contracts": True},
    ):
        with pytest.raises(ValueError, match="share what the months read"):
            Batch([TwinningModel(tpn, rng=1), TwinningModel(tpn, rng=2, **other)])
    stepped = TwinningModel(tpn, rng=3)
    stepped.step()
    with pytest.raises(ValueError, match="must be new"):
        Batch([TwinningModel(tpn, rng=1), stepped])
    shared = TwinningModel(tpn, rng=4)
    sim.runner.Counterfactual(shared)
    with pytest.raises(ValueError, match="must be new"):
        Batch([shared])


def test_rows_draw_from_their_own_replications_generator_in_their_order():
    """Rows of three replications, shuffled: each gets what its generator alone gives its
    rows in order, whatever the layout, and blocks with no row draw nothing."""
    blocks = np.array([2, 0, 2, 2, 0, 2])
    draws = DesignDraws([np.random.default_rng(s) for s in (1, 2, 3)], institutions=4)
    got = draws.per_row(blocks, before=(2,), after=(3,))
    for block, seed in ((0, 1), (2, 3)):
        expected = np.random.default_rng(seed).random((2, (blocks == block).sum(), 3))
        assert np.array_equal(got[:, blocks == block], expected)
    assert np.array_equal(draws.generators[1].random(2), np.random.default_rng(2).random(2))
    each = DesignDraws([np.random.default_rng(s) for s in (1, 2, 3)], institutions=4)
    chosen = each.per_institution((2,), blocks=[1])
    assert np.array_equal(chosen[:, 4:8], np.random.default_rng(2).random((2, 4)))
    assert (chosen[:, :4] == 1.0).all() and (chosen[:, 8:] == 1.0).all()


@pytest.mark.parametrize("blocks", [[0, 0, 1, 3, 3], [3, 0, 1, 0, 3], [2], []])
def test_rows_are_found_by_block_in_order(blocks):
    blocks = np.array(blocks, dtype=np.int64)
    found = {block: np.arange(len(blocks))[rows].tolist() for block, rows in by_block(blocks)}
    assert found == {b: np.flatnonzero(blocks == b).tolist() for b in np.unique(blocks)}
