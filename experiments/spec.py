"""Experiment files: a base scenario, factors with ranges or levels, a sampling design, outcomes.

An experiment is the XLRM frame made concrete: the factors are scenario parameters (levers or
uncertainties), the relation is the model, and the outcomes are named metrics of a run
(``tpn outcomes``). Validation happens before any run starts, so a typo costs seconds.

Two layouts: a sweep over ``factors``; or ``policies`` (the designs compared, see
:mod:`experiments.policies`) run at every point of sampled ``uncertainties`` (context
assumptions), on the same seeds, so each point pairs the policies (`tpn robust`, `tpn discover`).
"""

from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from experiments.policies import Policy, resolve_policies, scenario_reference
from experiments.posterior import load_posterior, posterior_path
from sim.errors import InputError
from sim.outcome_registry import outcome_names
from sim.params import SECTIONS, Scenario
from sim.scenario import load_scenario, split_key, validate
from sim.tomlio import read_model
from sim.world import cached_world

SamplingDesign = Literal["full_factorial", "latin_hypercube", "sobol", "morris"]
POLICY_DESIGNS = ("latin_hypercube", "sobol")  # how the uncertainties of policies are sampled
# Scenario fields the sweep sets itself: every run's seed comes from the experiment's own seed
# and replications, so as factors they would change nothing (and overwrite the seed column).
RUN_KEYS = ("seed", "replications")


