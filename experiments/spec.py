"""Experiment files: a base scenario, factors with ranges or levels, a sampling design, outcomes.

An experiment is the XLRM frame made concrete: the factors are scenario parameters (levers or
uncertainties), the relation is the model, and the outcomes are named metrics of a run
(``tpn outcomes``). Validation happens before any run starts, so a typo costs seconds.

Two layouts: a sweep over ``factors``; or ``policies`` (the designs compared, see
:mod:`experiments.policies`) run at every point of sampled ``uncertainties`` (context
assumptions), on the same seeds, so each point pairs the policies (`tpn robust`, `tpn discover`);
without uncertainties (``design = "full_factorial"``), every policy runs once in the base's
context (`tpn frontier` of designs).

Every value a factor can take is checked before any run, over its whole support: a ``range`` or
a normal distribution needs a numeric parameter and finite numbers, both ends of a range (an
integer parameter's rounded) must be valid, and every level. A normal factor is **truncated**,
not refused: to its parameter's bounds (``virtual_share`` to [0, 1]) and to its mean +/-
:data:`NORMAL_TAIL_SD` standard deviations, and both ends of what is left must be valid, so no
draw can fail the parameter's own range; its mean must lie within the parameter's bounds.
An error names the file, the field's path (``factors.virtual_share.range``), the value and what
is allowed, on one line; an unknown key comes with the keys allowed there.
"""

import math
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from experiments.policies import Policy, resolve_policies, scenario_reference
from experiments.posterior import load_posterior, posterior_path
from sim.errors import InputError
from sim.outcome_registry import outcome_names
from sim.params import SECTIONS, Scenario
from sim.scenario import check_world_names, load_scenario, split_key, validate
from sim.tomlio import read_toml
from sim.world import cached_world

SamplingDesign = Literal["full_factorial", "latin_hypercube", "sobol", "morris"]
POLICY_DESIGNS = ("latin_hypercube", "sobol")  # how the uncertainties of policies are sampled
# Scenario fields the sweep sets itself: every run's seed comes from the experiment's own seed
# and replications, so as factors they would change nothing (and overwrite the seed column).
RUN_KEYS = ("seed", "replications")
# Most samples a design draws (assumption: 2^16; a Sobol design of N = 2^16 with second-order
# indices on 8 factors is 1.2 million points, 75 MB of samples; 1e9 would not fit in memory
# before any run-count limit applies).
MAX_SAMPLES = 2**16
# A normal factor is truncated at its mean +/- this many SDs (assumption: a draw beyond 6 SD has
# probability 2e-9, so the cut changes no sample in practice, and makes the support finite, so
# both its ends can be checked valid before any run).
NORMAL_TAIL_SD = 6.0


