"""A point estimate of the free parameters with Optuna (tree-structured Parzen estimator).

Why Optuna here: when a point estimate is what is wanted (the best parameter set, or the budget
optimiser's plan), a handful of bounded parameters and a noisy objective that costs a fraction of
a second is the setting its TPE sampler is built for (as in Starsim and Covasim). It gives no
posterior: for the parameters' uncertainty use ABC (:mod:`experiments.fit_abc`). The optimiser
only sees the sum of the targets' log likelihoods (:mod:`experiments.targets`) over the prior
ranges; every component is kept per trial.
"""

from dataclasses import dataclass

import pandas as pd

from experiments.calibration import CalibrationSpec
from experiments.executors import Executor
from experiments.priors import Prior
from experiments.replicate import replicate, require_success
from experiments.spec import parameter_field, parameter_type
from experiments.targets import Target
from sim.params import Scenario
from sim.scenario import with_overrides


def simulate_targets(
    base: Scenario,
    params: dict,
    outcomes: list[str],
    replications: int,
    seed: int,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Outcomes of ``replications`` runs with ``params``; replication seeds are shared by every
    parameter set (common random numbers make the objective smooth). The ``executor`` (default:
    this process) changes where the runs go, never their result."""
    results = replicate(
        [with_overrides(base, params)], replications, seed, outcomes=outcomes, executor=executor
    )
    require_success(results)
    return results[0].runs[outcomes]


def score(targets: list[Target], simulated: pd.DataFrame) -> dict[str, float]:
    """Each target's log likelihood, and their sum under ``total``."""
    parts = {t.name: t.log_likelihood(simulated[t.outcome].to_numpy()) for t in targets}
    return {**parts, "total": float(sum(parts.values()))}


@dataclass
class CalibrationResult:
    trials: pd.DataFrame  # one row per trial: parameters, log likelihoods
    best: dict[str, float]
    ensemble: pd.DataFrame
    best_runs: pd.DataFrame  # simulated target outcomes at the best parameters


def calibrate(
    spec: CalibrationSpec, base: Scenario, progress=None, executor: Executor | None = None
) -> CalibrationResult:
    """Run the Optuna study; every trial's replications go to the one ``executor`` (default:
    this process), which the caller opens once and closes after the study."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    budget = spec.optuna
    targets = spec.target_list()
    outcomes = sorted({t.outcome for t in targets})
    sampler = optuna.samplers.TPESampler(seed=spec.seed, n_startup_trials=min(20, budget.trials))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    # The documented defaults go first, so the fit can only improve on them, and a rerun
    # starts from the same place whatever calibration is installed.
    # A parameter whose default is blank (``None``: e.g. no donor exit) has no start value.
    start = {name: parameter_field(name).default for name in spec.parameters}
    if all(
        start[n] is not None and prior.range[0] <= start[n] <= prior.range[1]
        for n, prior in spec.parameters.items()
    ):
        study.enqueue_trial(start)
    records = []

    def objective(trial) -> float:
        params = {name: _suggest(trial, name, prior) for name, prior in spec.parameters.items()}
        simulated = simulate_targets(
            base, params, outcomes, budget.replications, spec.seed, executor
        )
        parts = score(targets, simulated)
        records.append(
            {
                "trial": trial.number,
                **params,
                **{f"loglik.{k}": v for k, v in parts.items()},
                **{f"mean.{o}": simulated[o].mean() for o in outcomes},
            }
        )
        if progress:
            progress(1)
        return parts["total"]

    study.optimize(objective, n_trials=budget.trials)
    trials = pd.DataFrame(records).sort_values("loglik.total", ascending=False, kind="stable")
    names = list(spec.parameters)
    best = {name: trials[name].iloc[0].item() for name in names}  # an int parameter stays int
    ensemble = trials.head(budget.ensemble)[["trial", *names, "loglik.total"]]
    best_runs = simulate_targets(
        base, best, outcomes, max(budget.replications, 100), spec.seed + 1, executor
    )
    return CalibrationResult(
        trials.reset_index(drop=True), best, ensemble.reset_index(drop=True), best_runs
    )


def _suggest(trial, name: str, prior: Prior) -> float | int:
    """The trial's value of a parameter, anywhere in its prior's range (TPE searches; it does
    not weigh by the prior): a whole number for an integer one (``int`` or ``int | None``), whose
    validation rejects fractions."""
    if parameter_type(name) is int:
        return trial.suggest_int(name, int(prior.range[0]), int(prior.range[1]))
    return trial.suggest_float(name, *prior.range)
