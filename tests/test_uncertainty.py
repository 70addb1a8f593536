"""Parameter uncertainty in every result: posterior draws per replication, the variance split,
the probability of beating the first scenario and the posterior predictive check."""

import json

import numpy as np
import pandas as pd
import pytest

import sim.batch
import sim.runner
from analysis.cli.main import main
from analysis.predictive_check import predictive_p_value
from analysis.uncertainty import decisions, variance_split
from experiments.executors import make_executor
from experiments.posterior import (
    ParameterDraws,
    draw,
    drawn_parameters,
    load_posterior,
    posterior_path,
    with_draw,
)
from experiments.replicate import DRAW, replicate, replication_seeds
from experiments.summary import draw_interval, mean_interval
from sim.errors import InputError
from sim.scenario import load_scenario
from tests.conftest import TEST_POSTERIOR, run_tpn

DRAWN = ["turnover_multiplier", "efficacy_coaching", "secular_trend_multiplier"]


@pytest.fixture(scope="module")
def draws(posterior_file) -> ParameterDraws:
    return draw(load_posterior(posterior_file), 3, 2, root_seed=5)


@pytest.fixture(scope="module")
def pair():
    return [load_scenario("tpn_2021"), load_scenario("dyad")]


# Drawing parameter sets -------------------------------------------------------------------------
def test_a_posterior_is_read_with_its_weights_normalised(posterior_file):
    posterior = load_posterior(posterior_file)
    assert posterior.parameters == DRAWN
    assert posterior.particles["weight"].sum() == pytest.approx(1.0)


def test_draws_come_from_the_posterior_in_proportion_to_the_weights(posterior_file):
    sets = draw(load_posterior(posterior_file), 1000, 1, root_seed=3).sets
    counts = pd.Series([s["turnover_multiplier"] for s in sets]).value_counts(normalize=True)
    weights = dict(
        zip(TEST_POSTERIOR["turnover_multiplier"], TEST_POSTERIOR["weight"], strict=True)
    )
    for value, weight in weights.items():
        assert counts[value] == pytest.approx(weight, abs=0.01)  # systematic resampling


def test_the_same_root_seed_draws_the_same_sets(posterior_file):
    posterior = load_posterior(posterior_file)
    assert draw(posterior, 20, 2, 8).sets == draw(posterior, 20, 2, 8).sets
    assert draw(posterior, 20, 2, 8).sets != draw(posterior, 20, 2, 9).sets


