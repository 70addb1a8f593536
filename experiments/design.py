"""Design points of an experiment: full factorial, Latin hypercube, Sobol (Saltelli) or Morris.

Sobol and Morris samples come from SALib's ``ProblemSpec`` so that the same object analyses them
later. Each factor is sampled on a unit or natural scale, then turned into a value the scenario
accepts: a level is picked by index, an integer parameter is rounded. A normal factor of a
scenario parameter is drawn truncated to its parameter's bounds (see :mod:`experiments.spec`).
:func:`point_count` says how many points a design has without drawing them, so that an
experiment too large to run is refused before its points fill the memory.

With policies, the uncertainties are sampled once and every policy is run at every uncertainty
point (points ordered uncertainty point first, then policy): the same context values and, run
by run, the same seeds, so the policies at one uncertainty point are paired.
"""

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib import ProblemSpec
from scipy.stats import norm, qmc, truncnorm

from experiments.posterior import draw, for_scenario, load_posterior
from experiments.spec import (
    Experiment,
    Factor,
    applied_value,
    parameter_bounds,
    parameter_type,
)
from sim.params import Scenario
from sim.scenario import split_key

POLICY = "policy"  # the column naming each point's policy
UNCERTAINTY_POINT = "uncertainty_point"  # the column numbering each point's uncertainty values


