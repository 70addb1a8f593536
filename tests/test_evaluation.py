"""The evaluation's statistics, checked against hand computation."""

import numpy as np
import pandas as pd
import pytest

from analysis.figures import trajectories
from analysis.stats import paired_difference, summarise
from experiments.replicate import replicate
from experiments.summary import mean_interval
from sim.evaluation import comparison_group, right_tailed_z_test, variance
from sim.scenario import load_scenario
from sim.world import cached_world


def test_right_tailed_z_test_matches_a_hand_computed_case():
    treated = np.array([8.0, 10.0, 6.0, 12.0])  # mean 9, sample variance 20/3
    comparison = np.array([2.0, 3.0, 1.0])  # mean 2, sample variance 1
    z = 7.0 / np.sqrt((20 / 3) / 4 + 1 / 3)  # = 4.9497...
    result = right_tailed_z_test(treated, comparison)
    assert result.z == pytest.approx(z)
    assert result.p_value == pytest.approx(3.7e-07, rel=0.05)


@pytest.mark.parametrize("size", [2, 3, 7, 8, 9, 31, 130, 1000])
def test_variance_is_numpys_to_the_last_bit(size):
    rng = np.random.default_rng(size)
    for values in (rng.normal(3.0, 10.0, size), rng.random(size).astype(np.float32)):
        for ddof in (0, 1):
            assert variance(values, ddof) == float(np.var(values, ddof=ddof))
    assert variance(np.array([1.0, 3.0]), 1) == 2.0  # mean 2, squared deviations 1 + 1
    assert np.isnan(variance(np.array([1.0]), 1)) and np.isnan(variance(np.array([]), 0))


def test_z_test_is_undefined_for_groups_of_one():
    assert np.isnan(right_tailed_z_test(np.array([1.0]), np.array([1.0, 2.0])).z)


def test_comparison_group_prefers_non_members():
    member = np.array([True, True, False, False])
    applies = np.ones(4, dtype=bool)
    chose = np.array([True, False, False, False])
    group, label = comparison_group(member, applies, chose)
    assert label == "non_members" and group.tolist() == [False, False, True, True]
    group, label = comparison_group(np.ones(4, dtype=bool), applies, chose)
    assert label == "non_choosers" and group.tolist() == [False, True, True, True]


def test_mean_interval_is_the_t_interval():
    mean, low, high = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, low, high) == pytest.approx((2.5, 2.5 - half, 2.5 + half))


def test_one_run_has_a_mean_but_no_interval():
    mean, low, high = mean_interval(np.array([3.0, np.nan]))
    assert mean == 3.0 and np.isnan(low) and np.isnan(high)


def test_paired_difference_uses_common_replications():
    runs = pd.DataFrame(
        {"scenario": ["a", "a", "b", "b"], "replication": [0, 1, 0, 1], "x": [1.0, 5.0, 2.0, 6.0]}
    )
    assert paired_difference(runs, "b", "a", "x") == (1.0, 1.0, 1.0)


def test_summary_reports_run_percentiles_beside_the_interval_of_the_mean():
    runs = pd.DataFrame({"x": np.arange(101.0)})
    row = summarise(runs, ["x"]).iloc[0]
    assert row["mean"] == 50 and row["p2_5"] == 2.5 and row["p97_5"] == 97.5 and row["n"] == 101
    assert row["ci_low"] > row["p2_5"]


@pytest.mark.parametrize(
    ("rule", "label", "group"),
    [("auto", "Non-members", "non_members"), ("non_choosers", "Did not choose", "non_choosers")],
)
def test_the_trajectory_figure_draws_the_comparison_group_the_tables_use(rule, label, group):

    scenario = load_scenario("tpn_2021", {"comparison": rule})
    (results,) = replicate([scenario], 2, 5, detail=True)
    world = cached_world(scenario.world)
    figure = trajectories(results.series, world, ["accreditation"], "test", (0, 18), rule)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    drawn = lines[f"{label} (measured)"].get_ydata()
    data = results.series[results.series["topic"] == "accreditation"]
    member, chose = data["member"].to_numpy(), data["chose_topic"].to_numpy()
    compare, used = comparison_group(member, np.ones(len(data), bool), chose, rule)
    expected = data[compare].groupby(["replication", "month"])["indicator_measured"].mean()
    assert used == group
    assert drawn == pytest.approx(expected.unstack().mean().to_numpy(), rel=1e-5)
