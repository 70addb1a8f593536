"""A posterior of tpn-sim's free parameters by ABC-SMC, with the checks a researcher expects.

Each particle is one run of the base scenario with the particle's parameters and its own seed
(:func:`sim.runner.run_one`); its summary statistics are that run's target outcomes. The
stochastic acceptor (:mod:`experiments.abc`) scores them under a normal error of each target's
``sd``, so a run's own chance variation (turnover, shocks, survey noise: the spread of a real
evaluation) is carried exactly rather than averaged away.

Beside the weighted particles: a summary per parameter (prior and posterior intervals, and
whether the data narrowed the prior at all), and the runs of a posterior predictive check: one
run at each of a few hundred resampled posterior draws.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.abc import AbcResult, AbcSettings, run_abc, weighted_quantiles
from experiments.calibration import POSTERIOR_FILE, CalibrationSpec
from experiments.executors import Executor
from experiments.posterior import Posterior, draw
from experiments.priors import Prior
from experiments.replicate import replicate, require_success
from experiments.spec import parameter_type
from sim.params import Scenario
from sim.runner import run_one
from sim.scenario import with_overrides

# A parameter is "constrained by the data" when its posterior 90% interval is narrower than this
# share of its prior's. A posterior equal to its prior gives about 1 +- 0.1 with a population of
# 100 to 200 (sampling noise of a quantile), so 0.75 is well clear of noise.
CONSTRAINED_BELOW = 0.75


@dataclass(frozen=True)
class TargetRun:
    """pyabc's model: a particle's parameters and a seed in, one run's target outcomes out
    (keyed by target name: the summary statistics)."""

    base: Scenario
    targets: tuple[tuple[str, str], ...]  # (target name, outcome)

    def __call__(self, parameters: dict[str, float], seed: int) -> dict[str, float]:
        scenario = with_overrides(self.base, model_values(parameters), "calibration")
        outcomes = run_one(scenario, seed).outcomes
        return {name: float(outcomes[outcome]) for name, outcome in self.targets}


def model_values(parameters: dict[str, float]) -> dict[str, float | int]:
    """A particle's values as the model takes them: whole numbers for integer parameters."""
    return {
        name: round(value) if parameter_type(name) is int else float(value)
        for name, value in parameters.items()
    }


def run_posterior(
    spec: CalibrationSpec,
    base: Scenario,
    executor: Executor,
    folder: Path,
    progress: Callable[[int], None] | None = None,
) -> AbcResult:
    """ABC-SMC of ``spec``'s parameters against its targets; pyabc's history goes to ``folder``.
    The particles hold the values the runs were given (an integer parameter's rounded)."""
    targets = spec.target_list()
    budget = spec.abc
    result = run_abc(
        TargetRun(base, tuple((t.name, t.outcome) for t in targets)),
        dict(spec.parameters),
        {t.name: t.observed for t in targets},
        {t.name: t.sd for t in targets},
        AbcSettings(
            budget.population, budget.max_generations, budget.min_acceptance_rate, spec.seed
        ),
        executor,
        folder,
        progress,
    )
    values = pd.DataFrame(
        [model_values(row) for row in result.posterior.drop(columns="weight").to_dict("records")]
    )
    result.posterior = values.assign(weight=result.posterior["weight"])
    return result


@dataclass
class PosteriorFit:
    abc: AbcResult
    summary: pd.DataFrame  # one row per parameter: prior, posterior, constrained or not
    predictive_runs: pd.DataFrame  # one row per draw: its parameters, seed and target outcomes

    @property
    def median(self) -> dict[str, float | int]:
        """The posterior median of each parameter (marginally): the calibrated fragment."""
        medians = self.summary.set_index("parameter")["posterior_median"]
        return model_values({name: float(value) for name, value in medians.items()})

    @property
    def final_temperature(self) -> float:
        return float(self.abc.generations["temperature"].iloc[-1])


def fit_posterior(
    spec: CalibrationSpec,
    base: Scenario,
    executor: Executor,
    folder: Path,
    progress: Callable[[int], None] | None = None,
) -> PosteriorFit:
    """The posterior, its summary and the runs of its posterior predictive check."""
    result = run_posterior(spec, base, executor, folder, progress)
    return PosteriorFit(
        result,
        posterior_summary(result.posterior, spec.parameters),
        predictive_runs(
            spec, base, Posterior(folder / POSTERIOR_FILE, result.posterior), executor, progress
        ),
    )


def posterior_summary(posterior: pd.DataFrame, priors: dict[str, Prior]) -> pd.DataFrame:
    """Per parameter: the prior's mean and 90% interval; the posterior's median, mean, 50% and
    90% central credible intervals; the ratio of the 90% widths, and whether the data
    constrain the parameter (ratio below :data:`CONSTRAINED_BELOW`)."""
    weights = posterior["weight"].to_numpy(dtype=float)
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    rows = []
    for name, prior in priors.items():
        frozen = prior.frozen()
        prior_low, prior_high = (float(v) for v in frozen.ppf([0.05, 0.95]))
        values = posterior[name].to_numpy(dtype=float)
        low_90, low_50, median, high_50, high_90 = weighted_quantiles(values, weights, levels)
        ratio = (high_90 - low_90) / (prior_high - prior_low)
        rows.append(
            {
                "parameter": name,
                "prior": prior.describe(),
                "prior_mean": float(frozen.mean()),
                "prior_low_90": prior_low,
                "prior_high_90": prior_high,
                "posterior_median": float(median),
                "posterior_mean": float(np.sum(weights * values) / weights.sum()),
                "posterior_low_50": float(low_50),
                "posterior_high_50": float(high_50),
                "posterior_low_90": float(low_90),
                "posterior_high_90": float(high_90),
                "width_ratio_90": float(ratio),
                "constrained": bool(ratio < CONSTRAINED_BELOW),
            }
        )
    return pd.DataFrame(rows)


def predictive_runs(
    spec: CalibrationSpec,
    base: Scenario,
    posterior: Posterior,
    executor: Executor,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One run at each of ``predictive_draws`` parameter sets resampled from the posterior,
    each with its own seed, through the one replication path as `tpn validate --posterior`
    runs them (:func:`experiments.posterior.draw`): parameters, ``draw``, seed, target outcomes.
    The check itself (observed against run plus the target's error) is
    :func:`analysis.predictive_check.predictive_table`."""
    count, seed = spec.abc.predictive_draws, spec.seed + 1
    draws = draw(posterior, count, 1, seed)
    (results,) = replicate(
        [base],
        count,
        seed,
        ensemble=draws,
        outcomes=sorted({t.outcome for t in spec.target_list()}),
        executor=executor,
        progress=progress,
    )
    require_success([results])
    parameters = pd.DataFrame(list(draws.sets))
    return pd.concat([parameters, results.runs.drop(columns="scenario")], axis=1)