@dataclass
class Design:
    """The points to run: ``values`` as the model gets them, ``raw`` as the sampler drew them;
    with policies, each point's ``labels`` (policy, uncertainty point) and the policy's
    ``levers``, which the model gets too."""

    values: pd.DataFrame  # one row per point, one column per sampled factor
    raw: np.ndarray  # (points, factors) for SALib analysis
    problem: ProblemSpec | None
    labels: pd.DataFrame | None = None  # one row per point: uncertainty point, policy
    levers: tuple[dict[str, Any], ...] = ()  # per point: its policy's lever values

    def points(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Per point, one at a time: what its runs' rows record (labels, sampled values) and
        what the model is given (lever values, sampled values)."""
        values = self.values.to_dict(orient="records")
        labels = self.labels.to_dict(orient="records") if self.labels is not None else None
        return (
            (
                {**labels[point], **params} if labels else params,
                {**self.levers[point], **params} if self.levers else params,
            )
            for point, params in enumerate(values)
        )

    def table(self) -> pd.DataFrame:
        """One row per point, labels then sampled values (``points.parquet``)."""
        if self.labels is None:
            return self.values
        return pd.concat([self.labels, self.values], axis=1)


def point_count(experiment: Experiment) -> int:
    """How many points :func:`make_design` gives, from the experiment alone: a full factorial
    the product of its grids, a Latin hypercube its samples, Saltelli's Sobol sample N x (2D + 2)
    with second-order indices else N x (D + 2), Morris N x (D + 1) for D factors; with policies,
    times the policies (resolved, as :func:`~experiments.spec.load_experiment` gives them)."""
    factors = list(experiment.sampled.values())
    count, dimensions = experiment.samples, len(factors)
    if experiment.design == "full_factorial":
        count = math.prod(len(f.levels) if f.levels is not None else f.points for f in factors)
    elif experiment.design == "sobol":
        count *= (2 * dimensions + 2) if experiment.second_order else (dimensions + 2)
    elif experiment.design == "morris":
        count *= dimensions + 1
    return count * (len(experiment.policies) if experiment.has_policies else 1)


def make_design(experiment: Experiment, base: Scenario | None) -> Design:
    """All design points of the experiment, in the sampler's order; with policies, every
    policy (as :func:`~experiments.spec.load_experiment` resolves them) at every point of the
    sampled uncertainties.

    With a base scenario, values take the type of their parameter (integers are rounded); with
    ``None`` (a plain function's inputs) they stay as drawn.
    """
    sampled = _sampled(experiment, base)
    if not experiment.has_policies:
        return sampled
    count, policies = len(sampled.values), experiment.policies
    values = sampled.values
    if experiment.posterior:
        values = pd.concat([values, _drawn(experiment, base, count)], axis=1)
    repeated = np.repeat(np.arange(count), len(policies))
    labels = pd.DataFrame(
        {
            UNCERTAINTY_POINT: repeated,
            POLICY: [policy.name for policy in policies] * count,
        }
    )
    return Design(
        values.iloc[repeated].reset_index(drop=True),
        sampled.raw[repeated],
        sampled.problem,
        labels,
        tuple(policy.levers for _ in range(count) for policy in policies),
    )


def _drawn(experiment: Experiment, base: Scenario | None, count: int) -> pd.DataFrame:
    """One parameter set from the experiment's posterior per uncertainty point: the parameters
    the base leaves to the posterior (:func:`~experiments.posterior.for_scenario`), except the
    uncertainties sampled by name, whose ranges are the question asked."""
    draws = draw(load_posterior(experiment.posterior), count, 1, experiment.seed)
    if base is not None:
        draws = for_scenario(draws, base)
    sampled = {split_key(name, "uncertainties")[1] for name in experiment.uncertainties}
    drawn = pd.DataFrame(list(draws.sets))
    return drawn.drop(columns=[c for c in drawn.columns if c in sampled])


def _sampled(experiment: Experiment, base: Scenario | None) -> Design:
    """The points of the experiment's sampled factors (its uncertainties, with policies)."""
    names = list(experiment.sampled)
    factors = [experiment.sampled[n] for n in names]
    bounds = [
        parameter_bounds(n) if base is not None and parameter_type(n) else None for n in names
    ]
    if experiment.design == "full_factorial":
        grids = [_grid(f) for f in factors]
        raw = np.array(list(itertools.product(*grids)), dtype=object)
        problem = None
    elif experiment.design == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(factors), seed=experiment.seed).random(experiment.samples)
        raw = np.column_stack([_from_unit(f, unit[:, i], bounds[i]) for i, f in enumerate(factors)])
        problem = None
    else:
        problem = ProblemSpec(
            {
                "names": names,
                "bounds": [
                    _bounds(f, experiment.design, b) for f, b in zip(factors, bounds, strict=True)
                ],
                "dists": [_dist(f, b) for f, b in zip(factors, bounds, strict=True)],
                "outputs": list(experiment.outcomes),
            }
        )
        if experiment.design == "sobol":
            problem.sample_sobol(
                experiment.samples, calc_second_order=experiment.second_order, seed=experiment.seed
            )
        else:
            problem.sample_morris(
                experiment.samples, num_levels=experiment.morris_levels, seed=experiment.seed
            )
        raw = problem.samples
    index_of = _level_index(experiment.design)
    columns = {}
    for i, (name, factor) in enumerate(zip(names, factors, strict=True)):
        kind = parameter_type(name) if base is not None else None
        columns[name] = [_applied(factor, value, index_of, kind) for value in raw[:, i]]
    # index: a full factorial of no factors (policies in the base's context) is one point
    return Design(pd.DataFrame(columns, index=range(len(raw))), np.asarray(raw), problem)


def _grid(factor: Factor) -> list[Any]:
    if factor.levels is not None:
        return list(factor.levels)
    return list(np.linspace(factor.range[0], factor.range[1], factor.points))


def _from_unit(factor: Factor, unit: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    if factor.kind == "uniform":
        return factor.range[0] + unit * (factor.range[1] - factor.range[0])
    if factor.kind == "normal" and bounds is None:
        return norm.ppf(unit, loc=factor.mean, scale=factor.sd)
    if factor.kind == "normal":
        low, high = ((x - factor.mean) / factor.sd for x in factor.truncation(bounds))
        return truncnorm.ppf(unit, low, high, loc=factor.mean, scale=factor.sd)
    return np.floor(unit * len(factor.levels)).clip(0, len(factor.levels) - 1)


def _bounds(factor: Factor, design: str, bounds: tuple[float, float] | None) -> list[float]:
    """SALib's bounds: a range's ends; a normal's mean and SD, after its truncation when it is
    one of a scenario parameter's (``bounds``)."""
    if factor.kind == "uniform":
        return list(factor.range)
    if factor.kind == "normal" and bounds is not None:
        return [*factor.truncation(bounds), factor.mean, factor.sd]
    if factor.kind == "normal":
        return [factor.mean, factor.sd]
    # Sampled as a level index, see _level_index: Morris's grid runs from the first index to the
    # last, the other samplers draw on [0, n) and floor.
    return [0.0, float(len(factor.levels) - 1 if design == "morris" else len(factor.levels))]


def _dist(factor: Factor, bounds: tuple[float, float] | None) -> str:
    if factor.kind != "normal":
        return "unif"
    return "norm" if bounds is None else "truncnorm"


def _level_index(design: str) -> Callable[[float], int] | None:
    """How a sampled number becomes a level's index; ``None`` where the levels are drawn as such.

    Sobol and Latin hypercube draw uniformly on [0, n): flooring gives each level an equal share.
    Morris moves on an evenly spaced grid from bound to bound, [0, n - 1]: a grid value takes the
    nearest level, so the ends give the first and last level and the grid is spread evenly
    (flooring on [0, n] would give the top level twice and skip middle ones).
    """
    if design == "full_factorial":
        return None
    return round if design == "morris" else math.floor


def _applied(
    factor: Factor, raw: Any, index_of: Callable[[float], int] | None, kind: type | None
) -> Any:
    """The value the model receives: a level by index, integer parameters rounded."""
    if factor.kind == "levels" and index_of is not None:
        raw = factor.levels[min(max(index_of(float(raw)), 0), len(factor.levels) - 1)]
    if kind is int:
        return applied_value(float(raw), kind)
    if kind is float or (kind is None and factor.kind != "levels"):
        return float(raw)
    return raw.item() if isinstance(raw, np.generic) else raw
