"""Fitting free parameters to the evaluation's targets with Optuna (tree-structured Parzen).

Why Optuna: a handful of bounded parameters, a noisy objective that costs a fraction of a second,
and a need for the best few hundred trials as an ensemble — the setting its TPE sampler is built
for (as in Starsim and Covasim). Approximate Bayesian computation (pyabc) would give a posterior
but needs far more runs for the same budget. The optimiser only sees the sum of the targets' log
likelihoods (:mod:`experiments.targets`); every component is kept per trial.
"""

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.executors import Executor
from experiments.replicate import replicate, require_success
from experiments.spec import RUN_OUTCOME, parameter_field, parameter_type
from experiments.targets import Target
from sim.errors import InputError
from sim.outcome_registry import outcome_names
from sim.params import Scenario
from sim.scenario import SCENARIO_DIR, load_scenario, split_key, with_overrides
from sim.tomlio import read_model
from sim.world import cached_world

# Installed calibrations: <base>.toml (a scenario fragment the shipped scenarios extend) and
# <base>-ensemble.csv (the best parameter sets, for `tpn validate`).
CALIBRATION_DIR = SCENARIO_DIR / "calibration"


class Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    range: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> "Prior":
        if not self.range[0] < self.range[1]:
            raise ValueError(f"empty range {list(self.range)}: low must be below high")
        return self


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    outcome: str
    observed: float
    sd: float = Field(gt=0)
    description: str = ""
    source: str = ""


class Predictions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    outcomes: tuple[str, ...] = ()


class CalibrationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    description: str = ""
    base: str
    trials: int = Field(200, ge=1)
    replications: int = Field(10, ge=2)
    seed: int = Field(1, ge=0)
    ensemble: int = Field(20, ge=1)
    parameters: dict[str, Prior] = Field(min_length=1)
    targets: dict[str, TargetSpec] = Field(min_length=1)
    predictions: Predictions = Predictions()

    def target_list(self) -> list[Target]:
        return [
            Target(name, t.outcome, t.observed, t.sd, t.description, t.source)
            for name, t in self.targets.items()
        ]


def load_calibration(path: Path) -> tuple[CalibrationSpec, Scenario]:
    path = Path(path)
    spec = read_model(path, CalibrationSpec, "calibration")
    base = load_scenario(spec.base)
    for name, prior in spec.parameters.items():
        split_key(name, f"{path}: parameters")
        for value in prior.range:
            _check_value(base, name, value, path)
    allowed = set(outcome_names(cached_world(base.world).topics.names))
    named = [(f"targets.{k}.outcome", t.outcome) for k, t in spec.targets.items()]
    named += [("predictions.outcomes", o) for o in spec.predictions.outcomes]
    for field, outcome in named:
        if outcome not in allowed:
            raise InputError(path, field, outcome, RUN_OUTCOME)
    return spec, base


def _check_value(base: Scenario, name: str, value: float, path: Path) -> None:
    try:
        with_overrides(base, {name: value})
    except InputError as error:
        raise InputError(path, f"parameters.{name}", value, error.allowed) from None


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
    targets = spec.target_list()
    outcomes = sorted({t.outcome for t in targets})
    sampler = optuna.samplers.TPESampler(seed=spec.seed, n_startup_trials=min(20, spec.trials))
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
        simulated = simulate_targets(base, params, outcomes, spec.replications, spec.seed, executor)
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

    study.optimize(objective, n_trials=spec.trials)
    trials = pd.DataFrame(records).sort_values("loglik.total", ascending=False, kind="stable")
    names = list(spec.parameters)
    best = {name: trials[name].iloc[0].item() for name in names}  # an int parameter stays int
    ensemble = trials.head(spec.ensemble)[["trial", *names, "loglik.total"]].reset_index(drop=True)
    best_runs = simulate_targets(
        base, best, outcomes, max(spec.replications, 100), spec.seed + 1, executor
    )
    return CalibrationResult(trials.reset_index(drop=True), best, ensemble, best_runs)


def _suggest(trial, name: str, prior: Prior) -> float | int:
    """The trial's value of a parameter: a whole number for an integer one (``int`` or
    ``int | None``), whose validation rejects fractions. load_calibration has already checked
    that such a prior's bounds are whole numbers."""
    if parameter_type(name) is int:
        return trial.suggest_int(name, int(prior.range[0]), int(prior.range[1]))
    return trial.suggest_float(name, *prior.range)


def calibrated_toml(spec: CalibrationSpec, result: CalibrationResult, command: str) -> str:
    """A scenario fragment with the fitted values, and when and how they were produced."""
    from sim.params import SECTION_OF

    by_section: dict[str, list[str]] = {}
    for name, value in result.best.items():
        section, field = split_key(name, "calibration")
        by_section.setdefault(section or SECTION_OF.get(field, ""), []).append(
            f"{field} = {value:.6g}"
        )
    lines = [
        f"# Calibrated by `{command}`",
        f"# on {datetime.now(UTC).date().isoformat()}: {spec.trials} Optuna trials x "
        f"{spec.replications} replications against {len(spec.targets)} targets.",
        "# Generated file: rerun the command (with --install) instead of editing it.",
        f'description = "Parameters of {spec.base} fitted to the TPN evaluation ({spec.name})"',
    ]
    for section, assignments in by_section.items():
        lines += ["", f"[{section}]", *assignments]
    return "\n".join(lines) + "\n"


def install_calibration(folder: Path, base: str) -> Path:
    """Make a `tpn calibrate` result in ``folder`` the default of the shipped scenarios that
    extend the calibration of ``base``; returns the folder it was installed in."""
    CALIBRATION_DIR.mkdir(exist_ok=True)
    shutil.copy(Path(folder) / "calibrated.toml", CALIBRATION_DIR / f"{base}.toml")
    shutil.copy(Path(folder) / "ensemble.csv", installed_ensemble(base))
    return CALIBRATION_DIR


def installed_ensemble(base: str) -> Path:
    """Where the installed ensemble of ``base``'s calibration is (it may not exist)."""
    return CALIBRATION_DIR / f"{base}-ensemble.csv"


def ensemble_parameters(path: Path) -> list[dict[str, float]]:
    """Parameter sets of a saved ensemble (``tpn calibrate`` writes ``ensemble.csv``)."""
    frame = pd.read_csv(path)
    columns = [c for c in frame.columns if c not in ("trial", "loglik.total")]
    return [{c: float(row[c]) for c in columns} for _, row in frame.iterrows()]
