"""The calibration file, the calibrated scenario fragment, and installing a calibration.

A calibration file (``experiments/calibration/*.toml``) names the base scenario, the free
parameters with their priors (:class:`experiments.priors.Prior`: a distribution per parameter,
truncated to a range; a range alone is uniform), the targets with their uncertainty (``sd``),
whose outcomes are the summary statistics, and the budget of each method:

- ``method = "abc"`` (:mod:`experiments.fit_abc`): a posterior by ABC-SMC; ``[abc]`` sets the
  population, the stopping rule (generations, minimum acceptance rate; temperature 1 ends it)
  and the posterior predictive draws;
- ``method = "optuna"`` (:mod:`experiments.fit_optuna`): a point estimate and the ensemble of
  the best trials; ``[optuna]`` sets trials, replications per trial and the ensemble's size.

Either writes ``calibrated.toml``, a scenario fragment the shipped scenarios extend;
:func:`install_calibration` copies it, with the posterior or the ensemble, to
``scenarios/calibration/``, and :func:`install_shortfalls` says why a result must not be.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from experiments.posterior import drawn_parameters
from experiments.priors import Prior
from experiments.spec import RUN_OUTCOME
from experiments.targets import Target
from sim.errors import InputError
from sim.outcome_registry import outcome_names
from sim.params import SECTION_OF, Scenario
from sim.scenario import SCENARIO_DIR, load_scenario, split_key, with_overrides
from sim.tomlio import read_model
from sim.world import cached_world

# Installed calibrations: <base>.toml (a scenario fragment the shipped scenarios extend),
# <base>-posterior.parquet (ABC's weighted particles) and <base>-ensemble.csv (Optuna's best
# parameter sets, for `tpn validate`).
CALIBRATION_DIR = SCENARIO_DIR / "calibration"
Method = Literal["abc", "optuna"]
POSTERIOR_FILE, ENSEMBLE_FILE = "posterior.parquet", "ensemble.csv"
# The tables of an ABC calibrate folder beside its posterior.
SUMMARY_FILE, GENERATIONS_FILE = "posterior_summary.csv", "generations.csv"
CHECK_FILE, PREDICTIVE_RUNS_FILE = "predictive_check.csv", "predictive_runs.csv"
INSTALLED_FILES = {"abc": POSTERIOR_FILE, "optuna": ENSEMBLE_FILE}  # what an install copies


class AbcBudget(BaseModel):
    """ABC-SMC: ``population`` particles per generation; it stops at temperature 1 (the
    posterior), after ``max_generations``, or when a generation's acceptance rate would fall
    below ``min_acceptance_rate``; ``predictive_draws`` runs at resampled posterior draws make
    the posterior predictive check."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    population: int = Field(200, ge=10)
    max_generations: int = Field(10, ge=1)
    min_acceptance_rate: float = Field(0.01, ge=0, lt=1)
    predictive_draws: int = Field(200, ge=10)