class FieldProblem(ValueError):
    """A validator's finding about one field below the object it validates (``field``, a dotted
    path, empty for the object itself): the one-line error then names that field and its
    value, not the whole table the validator saw."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.field, self.value, self.allowed = field, value, allowed


def _finite_numbers(values) -> bool:
    return all(
        not isinstance(v, int | float) or isinstance(v, bool) or math.isfinite(v) for v in values
    )


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
        given = ", ".join(k for k, v in self.model_dump(exclude_none=True).items()) or "nothing"
        if sum(kinds) != 1:
            raise FieldProblem(
                "", given, "exactly one of range = [low, high], levels = [...], or mean and sd"
            )
        if self.range is not None:
            if not _finite_numbers(self.range):
                raise FieldProblem("range", list(self.range), "two finite numbers [low, high]")
            if not self.range[0] < self.range[1]:
                raise FieldProblem("range", list(self.range), "[low, high] with low below high")
        if self.levels is not None:
            if len(self.levels) == 0:
                raise FieldProblem("levels", [], "at least one value")
            if not _finite_numbers(self.levels):
                raise FieldProblem("levels", list(self.levels), "finite numbers (or words)")
        if (self.mean is None) != (self.sd is None):
            raise FieldProblem(given, "", "a normal factor needs both mean and sd")
        for name in ("mean", "sd"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise FieldProblem(name, value, "a finite number")
        return self

    @property
    def kind(self) -> str:
        if self.range is not None:
            return "uniform"
        return "levels" if self.levels is not None else "normal"

    def support(self, bounds: tuple[float, float] = (-math.inf, math.inf)) -> list[Any]:
        """The values that bound what the factor can take, all of which must be valid: both
        ends of a range (a grid's too), every level, or the ends of a normal truncated to
        ``bounds`` (its parameter's) and to :data:`NORMAL_TAIL_SD` around its mean."""
        if self.range is not None:
            return list(self.range)
        if self.levels is not None:
            return list(self.levels)
        return list(self.truncation(bounds))

    def truncation(self, bounds: tuple[float, float]) -> tuple[float, float]:
        """Where a normal factor is cut: its parameter's ``bounds`` and mean +/- 6 SD."""
        low, high = bounds
        return (
            max(low, self.mean - NORMAL_TAIL_SD * self.sd),
            min(high, self.mean + NORMAL_TAIL_SD * self.sd),
        )


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    base: str = Field(description="base scenario: shipped name or path, relative to this file")
    design: SamplingDesign
    samples: int = Field(
        64,
        ge=1,
        le=MAX_SAMPLES,
        description="LHS points; Sobol base N; Morris trajectories",
    )
    second_order: bool = Field(False, description="Sobol second-order indices")
    morris_levels: int = Field(4, ge=2, description="grid levels of the Morris design")
    replications: int = Field(1, ge=1, description="runs per design point (common seeds)")
    seed: int = Field(1, ge=0, description="root seed of sampling and replications")
    outcomes: tuple[str, ...] = Field(min_length=1)
    factors: dict[str, Factor] = Field({}, description="parameters swept (without policies)")
    policies: tuple[Policy, ...] = Field((), description="designs compared at every point")
    policy_factorial: dict[str, tuple[Any, ...]] = Field(
        {},
        description="levers whose every combination of levels is a policy (under the key "
        "scenario, scenarios whose levers a combination takes; a lever without effect on a "
        "combination's design is left out)",
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
        label = "uncertainties" if self.has_policies else "factors"
        if self.design in ("sobol", "morris"):
            for name, factor in self.sampled.items():
                if factor.kind == "levels" and not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in factor.levels
                ):
                    raise FieldProblem(
                        f"{label}.{name}.levels",
                        list(factor.levels),
                        f"numbers with design = '{self.design}'",
                    )
        if self.design == "full_factorial":
            for name, factor in self.sampled.items():
                if factor.kind == "normal" or (factor.kind == "uniform" and factor.points is None):
                    raise FieldProblem(
                        f"{label}.{name}",
                        ", ".join(factor.model_dump(exclude_none=True)),
                        "levels, or a range with points, with design = 'full_factorial'",
                    )
        if self.design == "morris" and len(self.sampled) < 2:
            raise FieldProblem(
                label, ", ".join(self.sampled) or "none", "at least two factors with morris"
            )
        return self


def read_experiment(path: Path) -> Experiment:
    """The experiment file, validated as a model; the file's stem is its default name."""
    data = read_toml(path)
    data.setdefault("name", Path(path).stem)
    try:
        return Experiment.model_validate(data)
    except ValidationError as error:
        raise file_error(path, error, Experiment) from None


def file_error(path: Path, error: ValidationError, model: type[BaseModel]) -> InputError:
    """The first problem pydantic found in a file, as one line: the field's path, its value
    (never the whole file: a missing key is 'missing', a table shows its keys) and what is
    allowed (for an unknown key, the keys allowed there)."""
    problem = error.errors()[0]
    loc = tuple(str(part) for part in problem["loc"])
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        field = ".".join((*loc, *filter(None, cause.field.split("."))))
        return InputError(path, field or "file", cause.value, cause.allowed)
    field = ".".join(loc) or "file"
    value = problem.get("input")
    if problem["type"] == "extra_forbidden":
        keys = ", ".join(_model_at(model, loc[:-1]).model_fields)
        return InputError(path, field, value, f"not a key here; allowed: {keys}")
    if problem["type"] == "missing":
        return InputError(path, field, "missing", "a value (required)")
    if isinstance(value, dict):
        value = "a table of " + (", ".join(value) or "nothing")
    message = problem["msg"].removeprefix("Value error, ").replace("Input should be ", "must be ")
    return InputError(path, field, value, message)


def _model_at(model: type[BaseModel], loc: tuple[str, ...]) -> type[BaseModel]:
    """The pydantic model that holds the keys at ``loc`` (``('factors', 'x')``: Factor)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            current = _number_or_model(current.model_fields[part].annotation)
        else:  # a key of a dict[str, M] or an index of a tuple[M, ...]: an M
            current = _number_or_model([a for a in get_args(current) if a is not Ellipsis][-1])
    return current


def load_experiment(path: Path) -> tuple[Experiment, Scenario]:
    """Read and validate an experiment file and its base scenario; its policies come back
    resolved (:func:`~experiments.policies.resolve_policies`: every lever by bare name, a
    factorial expanded), so the experiment says exactly what each policy runs."""
    path = Path(path)
    experiment = read_experiment(path)
    base = load_scenario(scenario_reference(experiment.base, path))
    world = cached_world(base.world)
    _check_layout(experiment, path)
    label = "uncertainties" if experiment.has_policies else "factors"
    _check_factors(experiment.sampled, label, experiment.design, base, path)
    if "world" in experiment.sampled:
        experiment = _worlds_resolved(experiment, label, base, path)
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
        if experiment.design == "full_factorial" and not experiment.posterior:
            return  # every policy once, in the base's context
        raise InputError(
            path,
            "uncertainties",
            "missing",
            "[uncertainties.NAME] tables: the context assumptions every policy is run across "
            "(or design = 'full_factorial' to run every policy once in the base's context)",
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
    annotation = _number_or_model(parameter_field(name).annotation)
    return annotation if annotation in (int, float) else None


def parameter_bounds(name: str) -> tuple[float, float]:
    """The range a numeric parameter declares, (-inf, inf) where it declares none; an open
    bound (``gt``, ``lt``) is moved to the nearest value inside it (the next whole number for
    an integer parameter), so that both ends are values the parameter accepts."""
    low, high = -math.inf, math.inf
    whole = parameter_type(name) is int
    for rule in parameter_field(name).metadata:
        if isinstance(rule, Ge):
            low = float(rule.ge)
        elif isinstance(rule, Gt):
            low = rule.gt + 1.0 if whole else math.nextafter(rule.gt, math.inf)
        elif isinstance(rule, Le):
            high = float(rule.le)
        elif isinstance(rule, Lt):
            high = rule.lt - 1.0 if whole else math.nextafter(rule.lt, -math.inf)
    return low, high


def applied_value(value: Any, kind: type | None) -> Any:
    """A drawn number as its parameter takes it: an integer parameter's rounded."""
    if kind is int and isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value))
    return value


