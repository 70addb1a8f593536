"""The activity registry: every kind of activity declared once, and honoured wherever it is read."""

from typing import get_args

import numpy as np
import pytest

from sim.activity_kinds import ACTIVITY_KINDS, KINDS_BY_NAME, MOH_PAYABLE
from sim.errors import InputError
from sim.learning import efficacy
from sim.outcome_registry import registry
from sim.params import Context, Funding
from sim.payers import FUNDERS
from sim.runner import simulate
from sim.scenario import load_scenario

# How a kind's payers appear in the log: "own" is the learner's institution.
LOGGED_AS = {"donor": {"donor"}, "moh": {"moh"}, "own": {"district", "hospital"}}


def test_codes_are_positions_in_the_registry_and_names_are_unique():
    assert [kind.code for kind in ACTIVITY_KINDS] == list(range(len(ACTIVITY_KINDS)))
    assert list(KINDS_BY_NAME) == [kind.name for kind in ACTIVITY_KINDS]


def test_every_kind_is_priced_however_it_can_be_held(tpn_model):
    ways = {
        "in_person": [False],
        "virtual": [True],
        "either": [False, True],
        "scheduled": [False, True],
    }
    learner, host = np.array([0]), np.array([1])  # two districts: a visit travels
    for kind in ACTIVITY_KINDS:
        for virtual in ways[kind.delivery]:
            price = tpn_model.pricing.cash(kind, learner, host, np.array([virtual]), 3, 2)
            assert np.isfinite(price).all() and (price > 0).all(), (kind.name, virtual)


def test_an_activity_held_online_costs_its_online_price(tpn_model):
    visit, costs = KINDS_BY_NAME["exchange_visit"], tpn_model.world.costs
    online = tpn_model.pricing.cash(visit, np.array([0]), np.array([1]), np.array([True]), 3, 2)
    assert online[0] == 0.5 * costs["facilitator_day"] + 3 * costs["virtual_data_bundle"]


def test_the_calendar_plans_only_registered_kinds_and_the_log_honours_their_delivery(tpn_model):
    assert set(np.unique(tpn_model.plan["kind"]).tolist()) <= {k.code for k in ACTIVITY_KINDS}
    log = tpn_model.state.log
    kinds, virtual = log.column("kind"), log.column("virtual").astype(bool)
    assert (log.held > 0).all(), "tpn_2021 holds every kind of activity"
    for kind in ACTIVITY_KINDS:
        rows = kinds == kind.code
        assert rows.sum() == log.held[kind.code]
        assert virtual[rows].sum() == log.held_virtual[kind.code]
        if kind.delivery == "virtual":
            assert virtual[rows].all(), kind.name
        if kind.delivery == "in_person":
            assert not virtual[rows].any(), kind.name


@pytest.mark.parametrize("name", ["moh_funded_network", "donor_exit_no_followup"])
def test_only_the_payers_a_kind_lists_ever_pay_for_it(name):
    log = simulate(load_scenario(name), 2).state.log
    kinds, payers = log.column("kind").astype(int), log.column("payer").astype(int)
    for kind in ACTIVITY_KINDS:
        allowed = set().union(*(LOGGED_AS[payer] for payer in kind.payers))
        assert {FUNDERS[p] for p in payers[kinds == kind.code]} <= allowed, kind.name


def test_the_ministry_may_pay_only_for_the_kinds_the_registry_allows():
    allowed = get_args(get_args(Funding.model_fields["moh_pays_for"].annotation)[0])
    assert allowed == MOH_PAYABLE
    assert set(MOH_PAYABLE) == {k.name for k in ACTIVITY_KINDS if "moh" in k.payers}
    for donor_only in ("launch_workshop", "co_design_workshop"):
        with pytest.raises(InputError, match=rf"moh_pays_for.*{donor_only}"):
            load_scenario("tpn_2021", {"moh_pays_for": [donor_only]})


def test_every_teaching_kind_names_an_efficacy_parameter_of_the_context():
    for kind in ACTIVITY_KINDS:
        if kind.efficacy is not None:
            field = Context.model_fields[kind.efficacy]
            assert field.json_schema_extra["unit"] == "share of gap", kind.name
    assert KINDS_BY_NAME["launch_workshop"].efficacy is None, "it teaches by self-analysis"


def test_a_co_design_workshop_is_a_kind_of_its_own_that_only_costs_the_donor():
    co_design = KINDS_BY_NAME["co_design_workshop"]
    assert co_design.efficacy is None, "it adapts the approach and teaches nothing directly"
    assert co_design.payers == ("donor",) and co_design.delivery == "in_person"
    declared = registry()
    assert "activities.co_design_workshop" in declared and "costs.co_design_workshop" in declared


def test_coaching_is_virtual_where_the_schedule_says_and_discounted_when_it_is():
    coaching = KINDS_BY_NAME["coaching_visit"]
    assert coaching.delivery == "scheduled" and coaching.can_be_virtual
    ctx = Context(virtual_delivery_ratio=0.25)
    assert efficacy(ctx, coaching, np.array(True)) == pytest.approx(0.25 * ctx.efficacy_coaching)


def test_a_virtual_visit_teaches_the_virtual_delivery_ratio_of_one_in_person():
    ctx = Context(virtual_delivery_ratio=0.25, learning_scale=2.0, efficacy_coaching=0.2)
    in_person, online = efficacy(ctx, KINDS_BY_NAME["coaching_visit"], np.array([False, True]))
    assert in_person == pytest.approx(0.4)
    assert online == pytest.approx(0.1)


def test_a_virtual_learning_event_is_not_discounted_for_being_virtual():
    ctx = Context(virtual_delivery_ratio=0.25, efficacy_virtual_event=0.03)
    assert efficacy(ctx, KINDS_BY_NAME["virtual_event"], np.array(True)) == pytest.approx(0.03)
    provincial = efficacy(ctx, KINDS_BY_NAME["provincial_event"], np.array(True))
    assert provincial == pytest.approx(0.25 * ctx.efficacy_provincial_event)
