"""The evaluation's statistics, checked against hand computation."""

import numpy as np
import pandas as pd
import pytest

from analysis.figures import trajectories
from analysis.stats import paired_difference, summarise
from experiments.replicate import replicate
from experiments.summary import mean_interval
from sim.evaluation import (
    column_means,
    column_variances,
    comparison_group,
    comparison_groups,
    right_tailed_z_tests,
)
from sim.scenario import load_scenario
from sim.world import cached_world


def test_right_tailed_z_test_matches_a_hand_computed_case():
    """Column 0: treated 8, 10, 6, 12 (mean 9, sample variance 20/3) against 2, 3, 1 (mean 2,
    sample variance 1). Column 1: a treated group of one, so no test. The cells outside the
    groups hold NaN, which a group never reads."""
    values = np.array([[8.0, 5.0], [10.0, np.nan], [6.0, 1.0], [12.0, 2.0], [2.0, 3.0],
                       [3.0, np.nan], [1.0, np.nan]])  # fmt: skip
    treated = np.zeros((7, 2), dtype=bool)
    comparison = np.zeros((7, 2), dtype=bool)
    treated[:4, 0], comparison[4:, 0] = True, True
    treated[0, 1], comparison[2:5, 1] = True, True
    z, p_value = right_tailed_z_tests(values, treated, comparison)
    assert z[0] == pytest.approx(7.0 / np.sqrt((20 / 3) / 4 + 1 / 3))  # = 4.9497...
    assert p_value[0] == pytest.approx(3.7e-07, rel=0.05)
    assert np.isnan(z[1]) and np.isnan(p_value[1])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 130, 1000])
def test_column_statistics_are_numpys_over_each_group(size):
    """Means and variances over random groups, one per column, equal numpy's on the group's
    values to rounding; an empty group (or one of no more values than ddof) gives NaN."""
    rng = np.random.default_rng(size)
    values = rng.normal(3.0, 10.0, (size, 6))
    groups = rng.random((size, 6)) < np.array([0.0, 0.1, 0.5, 0.9, 1.0, 0.5])
    values[~groups & (rng.random((size, 6)) < 0.5)] = np.nan  # never read
    means = column_means(values, groups)
    for ddof in (0, 1):
        variances = column_variances(values, groups, ddof)
        for k in range(6):
            group = values[groups[:, k], k]
            if len(group) <= ddof:
                assert np.isnan(variances[k])
            else:
                assert variances[k] == pytest.approx(np.var(group, ddof=ddof), rel=1e-12)
    for k in range(6):
        group = values[groups[:, k], k]
        if len(group):
            assert means[k] == pytest.approx(np.mean(group), rel=1e-13)
        else:
            assert np.isnan(means[k])
    one = np.array([[1.0], [3.0]])
    assert column_variances(one, np.ones((2, 1), dtype=bool), 1)[0] == 2.0  # deviations 1 + 1


def test_comparison_groups_are_chosen_topic_by_topic():
    """Topic 0 has two non-members, so they are its comparison; topic 1 applies to one
    non-member only, so its comparison is the members that did not choose it."""
    member = np.array([True, True, True, False, False])
    applies = np.array([[1, 1], [1, 1], [1, 1], [1, 1], [1, 0]], dtype=bool)
    chose = np.array([[1, 0], [0, 1], [0, 0], [0, 0], [0, 0]], dtype=bool)
    groups, by_non_members = comparison_groups(member, applies, chose)
    assert by_non_members.tolist() == [True, False]
    assert groups[:, 0].tolist() == [False, False, False, True, True]
    assert groups[:, 1].tolist() == [True, False, True, False, False]
    forced, _ = comparison_groups(member, applies, chose, "non_choosers")
    assert forced[:, 0].tolist() == [False, True, True, False, False]


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
