"""Health-economics conventions checked on cases whose answer is known in closed form."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.economics import (
    DOMINATED,
    EXTENDED,
    NO_TWINNING,
    ON_FRONTIER,
    acceptability,
    acceptability_curve,
    budget_impact,
    cost_effectiveness,
    frontier,
    net_benefit,
)
from experiments.replicate import replicate
from sim.payers import FUNDERS


def test_frontier_marks_a_dominated_and_an_extendedly_dominated_option():
    # a: (0, 0); b: 100 for 1 point (ICER 100); c: 300 for 4 points (ICER over b 66.7, so b is
    # extendedly dominated: over a, c costs 75 a point); d: 400 for 3 points (dominated by c);
    # e: 700 for 6 points (ICER over c 200).
    table = frontier([0, 100, 300, 400, 700], [0, 1, 4, 3, 6])
    assert list(table["status"]) == [ON_FRONTIER, EXTENDED, ON_FRONTIER, DOMINATED, ON_FRONTIER]
    assert np.isnan(table["icer"][0]) and np.isnan(table["icer"][1])
    assert table["icer"][2] == pytest.approx(300 / 4)
    assert table["compared_with"][2] == 0
    assert table["icer"][4] == pytest.approx(400 / 2)
    assert table["compared_with"][4] == 2
    assert np.isnan(table["icer"][3])


def test_equal_options_keep_the_first_on_the_frontier():
    table = frontier([5, 5], [2, 2])
    assert list(table["status"]) == [ON_FRONTIER, DOMINATED]


def test_the_frontier_of_a_comparison_adds_no_twinning_and_names_what_each_is_compared_with():
    runs = pd.DataFrame(
        {
            "scenario": ["net", "dyad"] * 2,
            "replication": [0, 0, 1, 1],
            "costs.total": [600.0, 500.0, 600.0, 500.0],
            "gains.institution_points": [7.0, 5.0, 7.0, 5.0],
        }
    )
    table = cost_effectiveness(runs, ["net", "dyad", NO_TWINNING]).set_index("scenario")
    # dyad: 100 a point over nothing; net: 50 a point over dyad, so dyad is extendedly dominated.
    assert table.loc["dyad", "status"] == EXTENDED
    assert table.loc["net", "compared_with"] == NO_TWINNING
    assert table.loc["net", "icer"] == pytest.approx(600 / 7)
    assert table.loc["net", "cost_per_point"] == pytest.approx(600 / 7)


def test_ceac_of_two_options_with_normal_net_benefit_is_the_normal_cdf():
    # Option B gains 10 points more for 1,000 RWF more, with normal noise on both: at wtp w
    # NMB_B - NMB_A ~ N(10 w - 1000, w^2 sd_g^2 + sd_c^2), so P(B best) = Phi(mean / sd).
    rng = np.random.default_rng(12)
    n, sd_gain, sd_cost = 200_000, 4.0, 300.0
    gains = pd.DataFrame({"A": np.zeros(n), "B": 10 + sd_gain * rng.standard_normal(n)})
    costs = pd.DataFrame({"A": np.zeros(n), "B": 1000 + sd_cost * rng.standard_normal(n)})
    wtps = [0, 50, 80, 120, 300]
    curve = acceptability(gains, costs, wtps)
    for wtp in wtps:
        expected = stats.norm.cdf((10 * wtp - 1000) / np.hypot(wtp * sd_gain, sd_cost))
        b = curve[(curve["wtp"] == wtp) & (curve["scenario"] == "B")].iloc[0]
        a = curve[(curve["wtp"] == wtp) & (curve["scenario"] == "A")].iloc[0]
        assert b["probability_best"] == pytest.approx(expected, abs=0.005), wtp
        assert a["probability_best"] + b["probability_best"] == pytest.approx(1.0)
        assert b["net_benefit"] == pytest.approx(net_benefit(10, 1000, wtp), abs=0.01 * 1000 + 1)
        assert b["best_on_average"] == (10 * wtp > 1000)


def test_ceac_over_a_posterior_counts_plausible_worlds_not_runs():
    # Two draws of two seeds: in draw 0 "net" is better at any price, in draw 1 worse.
    runs = pd.DataFrame(
        {
            "scenario": ["net"] * 4,
            "replication": [0, 1, 2, 3],
            "draw": [0, 0, 1, 1],
            "costs.total": [10.0, 10.0, 10.0, 10.0],
            "gains.institution_points": [3.0, 1.0, -3.0, -1.0],
        }
    )
    curve = acceptability_curve(runs, ["net", NO_TWINNING], [100.0])
    assert curve.set_index("scenario").loc["net", "probability_best"] == pytest.approx(0.5)


def test_budget_impact_splits_each_funders_cash_by_budget_year():
    activities = pd.DataFrame(
        {
            "replication": [0, 0, 1, 1],
            "month": [3, 14, 3, 27],
            "cash_rwf": [100.0, 40.0, 300.0, 60.0],
            "payer": ["donor", "moh", "donor", "district"],
        }
    )
    table = budget_impact(activities, 2, "2021-04", 30, exit_month=12)
    assert list(table["months"]) == [
        "Apr 2021 to Mar 2022",
        "Apr 2022 to Mar 2023",
        "Apr 2023 to Sep 2023",
    ]
    assert list(table["phase"]) == ["donor pays", "after the donor", "after the donor"]
    assert list(table["donor"]) == [200.0, 0.0, 0.0]
    assert list(table["moh"]) == [0.0, 20.0, 0.0]
    assert list(table["district"]) == [0.0, 0.0, 30.0]
    assert list(table["total"]) == [200.0, 20.0, 30.0]


def test_budget_impact_sums_equal_the_runs_costs_by_payer(tpn):
    (results,) = replicate([tpn], 3, seed=5, detail=True)
    table = budget_impact(results.activities, 3, tpn.start_date, tpn.horizon_months, 22)
    for funder in FUNDERS:
        assert table[funder].sum() == pytest.approx(results.runs[f"costs.{funder}"].mean()), funder
    assert table["total"].sum() == pytest.approx(results.runs["costs.total"].mean())
    assert (table[list(FUNDERS)] >= 0).all().all()
