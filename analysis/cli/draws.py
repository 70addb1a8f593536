"""`--posterior`, `--draws`, `--seeds-per-draw`: how many replications a command runs, and the
parameter sets they draw from a posterior (:mod:`experiments.posterior`).

Shared by `tpn run`, `compare`, `validate`, `decompose`, `frontier` and `optimize`, so that every
command reads the options, and says what it drew, the same way.
"""

from collections.abc import Sequence
from typing import Any

from analysis import style
from experiments.posterior import (
    DEFAULT_DRAWS,
    DEFAULT_SEEDS_PER_DRAW,
    ParameterDraws,
    draw,
    drawn_parameters,
    load_posterior,
    posterior_path,
)
from sim.errors import InputError
from sim.params import Scenario
from sim.scenario import split_key

# With a posterior, the monthly series, ties and activity log are kept for the first 40
# replications (20 draws x 2 seeds): enough for the figures' bands. Every replication's outcomes
# are in runs.csv; hundreds of draws' monthly series would take minutes and gigabytes.
DETAIL_REPLICATIONS = 40


def replication_plan(
    args, scenarios: Sequence[Scenario], seed: int, replications: int | None
) -> tuple[int, ParameterDraws | None]:
    """The replications to run and, with a posterior (``--posterior`` or the scenarios' own),
    the parameter sets they draw: ``--draws`` x ``--seeds-per-draw`` replications, which then
    replace ``replications`` (the command's ``--reps``; giving both is an error)."""
    path = posterior_path(scenarios, args.posterior)
    if path is None:
        for option, value in (("--draws", args.draws), ("--seeds-per-draw", args.seeds_per_draw)):
            if value is not None:
                raise InputError(option, option.strip("-"), value, "only with --posterior")
        return replications, None
    if getattr(args, "reps", None) is not None:
        raise InputError(
            "--reps",
            "reps",
            args.reps,
            "not with a posterior: replications are --draws x --seeds-per-draw",
        )
    draws = draw(
        load_posterior(path),
        args.draws or DEFAULT_DRAWS,
        args.seeds_per_draw or DEFAULT_SEEDS_PER_DRAW,
        seed,
    )
    return len(draws.sets) * draws.seeds_per_set, draws


def kept_values(draws: ParameterDraws, scenarios: Sequence[Scenario]) -> list[str]:
    """One line per scenario that keeps some of its own values instead of the draws'."""
    names = list(draws.sets[0])
    lines = []
    for scenario in scenarios:
        kept = [n for n in names if n not in drawn_parameters(scenario, names)]
        if kept:
            values = ", ".join(f"{style.parameter_words(n)} = {_value(scenario, n)}" for n in kept)
            lines.append(f"{style.words(scenario.name)} keeps its own {values} (not drawn).")
    return lines


def _value(scenario: Scenario, name: str) -> Any:
    section, field = split_key(name, "posterior")
    return getattr(getattr(scenario, section) if section else scenario, field)