def test_replication_r_of_two_scenarios_gets_the_same_parameter_set_and_seed(pair, draws):
    results = replicate(pair, 6, 4, ensemble=draws)
    for result in results:
        assert result.runs["seed"].tolist() == replication_seeds(4, 6)
        assert result.runs[DRAW].tolist() == [0, 0, 1, 1, 2, 2]  # m = 2 seeds per set
    for result, scenario in zip(results, pair, strict=True):
        for replication in (0, 3):
            values = draws.sets[replication // 2]
            alone = sim.runner.run_one(
                with_draw(scenario, values, "test"), int(result.runs["seed"][replication])
            )
            assert result.runs.iloc[replication]["costs.total"] == alone.outcomes["costs.total"]


def test_a_run_and_its_counterfactual_share_the_parameter_set_and_the_seed(
    pair, draws, monkeypatch
):
    runs, counterfactuals = [], []

    class Recorded(sim.runner.Counterfactual):
        """Each counterfactual built, with the run it is built beside (or a batch's, with the
        runs side by side: sim.batch)."""

        def __init__(self, model):
            super().__init__(model)
            streams = getattr(self.context, "streams", [self.context])
            for run, stream in zip(getattr(model, "models", [model]), streams, strict=True):
                runs.append((run.params.design.design, run.params.context.turnover_multiplier))
                counterfactuals.append((stream.params.turnover_multiplier, stream.seed))
                assert stream.seed == run.seed

    monkeypatch.setattr(sim.runner, "Counterfactual", Recorded)
    monkeypatch.setattr(sim.batch, "Counterfactual", Recorded)
    replicate(pair[:1], 4, 2, ensemble=draws)
    assert [d for d, _ in runs] == ["network"] * 4
    assert [t for _, t in runs] == [t for t, _ in counterfactuals]
    assert [t for _, t in runs] == [draws.sets[r // 2]["turnover_multiplier"] for r in range(4)]


def test_draws_give_the_same_runs_serially_and_on_processes(pair, draws):
    serial = replicate(pair, 4, 3, ensemble=draws, detail=True)
    with make_executor("processes:2") as executor:
        elsewhere = replicate(pair, 4, 3, ensemble=draws, detail=True, executor=executor)
    for here, there in zip(serial, elsewhere, strict=True):
        for table in ("runs", "series", "ties", "activities"):
            pd.testing.assert_frame_equal(getattr(here, table), getattr(there, table))


def test_a_scenarios_own_value_wins_over_the_draw():
    high = load_scenario("high_turnover")  # sets turnover_multiplier = 2.0 in its own file
    assert drawn_parameters(high, DRAWN) == ["efficacy_coaching", "secular_trend_multiplier"]
    assert drawn_parameters(load_scenario("tpn_2021"), DRAWN) == DRAWN  # calibrated or default
    changed = with_draw(high, {"turnover_multiplier": 0.5, "efficacy_coaching": 0.3}, "test")
    assert changed.context.turnover_multiplier == 2.0
    assert changed.context.efficacy_coaching == 0.3


def test_a_scenario_names_its_posterior_relative_to_its_file(tmp_path, posterior_file):
    (tmp_path / "mine.toml").write_text(
        f'extends = "tpn_2021"\nposterior = "{posterior_file.name}"\n'
    )
    (tmp_path / posterior_file.name).write_bytes(posterior_file.read_bytes())
    mine, tpn = load_scenario(tmp_path / "mine.toml"), load_scenario("tpn_2021")
    assert posterior_path([mine, tpn], None) == tmp_path / posterior_file.name
    assert posterior_path([tpn], None) is None
    other = tmp_path / "other.toml"
    other.write_text('extends = "tpn_2021"\nposterior = "elsewhere.parquet"\n')
    with pytest.raises(InputError, match="one posterior for all"):
        posterior_path([mine, load_scenario(other)], None)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"turnover_multiplier": [1.0]}, "columns = 'no weight'"),
        ({"no_such_parameter": [1.0], "weight": [1.0]}, "parameter = 'no_such_parameter'"),
        ({"turnover_multiplier": [1.0, 2.0], "weight": [0.5, -0.5]}, "weight = -0.5"),
        ({"turnover_multiplier": ["high"], "weight": [1.0]}, "turnover_multiplier = 'high'"),
    ],
)
def test_a_bad_posterior_is_a_one_line_error_naming_the_file(tmp_path, frame, expected):
    path = tmp_path / "bad.parquet"
    pd.DataFrame(frame).to_parquet(path)
    result = run_tpn("run", "tpn_2021", "--posterior", str(path), "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"{path}: {expected}" in result.stderr
    assert not (tmp_path / "r").exists()


def test_a_missing_or_garbled_posterior_file_is_a_one_line_error(tmp_path, capsys):
    garbled = tmp_path / "garbled.parquet"
    garbled.write_text("not parquet")
    for path in (tmp_path / "missing.parquet", garbled):
        assert main(["run", "tpn_2021", "--posterior", str(path), "--quiet"]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith(f"tpn: error: {path}: "), error


def test_reps_and_a_posterior_together_are_refused(posterior_file, capsys):
    assert main(["run", "tpn_2021", "--posterior", str(posterior_file), "--reps", "4"]) == 2
    assert "--draws x --seeds-per-draw" in capsys.readouterr().err


# The variance split, the interval and the decision --------------------------------------------
def test_the_variance_split_is_the_one_way_anova_estimate_on_a_hand_computed_case():
    split = variance_split(np.array([1.0, 3.0, 5.0, 7.0]), np.array([0, 0, 1, 1]))
    assert split.chance == pytest.approx(2.0)  # each draw's variance: 2
    assert split.parameters == pytest.approx(8.0 - 2.0 / 2)  # var of means 2, 6 minus chance/m
    assert split.share_parameters == pytest.approx(7 / 9)


@pytest.mark.parametrize(("parameters", "chance"), [(4.0, 1.0), (0.5, 2.0), (0.0, 1.0)])
def test_the_variance_split_recovers_known_components(parameters, chance):
    rng = np.random.default_rng(11)
    draws, seeds = 2000, 4
    effects = rng.normal(0, np.sqrt(parameters), draws)
    labels = np.repeat(np.arange(draws), seeds)
    values = effects[labels] + rng.normal(0, np.sqrt(chance), draws * seeds)
    split = variance_split(values, labels)
    assert split.chance == pytest.approx(chance, rel=0.05)
    assert split.parameters == pytest.approx(parameters, abs=0.1 * parameters + 0.03)
    assert split.parameters >= 0  # clipped: never a negative variance


def test_the_interval_over_draws_is_the_parameters_spread_not_the_seeds_noise():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(400), 2)
    noise = rng.normal(0, 1, 800)
    # No parameter effect: far narrower than the spread of the draws' raw means (mostly the
    # chance of two seeds), and never narrower than the CI of the mean.
    _, low, high = draw_interval(noise, labels)
    raw = np.quantile(noise.reshape(400, 2).mean(axis=1), [0.025, 0.975])
    _, chance_low, chance_high = mean_interval(noise)
    assert chance_high - chance_low <= high - low < 0.5 * (raw[1] - raw[0])
    # A parameter effect of sd 2: about +-1.96 x 2, whatever the chance of the two seeds adds.
    effects = rng.normal(0, 2, 400)
    _, low, high = draw_interval(effects[labels] + noise, labels)
    assert high - low == pytest.approx(2 * 1.96 * 2, rel=0.12)


def test_probability_of_beating_and_expected_loss_on_a_hand_computed_case():
    # Three draws of a gain (more is better): A is the first scenario.
    means = pd.DataFrame({"A": [1.0, 2.0, 3.0], "B": [2.0, 1.0, 4.0], "C": [0.0, 0.0, 5.0]})
    table = decisions(means, "gains.institution_points").set_index("scenario")
    assert np.isnan(table.loc["A", "probability_beats_first"])
    assert table.loc["B", "probability_beats_first"] == pytest.approx(2 / 3)
    assert table.loc["C", "probability_beats_first"] == pytest.approx(1 / 3)
    # best of each draw: 2, 2, 5
    assert table["expected_loss"].tolist() == pytest.approx([1.0, 2 / 3, 4 / 3])
    # A cost: less is better, so the same numbers read the other way round.
    costs = decisions(means, "costs.total").set_index("scenario")
    assert costs.loc["B", "probability_beats_first"] == pytest.approx(1 / 3)
    assert costs["expected_loss"].tolist() == pytest.approx([1.0, 4 / 3, 2 / 3])
    # An outcome with no better direction (a count of choosers) decides nothing.
    assert decisions(means, "accreditation.choosers")["expected_loss"].isna().all()


def test_the_posterior_predictive_p_value_counts_ties_half():
    assert predictive_p_value(np.array([1.0, 2.0, 3.0, 4.0]), 2.0) == pytest.approx(0.625)
    assert predictive_p_value(np.array([19.0, 19.0]), 19.0) == pytest.approx(0.5)
    assert np.isnan(predictive_p_value(np.array([1.0]), float("nan")))


# The commands -------------------------------------------------------------------------------------
def test_compare_with_a_posterior_prints_the_probabilities_of_beating_the_first(
    posterior_file, tmp_path, capsys
):
    args = ["compare", "tpn_2021", "dyad", "--posterior", str(posterior_file), "--draws", "3"]
    out = tmp_path / "c"
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "mean [95% over plausible parameters] over 6 replications" in printed
    assert "chance dyad (dyad design) beats tpn 2021 (network design)" in printed
    assert "expected loss: dyad (dyad design)" in printed
    assert "Share of one run's variance from the parameters" in printed
    assert (
        "tpn 2021 (network design) beats dyad (dyad design) on causal gain summed over members"
        in printed
    )
    assert "of 3 plausible worlds" in printed
    summary = printed[: printed.index("\n\n")]
    beats = 1 - gain_probability(out / "comparison.csv")
    assert (
        f"tpn 2021 (network design) beats dyad (dyad design) on causal gain summed over members "
        f"and topics in {100 * beats:.0f}% of plausible worlds." in summary
    )
    assert "chance only" not in summary and "plausible (posterior draws)" in summary
    assert "of plausible worlds (posterior draws)" in printed  # the CEAC counts draws
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["details"]["posterior"]["draws"] == 3
    assert manifest["replications"] == 6
    runs = pd.read_csv(out / "runs.csv")
    assert runs.groupby("replication")[DRAW].nunique().eq(1).all()  # shared by both scenarios
    assert main([*args, "--out", str(tmp_path / "j"), "--quiet", "--json"]) == 0
    records = pd.DataFrame(json.loads(capsys.readouterr().out)).set_index(["outcome", "scenario"])
    gain = records.loc[("gains.institution_points", "dyad")]
    assert 0 <= gain["probability_beats_first"] <= 1 and gain["expected_loss"] >= 0
    assert gain["interval"] == "95% over plausible parameters"


def test_run_with_a_posterior_says_what_its_intervals_carry(posterior_file, tmp_path, capsys):
    out = tmp_path / "r"
    args = ["run", "high_turnover", "--posterior", str(posterior_file), "--draws", "2"]
    assert main([*args, "--seeds-per-draw", "3", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "over 6 replications (2 parameter sets drawn from posterior.parquet x 3 seeds" in printed
    assert "95% of runs (parameters and chance)" in printed
    assert "variance from parameters" in printed
    assert "high turnover keeps its own turnover multiplier (ratio) = 2.0 (not drawn)" in printed
    summary = pd.read_csv(out / "summary.csv").set_index("outcome")
    assert {"var_parameters", "var_chance", "share_parameters"} <= set(summary.columns)


def test_validate_with_a_posterior_prints_the_predictive_check(posterior_file, tmp_path):
    out = tmp_path / "v"
    result = run_tpn(
        "validate", "--posterior", str(posterior_file), "--draws", "4", "--out", str(out), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert "Posterior predictive check of tpn_2021: 8 replications" in result.stdout
    for column in ("observed", "predictive mean", "90% interval", "95% interval", "p-value"):
        assert column in result.stdout
    assert "z-test significant at 5%" in result.stdout and "in " in result.stdout
    check = pd.read_csv(out / "predictive_check.csv")
    assert set(check["kind"]) == {"fitted target", "prediction"}
    assert check["p_value"].between(0, 1).all() or check["p_value"].isna().any()
    patterns = pd.read_csv(out / "patterns.csv").set_index("name")
    assert patterns.loc["accreditation.other_members", "observed"] == 6
    assert 0 <= patterns.loc["accreditation.significant", "share_of_runs"] <= 1


def test_without_a_posterior_the_options_for_draws_are_refused(capsys):
    assert main(["run", "tpn_2021", "--draws", "10", "--quiet"]) == 2
    assert "--draws: draws = 10: only with --posterior" in capsys.readouterr().err


FRONTIER = """
name = "small_frontier"
base = "tpn_2021"
design = "full_factorial"
replications = 2
seed = 3
outcomes = ["costs.total", "gains.institution_points"]

[factors.design]
levels = ["network", "dyad"]
"""


def test_frontier_decompose_and_optimize_draw_from_the_posterior_and_say_so(
    posterior_file, tmp_path, capsys
):
    posterior = ["--posterior", str(posterior_file), "--draws", "2", "--quiet"]
    experiment = tmp_path / "frontier.toml"
    experiment.write_text(FRONTIER)
    out = tmp_path / "f"
    assert main(["frontier", str(experiment), "--out", str(out), *posterior]) == 0
    printed = capsys.readouterr().out
    assert "2 points x 4 replications (2 parameter sets drawn from posterior.parquet" in printed
    assert "mean [95% over plausible parameters]" in printed
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.groupby("replication")[DRAW].nunique().eq(1).all()  # every point, same sets
    decompose = ["decompose", "tpn_2021", "--topic", "accreditation", "--out", str(tmp_path / "d")]
    assert main([*decompose, *posterior]) == 0
    printed = capsys.readouterr().out
    assert "mean [95% over plausible parameters]" in printed and "variance from" in printed
    optimize = ["optimize", "--budget", "80e6", "--trials", "2", "--out", str(tmp_path / "o")]
    assert main([*optimize, *posterior]) == 0
    assert "gain [95% over plausible parameters]" in capsys.readouterr().out


def gain_probability(comparison) -> float:
    """P(dyad beats tpn_2021) on the causal gain, as comparison.csv has it."""
    table = pd.read_csv(comparison).set_index(["outcome", "scenario"])
    return float(table.loc[("gains.institution_points", "dyad"), "probability_beats_first"])