def _number_or_model(annotation: Any) -> Any:
    """An optional annotation (``X | None``) as ``X``; any other as it is."""
    if get_origin(annotation) in (Union, UnionType):
        others = [a for a in get_args(annotation) if a is not NoneType]
        return others[0] if len(others) == 1 else annotation
    return annotation


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
        kind = parameter_type(name)
        where = f"{label}.{name}"
        if factor.kind != "levels":
            if kind is None:
                raise InputError(
                    path,
                    f"{where}.{'range' if factor.kind == 'uniform' else 'mean'}",
                    list(factor.range) if factor.range else factor.mean,
                    f"levels = [...]: {name} is not a number, so it takes no range or distribution",
                )
            _check_mean(name, factor, where, path)
        bounds = parameter_bounds(name) if kind else (-math.inf, math.inf)
        for value in factor.support(bounds):
            value = applied_value(value, kind)
            trial = (
                {**data, section: {**data[section], field: value}}
                if section
                else {**data, field: value}
            )
            try:
                validate(trial, {}, path)
            except InputError as error:
                raise InputError(path, where, value, error.allowed) from None


def _check_mean(name: str, factor: Factor, where: str, path: Path) -> None:
    """A normal factor is truncated to its parameter's bounds, so its mean must lie in them."""
    if factor.kind != "normal":
        return
    low, high = parameter_bounds(name)
    if not low <= factor.mean <= high:
        raise InputError(
            path,
            f"{where}.mean",
            factor.mean,
            f"a mean within {name}'s range [{low:g}, {high:g}] (the distribution is truncated "
            "to it)",
        )


def _worlds_resolved(experiment: Experiment, label: str, base: Scenario, path: Path) -> Experiment:
    """A ``world`` factor's levels as folders (relative to the experiment file), each checked
    to be a world the base scenario runs in, before any run."""
    factor = experiment.sampled["world"]
    folders = []
    for level in factor.levels or ():
        folder = (path.parent / str(level)).resolve()
        try:
            world = cached_world(str(folder))
            check_world_names(base.model_copy(update={"world": str(folder)}), world, str(path))
        except InputError as error:
            raise InputError(path, f"{label}.world.levels", level, error.allowed) from None
        folders.append(str(folder))
    resolved = factor.model_copy(update={"levels": tuple(folders)})
    return experiment.model_copy(update={label: {**experiment.sampled, "world": resolved}})


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