class OptunaBudget(BaseModel):
    """Optuna: ``trials`` parameter sets, each scored over ``replications`` runs on common
    seeds; the best ``ensemble`` trials are kept."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    trials: int = Field(200, ge=1)
    replications: int = Field(10, ge=2)
    ensemble: int = Field(20, ge=1)


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
    method: Method = "abc"
    seed: int = Field(1, ge=0)
    abc: AbcBudget = AbcBudget()
    optuna: OptunaBudget = OptunaBudget()
    parameters: dict[str, Prior] = Field(min_length=1)
    targets: dict[str, TargetSpec] = Field(min_length=1)
    predictions: Predictions = Predictions()

    def target_list(self) -> list[Target]:
        return [
            Target(name, t.outcome, t.observed, t.sd, t.description, t.source)
            for name, t in self.targets.items()
        ]

    def with_budget(self, method: Method | None, population: int | None, trials: int | None):
        """This calibration run by ``method`` (default: the file's), with a smaller or larger
        ABC population or number of Optuna trials than the file's."""
        update: dict = {"method": method or self.method}
        if population:
            update["abc"] = self.abc.model_copy(update={"population": population})
        if trials:
            update["optuna"] = self.optuna.model_copy(update={"trials": trials})
        return self.model_copy(update=update)


def load_calibration(path: Path) -> tuple[CalibrationSpec, Scenario]:
    """The calibration file and its base scenario; parameters are keyed by their bare name
    (``efficacy_coaching``, as ``with_overrides`` and the posterior's columns name them)."""
    path = Path(path)
    spec = read_model(path, CalibrationSpec, "calibration")
    base = load_scenario(spec.base)
    parameters = {}
    for name, prior in spec.parameters.items():
        _, field = split_key(name, f"{path}: parameters")
        if field in parameters:
            raise InputError(path, f"parameters.{name}", name, "each parameter once")
        for value in prior.range:
            _check_value(base, field, value, path, name)
        parameters[field] = prior
    fixed = set(parameters) - set(drawn_parameters(base, list(parameters)))
    if fixed:
        name = sorted(fixed)[0]
        raise InputError(
            path,
            f"parameters.{name}",
            base.origin[SECTION_OF[name] + "." + name],
            f"a parameter {spec.base} leaves to its calibration or the defaults (this file "
            "sets it itself, and posterior draws never replace what a scenario sets)",
        )
    allowed = set(outcome_names(cached_world(base.world).topics.names))
    named = [(f"targets.{k}.outcome", t.outcome) for k, t in spec.targets.items()]
    named += [("predictions.outcomes", o) for o in spec.predictions.outcomes]
    for field, outcome in named:
        if outcome not in allowed:
            raise InputError(path, field, outcome, RUN_OUTCOME)
    return spec.model_copy(update={"parameters": parameters}), base


def _check_value(base: Scenario, field: str, value: float, path: Path, name: str) -> None:
    try:
        with_overrides(base, {field: value})
    except InputError as error:
        raise InputError(path, f"parameters.{name}", value, error.allowed) from None


def calibrated_toml(spec: CalibrationSpec, values: dict[str, float], command: str, how: str) -> str:
    """A scenario fragment with the calibrated ``values``, and when and ``how`` they were
    produced (e.g. "150 Optuna trials x 40 replications")."""
    by_section: dict[str, list[str]] = {}
    for name, value in values.items():
        by_section.setdefault(SECTION_OF[name], []).append(f"{name} = {value:.6g}")
    lines = [
        f"# Calibrated by `{command}`",
        f"# on {datetime.now(UTC).date().isoformat()}: {how} against {len(spec.targets)} targets.",
        "# Generated file: rerun the command (with --install) instead of editing it.",
        f'description = "Parameters of {spec.base} fitted to the TPN evaluation ({spec.name})"',
    ]
    for section, assignments in by_section.items():
        lines += ["", f"[{section}]", *assignments]
    return "\n".join(lines) + "\n"


def install_shortfalls(
    used: CalibrationSpec, declared: CalibrationSpec, final_temperature: float | None = None
) -> list[str]:
    """Why a calibration run with ``used`` must not replace the shipped one its file
    (``declared``) describes: a smaller budget than the file's, an Optuna ensemble smaller than
    asked (fewer trials than its size, which would keep poor fits), or an ABC run that stopped
    before temperature 1 (its particles are not yet a posterior). Empty when it may."""
    reasons = []
    if used.method == "abc":
        if used.abc.population < declared.abc.population:
            reasons.append(
                f"population {used.abc.population} is below the file's {declared.abc.population}"
            )
        if final_temperature is not None and final_temperature > 1 + 1e-9:
            reasons.append(f"it stopped at temperature {final_temperature:.3g}, not 1")
    else:
        if used.optuna.trials < declared.optuna.trials:
            reasons.append(
                f"{used.optuna.trials} trials are below the file's {declared.optuna.trials}"
            )
        if used.optuna.trials < used.optuna.ensemble:
            reasons.append(
                f"its ensemble would hold {used.optuna.trials} of the {used.optuna.ensemble} "
                "best trials asked"
            )
    return reasons


def install_calibration(folder: Path, base: str, method: Method) -> Path:
    """Make a `tpn calibrate` result in ``folder`` the default of the shipped scenarios that
    extend the calibration of ``base`` (with its posterior or ensemble); returns the folder it
    was installed in. The other method's file, left by an earlier calibration (perhaps of an
    earlier model), is removed: `tpn validate` would otherwise run a stale ensemble."""
    CALIBRATION_DIR.mkdir(exist_ok=True)
    shutil.copy(Path(folder) / "calibrated.toml", CALIBRATION_DIR / f"{base}.toml")
    kept, stale = installed_posterior(base), installed_ensemble(base)
    if method == "optuna":
        kept, stale = stale, kept
    shutil.copy(Path(folder) / INSTALLED_FILES[method], kept)
    stale.unlink(missing_ok=True)
    return CALIBRATION_DIR


def installed_posterior(base: str) -> Path:
    """Where the installed posterior of ``base``'s calibration is (it may not exist)."""
    return CALIBRATION_DIR / f"{base}-posterior.parquet"


def installed_ensemble(base: str) -> Path:
    """Where the installed ensemble of ``base``'s calibration is (it may not exist)."""
    return CALIBRATION_DIR / f"{base}-ensemble.csv"


def ensemble_parameters(path: Path) -> list[dict[str, float]]:
    """Parameter sets of a saved ensemble (``tpn calibrate --method optuna`` writes
    ``ensemble.csv``)."""
    frame = pd.read_csv(path)
    columns = [c for c in frame.columns if c not in ("trial", "loglik.total")]
    return [{c: float(row[c]) for c in columns} for _, row in frame.iterrows()]
