"""The ABC machinery on a model whose posterior is known in closed form.

Model: one observation y ~ Normal(mu, sigma^2); the stochastic acceptor adds a normal error of sd
s, so the likelihood of the observed y0 is Normal(y0; mu, sigma^2 + s^2). With a Normal(0, tau^2)
prior the posterior is normal with variance 1 / (1/tau^2 + 1/(sigma^2 + s^2)) and mean
variance * y0 / (sigma^2 + s^2).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from experiments.abc import (
    AbcSettings,
    effective_sample_size,
    resample,
    run_abc,
    weighted_quantiles,
)
from experiments.executors import ProcessExecutor, SerialExecutor
from experiments.priors import Prior

SIGMA, NOISE, TAU, OBSERVED = 1.0, 0.5, 2.0, 1.3


def normal_observation(params: dict[str, float], seed: int) -> dict[str, float]:
    return {"y": params["mu"] + SIGMA * np.random.default_rng(seed).standard_normal()}


def exact_posterior() -> tuple[float, float]:
    variance = 1 / (1 / TAU**2 + 1 / (SIGMA**2 + NOISE**2))
    return variance * OBSERVED / (SIGMA**2 + NOISE**2), float(np.sqrt(variance))


def run(tmp_path, executor, population=400, seed=3):
    prior = Prior(distribution="normal", mean=0.0, sd=TAU, range=(-12.0, 12.0))
    return run_abc(
        normal_observation,
        {"mu": prior},
        {"y": OBSERVED},
        {"y": NOISE},
        AbcSettings(population, max_generations=10, min_acceptance_rate=0.0, seed=seed),
        executor,
        tmp_path,
    )


def test_abc_recovers_the_closed_form_posterior_of_a_normal_mean(tmp_path):
    result = run(tmp_path, SerialExecutor())
    weights = result.posterior["weight"].to_numpy()
    mu = result.posterior["mu"].to_numpy()
    mean = np.sum(weights * mu) / weights.sum()
    sd = np.sqrt(np.sum(weights * (mu - mean) ** 2) / weights.sum())
    exact_mean, exact_sd = exact_posterior()
    ess = effective_sample_size(weights)
    assert result.generations["temperature"].iloc[-1] == pytest.approx(1.0)
    assert abs(mean - exact_mean) < 4 * exact_sd / np.sqrt(ess)
    assert sd == pytest.approx(exact_sd, rel=0.15)
    assert (result.database).is_file()


def test_same_seed_gives_the_same_posterior_serially_and_in_processes(tmp_path):
    serial = run(tmp_path / "serial", SerialExecutor(), population=60)
    pool = ProcessExecutor(2)
    try:
        parallel = run(tmp_path / "processes", pool, population=60)
    finally:
        pool.close()
    assert serial.posterior.equals(parallel.posterior)
    other = run(tmp_path / "other", SerialExecutor(), population=60, seed=4)
    assert not serial.posterior.equals(other.posterior)


def test_weighted_quantiles_and_effective_sample_size_on_known_cases():
    values = np.arange(1, 101, dtype=float)
    assert weighted_quantiles(values, np.ones(100), np.array([0.5]))[0] == pytest.approx(50.5)
    assert effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_resampling_keeps_particles_in_proportion_to_their_weights():
    import pandas as pd

    posterior = pd.DataFrame({"mu": [0.0, 1.0, 2.0], "weight": [0.5, 0.25, 0.25]})
    draws = resample(posterior, 200, seed=1)
    shares = draws["mu"].value_counts(normalize=True)
    assert shares[0.0] == pytest.approx(0.5, abs=0.01)
    assert shares[1.0] == pytest.approx(0.25, abs=0.01)


def test_truncated_priors_stay_inside_their_range():
    for prior in (
        Prior(distribution="normal", mean=0.9, sd=0.5, range=(0.0, 1.0)),
        Prior(distribution="lognormal", median=0.3, sigma=1.0, range=(0.05, 0.7)),
        Prior(distribution="beta", mean=0.3, concentration=6, range=(0.1, 0.6)),
        Prior(range=(2.0, 3.0)),
    ):
        draws = prior.frozen().rvs(size=2000, random_state=1)
        assert draws.min() >= prior.range[0] and draws.max() <= prior.range[1]
        # the sampler's normal scores map back inside the range, even far in the tails
        ends = prior.frozen().ppf(norm.cdf(np.array([-40.0, 0.0, 40.0])))
        assert prior.range[0] <= ends.min() and ends.max() <= prior.range[1]


def test_a_prior_missing_its_parameters_is_refused():
    with pytest.raises(ValueError, match="needs mean and sd"):
        Prior(distribution="normal", range=(0.0, 1.0))
    with pytest.raises(ValueError, match="finite"):
        Prior(range=(0.0, float("inf")))


def test_a_truths_posterior_quantile_counts_the_weight_below_it():
    import pandas as pd

    from experiments.sbc import coverage_table, rank_table

    posterior = pd.DataFrame({"mu": [1.0, 2.0, 3.0, 4.0], "weight": [0.1, 0.2, 0.3, 0.4]})
    truths = pd.DataFrame({"mu": [0.5, 2.0, 9.0]})
    ranks = rank_table(truths, [posterior] * 3)
    assert ranks["quantile"].tolist() == pytest.approx([0.0, 0.2, 1.0])  # 0.1 + half of 0.2
    assert ranks["inside_90"].tolist() == [False, True, False]
    assert ranks["inside_50"].tolist() == [False, False, False]
    coverage = coverage_table(ranks).set_index("parameter")
    assert coverage.loc["all", "coverage_90"] == pytest.approx(1 / 3)
    assert coverage.loc["mu", "coverage_90_low"] < 1 / 3 < coverage.loc["mu", "coverage_90_high"]


def test_simulation_based_calibration_on_tpn_sim_writes_ranks_coverage_and_figures(tmp_path):
    import pandas as pd

    from analysis.calibration_figures import draw_sbc_figures
    from experiments.sbc import main

    arguments = ["--truths", "2", "--population", "10", "--generations", "2"]
    assert main(["--out", str(tmp_path), *arguments, "--scheduler", "serial"]) == 0
    command = json.loads((tmp_path / "manifest.json").read_text())["command"]
    assert command.startswith("python -m experiments.sbc --out")  # how to run it again
    truths = pd.read_csv(tmp_path / "truths.csv")
    ranks = pd.read_csv(tmp_path / "ranks.csv")
    coverage = pd.read_csv(tmp_path / "coverage.csv").set_index("parameter")
    assert len(truths) == 2 and (truths["final_temperature"] == 1.0).all()
    assert len(ranks) == 2 * (len(coverage) - 1) and ranks["quantile"].between(0, 1).all()
    assert (ranks["inside_90"] | ~ranks["inside_50"]).all()  # the 50% interval lies in the 90%
    assert coverage.loc["all", "coverage_50"] == pytest.approx(ranks["inside_50"].mean())
    assert len(list((tmp_path / "posteriors").glob("*.parquet"))) == 2
    assert [path.name for path in draw_sbc_figures(tmp_path)] == ["ranks.png", "coverage.png"]
    # Run again: every truth is done, so it only rebuilds the same tables; other settings are
    # refused rather than mixed with these truths.
    (tmp_path / "ranks.csv").unlink()
    assert main(["--out", str(tmp_path), *arguments, "--scheduler", "serial"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ranks.csv"), ranks)
    assert main(["--out", str(tmp_path), "--truths", "3", "--scheduler", "serial"]) == 2


def test_calibration_figures_name_parameters_in_words_with_their_units():
    from analysis.style import parameter_words
    from experiments.calibration import load_calibration
    from sim.params import SECTION_OF, SECTIONS

    spec, _ = load_calibration(
        Path(__file__).resolve().parents[1] / "experiments/calibration/tpn_2021.toml"
    )
    for name in spec.parameters:
        unit = SECTIONS[SECTION_OF[name]].model_fields[name].json_schema_extra["unit"]
        assert parameter_words(name) == f"{name.replace('_', ' ')} ({unit})"
