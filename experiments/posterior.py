"""Parameter uncertainty in every result: a posterior sample, and the parameter set each
replication draws from it.

A posterior is a weighted sample of parameter sets (``tpn calibrate --method abc`` writes one;
the shipped one is ``scenarios/calibration/tpn_2021-posterior.parquet``): one row per particle,
one column per free parameter under its bare name (``efficacy_coaching``) and a ``weight``.

**Design: D draws x m seeds.** ``D`` parameter sets are drawn from the weighted posterior by
systematic resampling (:func:`experiments.abc.resample`) with a seed derived from the root seed;
replications come in blocks of ``m``, and block ``d`` (replications ``d*m`` to ``d*m + m - 1``)
runs set ``d``, each replication with its own seed, as without a posterior. So replication ``r``
of every scenario in a comparison shares both its parameters and its random numbers with
replication ``r`` of the others, and a run shares them with its counterfactual (same scenario,
same seed). With ``m >= 2`` seeds per set, the spread of an outcome splits into the part from the
parameters and the part from chance (:mod:`analysis.uncertainty`).

**Which values a draw replaces.** The posterior's parameters where the scenario takes them from
a calibration (a file in a ``calibration`` folder, as ``tpn show`` marks them "fitted") or from
the defaults. A value the scenario sets itself (high_turnover's doubled turnover) or a ``--set``
keeps its value: the scenario is the question asked; the posterior, what nobody knows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.params import Scenario
from sim.scenario import SCENARIO_DIR, split_key, with_overrides

SHIPPED_POSTERIOR = SCENARIO_DIR / "calibration" / "tpn_2021-posterior.parquet"
WEIGHT = "weight"
DEFAULT_DRAWS = 200  # plausible parameter sets: enough for a probability to the nearest 1%
DEFAULT_SEEDS_PER_DRAW = 2  # the fewest that separate chance from the parameters
WRITTEN_BY = "a posterior sample written by `tpn calibrate --method abc` (Parquet)"
DRAW_STREAM = 0x706F7374  # keeps the draws' random numbers apart from the replications' seeds


@dataclass(frozen=True)
class Posterior:
    """A validated posterior sample: ``particles`` has one column per parameter and the weights
    (non-negative, normalised to sum to 1) under ``weight``."""

    path: Path
    particles: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.particles.columns if c != WEIGHT]


@dataclass(frozen=True)
class ParameterDraws:
    """Parameter sets for replications: replication ``r`` runs set ``r // seeds_per_set``
    (modulo their number, so a calibrated ensemble of K members repeats: member ``r mod K``).
    ``source`` is the file they came from: errors and ``tpn show``'s origins name it."""

    sets: tuple[dict[str, float], ...]
    seeds_per_set: int = 1
    source: str = "ensemble"

    def set_of(self, replication: int) -> int:
        return (replication // self.seeds_per_set) % len(self.sets)


def load_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior sample; any problem is a one-line error naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "posterior", "missing", WRITTEN_BY)
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(path, "content", type(error).__name__, WRITTEN_BY) from None
    if WEIGHT not in frame.columns:
        raise InputError(path, "columns", f"no {WEIGHT}", f"a {WEIGHT} column; {WRITTEN_BY}")
    parameters = [c for c in frame.columns if c != WEIGHT]
    if not parameters or frame.empty:
        raise InputError(path, "rows", len(frame), f"parameters in at least one row; {WRITTEN_BY}")
    for name in parameters:
        split_key(name, str(path))  # a parameter the model does not know is refused
        values = pd.to_numeric(frame[name], errors="coerce")
        if values.isna().any():
            bad = frame[name][values.isna()].iloc[0]
            raise InputError(path, name, bad, "a number in every row")
    weights = pd.to_numeric(frame[WEIGHT], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(weights)) or (weights < 0).any() or weights.sum() <= 0:
        bad = next((w for w in weights if not np.isfinite(w) or w < 0), 0.0)
        raise InputError(path, WEIGHT, bad, "non-negative numbers, not all 0")
    particles = frame[parameters].apply(pd.to_numeric).assign(**{WEIGHT: weights / weights.sum()})
    return Posterior(path, particles.reset_index(drop=True))


def draw(posterior: Posterior, draws: int, seeds_per_draw: int, root_seed: int) -> ParameterDraws:
    """``draws`` parameter sets from the weighted posterior, each for ``seeds_per_draw``
    consecutive replications; the same root seed gives the same sets."""
    from experiments.abc import resample

    seed = int(np.random.SeedSequence([root_seed, DRAW_STREAM]).generate_state(1)[0])
    rows = resample(posterior.particles, draws, seed)
    sets = tuple(rows.to_dict(orient="records"))  # Python numbers: an integer column stays int
    return ParameterDraws(sets, seeds_per_draw, str(posterior.path))


def drawn_parameters(scenario: Scenario, names: Sequence[str]) -> list[str]:
    """Those of ``names`` a draw sets in ``scenario``: the ones it takes from a calibration or
    the defaults, not those its own files or ``--set`` chose."""
    drawn = []
    for name in names:
        section, field = split_key(name, "posterior")
        setter = scenario.origin.get(f"{section}.{field}" if section else field)
        if setter is None or "calibration" in Path(setter).parts:
            drawn.append(name)
    return drawn


def for_scenario(draws: ParameterDraws, scenario: Scenario) -> ParameterDraws:
    """The draws with only the values ``scenario`` leaves to the posterior (for runs that are
    given parameters, such as a sweep's points, rather than scenarios)."""
    names = drawn_parameters(scenario, list(draws.sets[0]))
    return replace(
        draws, sets=tuple({name: values[name] for name in names} for values in draws.sets)
    )


def with_draw(scenario: Scenario, values: dict[str, float], source: str) -> Scenario:
    """``scenario`` with a parameter set's values where it leaves them to the posterior."""
    kept = drawn_parameters(scenario, list(values))
    return with_overrides(scenario, {name: values[name] for name in kept}, source)


def posterior_path(scenarios: Sequence[Scenario], requested: str | None) -> Path | None:
    """The posterior the runs of ``scenarios`` draw from: ``requested`` (``--posterior FILE``;
    ``""`` for plain ``--posterior``: the one the scenarios name, else the shipped one), else
    the one the scenarios name, else none. Scenarios that name different posteriors cannot
    share their parameter sets, so that is an error."""
    named = {s.posterior for s in scenarios if s.posterior}
    if requested:
        return Path(requested)
    if len(named) > 1:
        names = ", ".join(s.name for s in scenarios if s.posterior)
        raise InputError(names, "posterior", " and ".join(sorted(named)), "one posterior for all")
    if named:
        return Path(named.pop())
    return SHIPPED_POSTERIOR if requested == "" else None


def describe(draws: ParameterDraws) -> str:
    """What the replications drew, for a title: "200 parameter sets from FILE x 2 seeds"."""
    return (
        f"{len(draws.sets)} parameter sets drawn from {Path(draws.source).name} x "
        f"{draws.seeds_per_set} seeds each"
    )


def posterior_details(draws: ParameterDraws | None, scenarios: Sequence[Scenario]) -> dict:
    """The manifest's record of the draws: the file, the design, and per scenario which
    parameters were drawn (the others kept the scenario's own value)."""
    if draws is None:
        return {}
    names = list(draws.sets[0])
    details: dict[str, Any] = {
        "file": draws.source,
        "draws": len(draws.sets),
        "seeds_per_draw": draws.seeds_per_set,
        "drawn": {s.name: drawn_parameters(s, names) for s in scenarios},
    }
    return {"posterior": details}