class Factor(BaseModel):
    """One swept parameter: a uniform ``range``, a normal ``mean``/``sd``, or discrete ``levels``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    range: tuple[float, float] | None = Field(None, description="[low, high], uniform")
    levels: tuple[Any, ...] | None = Field(None, description="discrete values")
    mean: float | None = Field(None, description="mean of a normal distribution")
    sd: float | None = Field(None, description="SD of a normal distribution", gt=0)
    points: int | None = Field(None, description="grid points of a range (full factorial)", ge=2)

    @model_validator(mode="after")
    def _one_kind(self) -> "Factor":
        kinds = [
            self.range is not None,
            self.levels is not None,
            self.mean is not None or self.sd is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "give exactly one of range = [low, high], levels = [...], or mean and sd"
            )
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"empty range {list(self.range)}: low must be below high")
        if self.levels is not None and len(self.levels) == 0:
            raise ValueError("empty levels: give at least one value")
        if (self.mean is None) != (self.sd is None):
            raise ValueError("a normal factor needs both mean and sd")
        return self

    @property
    def kind(self) -> str:
        if self.range is not None:
            return "uniform"
        return "levels" if self.levels is not None else "normal"

    def extremes(self) -> list[Any]:
        """Values that must all be valid for the parameter (ends of a range, every level)."""
        if self.range is not None:
            return list(self.range)
        if self.levels is not None:
            return list(self.levels)
        return [self.mean]


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    base: str = Field(description="base scenario: shipped name or path, relative to this file")
    design: SamplingDesign
    samples: int = Field(64, ge=1, description="LHS points; Sobol base N; Morris trajectories")
    second_order: bool = Field(False, description="Sobol second-order indices")
    morris_levels: int = Field(4, ge=2, description="grid levels of the Morris design")
    replications: int = Field(1, ge=1, description="runs per design point (common seeds)")
    seed: int = Field(1, ge=0, description="root seed of sampling and replications")
    outcomes: tuple[str, ...] = Field(min_length=1)
    factors: dict[str, Factor] = Field({}, description="parameters swept (without policies)")
    policies: tuple[Policy, ...] = Field((), description="designs compared at every point")
    policy_factorial: dict[str, tuple[Any, ...]] = Field(
        {}, description="levers whose every combination of levels is a policy"
    )
    uncertainties: dict[str, Factor] = Field(
        {}, description="context assumptions sampled, each point run with every policy"
    )
    posterior: bool | str = Field(
        False,
        description="with policies: each uncertainty point also draws one parameter set from "
        "a posterior sample (true: the base scenario's, else the shipped one; or a Parquet "
        "file, relative to this file)",
    )
    series: bool = Field(False, description="also store monthly group means per run")

    @property
    def has_policies(self) -> bool:
        return bool(self.policies or self.policy_factorial)

    @property
    def sampled(self) -> dict[str, Factor]:
        """What the design samples: the uncertainties of an experiment with policies, else
        its factors."""
        return self.uncertainties if self.has_policies else self.factors

    @model_validator(mode="after")
    def _design_fits_factors(self) -> "Experiment":
        if self.design in ("sobol", "morris"):
            for name, factor in self.sampled.items():
                if factor.kind == "levels" and not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in factor.levels
                ):
                    raise ValueError(f"factor {name}: {self.design} needs numeric levels")
        if self.design == "full_factorial":
            for name, factor in self.sampled.items():
                if factor.kind == "normal" or (factor.kind == "uniform" and factor.points is None):
                    raise ValueError(
                        f"factor {name}: full_factorial needs levels, or a range with points"
                    )
        if self.design == "morris" and len(self.sampled) < 2:
            raise ValueError("morris needs at least two factors")
        return self


def load_experiment(path: Path) -> tuple[Experiment, Scenario]:
    """Read and validate an experiment file and its base scenario; its policies come back
    resolved (:func:`~experiments.policies.resolve_policies`: every lever by bare name, a
    factorial expanded), so the experiment says exactly what each policy runs."""
    path = Path(path)
    experiment = read_model(path, Experiment, "experiment")
    base = load_scenario(scenario_reference(experiment.base, path))
    world = cached_world(base.world)
    _check_layout(experiment, path)
    label = "uncertainties" if experiment.has_policies else "factors"
    _check_factors(experiment.sampled, label, experiment.design, base, path)
    _check_outcomes(experiment, world.topics.names, path)
    if experiment.has_policies:
        policies = resolve_policies(experiment.policies, experiment.policy_factorial, base, path)
        resolved = {"policies": policies, "policy_factorial": {}}
        if experiment.posterior:
            resolved["posterior"] = _posterior_file(experiment.posterior, base, path)
        experiment = experiment.model_copy(update=resolved)
    return experiment, base


def _posterior_file(posterior: bool | str, base: Scenario, path: Path) -> str:
    """The posterior an experiment draws from, as an absolute path, checked readable."""
    relative = posterior if isinstance(posterior, str) else ""
    if relative:
        relative = str((path.parent / relative).resolve())
    found = posterior_path([base], relative)
    load_posterior(found)
    return str(found)


def _check_layout(experiment: Experiment, path: Path) -> None:
    """Factors for a sweep; policies with uncertainties (and a design that samples them) for a
    comparison of policies; never a mix, which would leave unclear what is compared."""
    if not experiment.has_policies:
        if experiment.posterior:
            raise InputError(
                path,
                "posterior",
                experiment.posterior,
                "an experiment with policies (each of its uncertainty points draws a parameter "
                "set); for runs of scenarios, `--posterior`",
            )
        if experiment.uncertainties:
            raise InputError(
                path,
                "uncertainties",
                ", ".join(experiment.uncertainties),
                "[[policies]] to compare across them (or [factors.NAME] for a sweep)",
            )
        if not experiment.factors:
            raise InputError(
                path,
                "factors",
                "missing",
                "[factors.NAME] tables (or [[policies]] with [uncertainties.NAME])",
            )
        return
    if experiment.factors:
        raise InputError(
            path,
            "factors",
            ", ".join(experiment.factors),
            "[uncertainties.NAME] in an experiment with policies (every policy is run at "
            "every uncertainty point; a lever belongs to the policies)",
        )
    if not experiment.uncertainties:
        raise InputError(
            path,
            "uncertainties",
            "missing",
            "[uncertainties.NAME] tables: the context assumptions every policy is run across",
        )
    if experiment.design not in POLICY_DESIGNS:
        raise InputError(
            path, "design", experiment.design, " or ".join(POLICY_DESIGNS) + " with policies"
        )


def parameter_field(name: str) -> FieldInfo:
    """The pydantic field of a scenario parameter (``'team_size'``, ``'context.team_size'``)."""
    section, field = split_key(name, "parameters")
    return (SECTIONS[section] if section else Scenario).model_fields[field]


def parameter_type(name: str) -> type | None:
    """``int`` or ``float`` for a numeric parameter, else ``None``.

    An optional number (``int | None``, blank meaning "not set") counts as its number type: a
    value drawn for it must still be a whole number if the parameter is an integer.
    """
    annotation = parameter_field(name).annotation
    if get_origin(annotation) in (Union, UnionType):
        numbers = [a for a in get_args(annotation) if a is not NoneType]
        annotation = numbers[0] if len(numbers) == 1 else annotation
    return annotation if annotation in (int, float) else None


def _check_factors(
    factors: dict[str, Factor], label: str, design: str, base: Scenario, path: Path
) -> None:
    """Every factor (``label``: factors, or uncertainties, which must be context assumptions)
    is a scenario parameter the sweep does not set itself, fits the design, and every value it
    can take is valid. Checked here rather than in :class:`Experiment` so that the error names
    the factor and its value (a model-level check can only show the whole file)."""
    data = base.model_dump()
    seen: dict[tuple[str, str], str] = {}
    for name, factor in factors.items():
        section, field = split_key(name, f"{path}: {label}")
        if (section, field) in seen:
            raise InputError(
                path,
                label,
                name,
                f"one factor per parameter ('{seen[section, field]}' already sets it)",
            )
        seen[section, field] = name
        if not section and field in RUN_KEYS:
            raise InputError(
                path,
                label,
                name,
                "a scenario parameter other than seed and replications (the experiment's own "
                "seed and replications set every run's seed)",
            )
        if label == "uncertainties" and section != "context":
            raise InputError(
                path,
                label,
                name,
                "a context assumption (`tpn show SCENARIO` lists them under context): the "
                "policies set the levers",
            )
        if design == "morris":
            _check_morris_factor(name, factor, path)
        for value in factor.extremes():
            trial = (
                {**data, section: {**data[section], field: value}}
                if section
                else {**data, field: value}
            )
            try:
                validate(trial, {}, path)
            except InputError as error:
                raise InputError(path, f"{label}.{name}", value, error.allowed) from None


def _check_morris_factor(name: str, factor: Factor, path: Path) -> None:
    """Morris samples an evenly spaced grid from bound to bound, both ends included."""
    if factor.kind == "normal":
        raise InputError(
            path,
            f"factors.{name}",
            factor.model_dump(exclude_none=True),
            "a range or levels with design = 'morris' (its grid includes the 0 and 1 "
            "quantiles, which are infinite for a normal distribution)",
        )
    if factor.kind == "levels" and len(factor.levels) < 2:
        raise InputError(
            path,
            f"factors.{name}.levels",
            list(factor.levels),
            "at least two levels with design = 'morris' (its grid runs from the first to the last)",
        )


RUN_OUTCOME = "an outcome a run computes (see `tpn outcomes`), e.g. accreditation.causal_effect"


def _check_outcomes(experiment: Experiment, topics: tuple[str, ...], path: Path) -> None:
    """Every outcome is one each run computes: a name only `tpn compare` computes
    (``costs.icer_vs_first``) or a typo would otherwise fail every run of the sweep."""
    allowed = set(outcome_names(topics))
    for outcome in experiment.outcomes:
        if outcome not in allowed:
            raise InputError(path, "outcomes", outcome, RUN_OUTCOME)
