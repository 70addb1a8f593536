"""The best use of a fixed budget: Optuna searches the design levers over replicated runs.

A plan is feasible only if every one of its replications stays within the budget; the search
maximises the mean causal gain of feasible plans, and the result lists the best plans with their
intervals. With a posterior's parameter sets (:mod:`experiments.posterior`), every plan runs on
the same draws and seeds, so the gain is its expectation over the plausible worlds and the
budget must hold in every one of them. Infeasible plans are scored below every feasible one, so
the sampler learns to avoid them, and none is ever returned.

A plan's design is one of :data:`experiments.policies.DESIGNS`, activities included (the
provincial design is the RHSS sessions, without coaching or exchange visits); the other levers
are searched, and reported, only where they have an effect on the design at hand
(:func:`experiments.policies.has_effect`: no matching rule for the hub or the provincial
sessions, no visit allocation without visits); elsewhere a plan's table says
:data:`~experiments.policies.NO_EFFECT`.
"""

from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.executors import Executor
from experiments.policies import DESIGNS, NO_EFFECT, design_changes, has_effect
from experiments.posterior import ParameterDraws
from experiments.replicate import DRAW, replicate, require_success
from experiments.summary import outcome_interval
from sim.outcome_registry import outcome
from sim.params import Scenario
from sim.scenario import schedule_within_programme, with_overrides

# The search space, in the order searched: the design first, then each lever where it has an
# effect, the visit budget before what depends on it (allocation, virtual share).
LEVERS = {
    "design": ("categorical", list(DESIGNS)),
    "matching_rule": ("categorical", ["best", "similar", "nearest"]),
    "exchange_visits_per_year": ("int", (0, 120)),  # whole visits: the plan printed is the plan run
    "virtual_share": ("float", (0.0, 1.0)),
    "visit_allocation": (
        "categorical",
        ["first_come", "largest_gap", "lowest_performer", "equal_by_province", "lottery"],
    ),
    "performance_contracts": ("categorical", [False, True]),
}
GAIN = "gains.institution_points"  # what the budget buys
COST = "costs.total"  # what every replication must keep within the budget
# The search goes the way the outcome registry says the gain is better.
MAXIMISE_GAIN = bool(outcome(GAIN).higher_is_better)


@dataclass
class OptimizationResult:
    trials: pd.DataFrame  # every plan tried, with feasibility
    best: pd.DataFrame  # the top feasible plans, best first


def budget_scenario(base: Scenario, budget: float, years: int | None) -> Scenario:
    """The base scenario over ``years`` of programme, with the donor's yearly cap at the budget's
    yearly share (spreading the money over the programme) and its total cap at the budget (budget
    years need not line up with the programme's: the total is what guarantees it). Activities the
    money cannot pay are not held; feasibility still checks every cash cost, own payments too.
    A shorter programme keeps its schedule within it (:func:`sim.scenario.schedule_within_programme`):
    a visit window running past its end would leave paid-for visits unheld."""
    changes: dict = {}
    if years is not None:
        months = 12 * years
        start = base.design.programme_start_month
        changes = {
            "programme_months": months,
            "horizon_months": start + months + 2,
            "endline_month": start + months + 2,
        }
    span_years = (changes.get("programme_months", base.design.programme_months)) / 12
    changes["donor_budget_per_year"] = budget / max(span_years, 1.0)
    changes["donor_budget_total"] = budget
    changes["donor_exit_month"] = None
    shortened = with_overrides(base, changes)
    return with_overrides(shortened, schedule_within_programme(shortened))


def evaluate_plan(
    scenario: Scenario,
    plan: dict,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    draws: ParameterDraws | None = None,
) -> pd.DataFrame:
    """Gain and cost of each replication of ``scenario`` with the ``plan``'s levers set (and
    the parameter set each replication drew, under ``draw``)."""
    results = replicate(
        [with_overrides(scenario, plan)],
        replications,
        seed,
        ensemble=draws or (),
        outcomes=(GAIN, COST),
        executor=executor,
    )
    require_success(results)
    return results[0].runs[[*([DRAW] if draws else []), GAIN, COST]]


def search_plan(
    scenario: Scenario, changes: dict[str, dict], choose
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One plan: ``choose(name, kind, space)`` picks the design, then every lever of
    :data:`LEVERS` that has an effect on ``scenario`` with the plan chosen so far (the design's
    own ``changes`` included); returns what the model is given and what the plan's row shows
    (:data:`~experiments.policies.NO_EFFECT` for a lever not searched)."""
    design = choose("design", *LEVERS["design"])
    plan, shown = dict(changes[design]), {"design": design}
    for name, (kind, space) in list(LEVERS.items())[1:]:
        if has_effect(name, with_overrides(scenario, plan)):
            plan[name] = shown[name] = choose(name, kind, space)
        else:
            shown[name] = NO_EFFECT
    return plan, shown


def optimize(
    scenario: Scenario,
    budget: float,
    trials: int,
    replications: int,
    seed: int,
    top: int = 5,
    progress=None,
    executor: Executor | None = None,
    draws: ParameterDraws | None = None,
) -> OptimizationResult:
    """Search ``trials`` plans, each over the same ``replications`` seeds (and ``draws``, when
    given), on ``executor`` (default: this process; the caller closes it)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if MAXIMISE_GAIN else "minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    records = []
    changes = {design: design_changes(design) for design in DESIGNS}

    def objective(trial) -> float:
        suggest = {
            "categorical": lambda name, space: trial.suggest_categorical(name, space),
            "int": lambda name, space: trial.suggest_int(name, *space),
            "float": lambda name, space: trial.suggest_float(name, *space),
        }
        plan, shown = search_plan(
            scenario, changes, lambda name, kind, space: suggest[kind](name, space)
        )
        runs = evaluate_plan(scenario, plan, replications, seed, executor, draws)
        drawn = runs[DRAW].to_numpy() if draws else None
        gain, gain_low, gain_high = outcome_interval(runs[GAIN].to_numpy(), drawn)
        worst_cost = float(runs[COST].max())
        feasible = worst_cost <= budget
        records.append(
            {
                "trial": trial.number,
                **shown,
                "feasible": feasible,
                "gain_mean": gain,
                "gain_ci_low": gain_low,
                "gain_ci_high": gain_high,
                "cost_mean": float(runs[COST].mean()),
                "cost_max": worst_cost,
            }
        )
        if progress:
            progress(1)
        worst = 1e9 + worst_cost  # beyond any feasible plan's score, worse the dearer it is
        return gain if feasible else (-worst if MAXIMISE_GAIN else worst)

    study.optimize(objective, n_trials=trials)
    table = pd.DataFrame(records)
    best = table[table["feasible"]].sort_values(
        "gain_mean", ascending=not MAXIMISE_GAIN, kind="stable"
    )
    return OptimizationResult(table, best.head(top).reset_index(drop=True))
