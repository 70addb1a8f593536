"""What one run produced, as a flat dict of named numbers (the run's row in every table).

Names are ``<topic>.<measure>`` for per-topic outcomes and ``<group>.<measure>`` otherwise; the
list with definitions is :data:`OUTCOME_DEFINITIONS` (shown by ``tpn outcomes``). The causal
effect compares the run with its counterfactual, the same world and seed under ``design="none"``.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.activities import ACTIVITY_NAMES
from sim.evaluation import comparison_group, right_tailed_z_test
from sim.funding import FUNDERS

if TYPE_CHECKING:
    from sim.model import TwinningModel

TOPIC_MEASURES: dict[str, str] = {
    "choosers": "institutions that chose the topic as a priority at launch (count)",
    "comparison": "institutions in the comparison group (non-members, else non-choosers; count)",
    "chooser_change": "mean change of the measured indicator of choosers, baseline to endline (indicator units)",
    "comparison_change": "the same for the comparison group (indicator units)",
    "difference": "chooser_change minus comparison_change: what the evaluation measured (indicator units)",
    "z": "right-tailed two-sample z statistic of the difference",
    "p_value": "its P-value",
    "share_improved": "share of choosers whose measured indicator rose",
    "share_declined": "share of choosers whose measured indicator fell",
    "causal_effect": "mean endline true indicator of choosers minus the same without twinning (indicator units)",
    "causal_effect_members": "the same over every member the topic applies to, hosts included (indicator units)",
    "comparison_effect": "the same causal effect on the comparison group, a spillover, 0 for non-members (indicator units)",
    "selection": "choosers' minus comparison's true change without twinning: who chooses (indicator units)",
    "regression_to_mean": "choosers' minus comparison's change in measurement error (indicator units)",
    "spread_change": "change of the standard deviation of the true indicator across institutions (indicator units)",
    "institution_points": "causal gain of members at the horizon, summed over them (institution-points)",
    "cost_per_point": "cash cost of the whole programme up to the horizon per institution-point of this topic at the horizon (RWF)",
    "effect_at_exit": "causal effect on members when the donor leaves (indicator units)",
    "effect_2y_after_exit": "the same two years after donor exit, NaN beyond the horizon (indicator units)",
    "effect_5y_after_exit": "the same five years after donor exit, NaN beyond the horizon (indicator units)",
    "gain_retained": "effect at the horizon over effect at donor exit: gains kept versus lost",
}
RUN_MEASURES: dict[str, str] = {
    **{f"activities.{name}": f"{name.replace('_', ' ')}s held (count)" for name in ACTIVITY_NAMES},
    **{
        f"activities.{name}_virtual": f"{name.replace('_', ' ')}s held virtually (count)"
        for name in ACTIVITY_NAMES[:4]
    },
    "activities.cancelled": "activities cancelled by workload shocks or broken partnerships (count)",
    "activities.delayed": "activity-months lost to delays (count)",
    "activities.travel_person_days": "person-days of travel for activities held in person",
    "network.ties": "rising-shining ties formed at launch (count)",
    "network.hosts": "institutions hosting at least one tie at launch (count)",
    "network.ties_per_host": "mean ties per host at launch",
    "network.max_host_load": "most ties held by one host at launch",
    "network.reciprocity": "share of partnerships whose host also learns from its learner",
    "network.unmatched_priorities": "rising topics with no stronger peer to learn from (count)",
    "network.over_capacity": "ties given to a host already at host_capacity (count)",
    "network.priority_switches": "mid-course priority switches (count)",
    "network.broken_ties": "ties ended by priority switches or by stopping to twin (count)",
    "costs.total": "cash cost of every activity held (RWF)",
    "costs.total_usd": "the same at the costs.csv exchange rate (USD)",
    **{f"costs.{funder}": f"cash paid by the {funder} (RWF)" for funder in FUNDERS},
    **{
        f"costs.{name}": f"cash spent on {name.replace('_', ' ')}s (RWF)" for name in ACTIVITY_NAMES
    },
    "costs.staff_time": "district and hospital staff time, valued at staff_day (RWF, not cash)",
    "costs.per_member": "cash cost per enrolled institution (RWF)",
    "activities.unfunded": "activities not held because nobody could pay (count)",
    "activities.after_exit_per_year": "activities held per year after the donor left",
    "sustain.still_twinning": "share of enrolled institutions still twinning at the horizon",
    "gains.institution_points": "causal gain at the horizon summed over members and topics, the gain that costs.total buys (institution-points)",
    "costs.icer_vs_first": "tpn compare only: extra cash per extra institution-point against the first scenario, for a scenario that gains more; negative if also cheaper, blank if it gains no more (RWF)",
}
OUTCOME_DEFINITIONS = {**{f"<topic>.{k}": v for k, v in TOPIC_MEASURES.items()}, **RUN_MEASURES}


def outcome_names(topics: tuple[str, ...]) -> list[str]:
    """Every outcome a run reports, for a world with these topics."""
    return [f"{t}.{m}" for t in topics for m in TOPIC_MEASURES] + list(RUN_MEASURES)


def outcomes(model: "TwinningModel", counterfactual: "TwinningModel") -> dict[str, float]:
    """All outcomes of a finished run; ``counterfactual`` is the same seed without twinning."""
    result: dict[str, float] = {}
    for t, topic in enumerate(model.world.topics.names):
        for measure, value in topic_outcomes(model, counterfactual, t).items():
            result[f"{topic}.{measure}"] = value
    result.update(activity_outcomes(model))
    result.update(network_outcomes(model))
    result.update(cost_outcomes(model))
    points = 0.0
    for t, topic in enumerate(model.world.topics.names):
        measures = sustainability_outcomes(model, counterfactual, t, result["costs.total"])
        result.update({f"{topic}.{k}": v for k, v in measures.items()})
        if not np.isnan(measures["institution_points"]):
            points += measures["institution_points"]
    # One number to buy with a budget; measured at the horizon, the window costs.total covers.
    result["gains.institution_points"] = points
    return result


def cost_outcomes(model) -> dict[str, float]:
    """Cash by payer and by activity, staff time, and what nobody could pay."""
    log = model.log
    cash, payer, kind = log.column("cash_rwf"), log.column("payer"), log.column("kind")
    costs = model.world.costs or {}
    total = float(cash.sum())
    result = {
        "costs.total": total,
        "costs.total_usd": total / costs["exchange_rate"] if costs else float("nan"),
    }
    result.update(
        {f"costs.{funder}": float(cash[payer == code].sum()) for code, funder in enumerate(FUNDERS)}
    )
    result.update(
        {f"costs.{name}": float(cash[kind == k].sum()) for k, name in enumerate(ACTIVITY_NAMES)}
    )
    result["costs.staff_time"] = float(log.column("staff_days").sum()) * costs.get(
        "staff_day", float("nan")
    )
    enrolled = int(model.enrolled.sum())
    result["costs.per_member"] = total / enrolled if enrolled else float("nan")
    result["activities.unfunded"] = float(model.funding.unfunded.sum())
    exit_month = model.funding.exit_month
    years_after = (model.params.horizon_months - exit_month + 1) / 12
    held_after = int((log.column("month") >= exit_month).sum())
    result["activities.after_exit_per_year"] = (
        held_after / years_after if years_after > 0 else float("nan")
    )
    result["sustain.still_twinning"] = (
        float((model.twinning & model.enrolled).sum()) / enrolled if enrolled else float("nan")
    )
    return result


def sustainability_outcomes(model, counterfactual, t: int, total_cost: float) -> dict[str, float]:
    """Causal gains of members over time after the donor leaves, and their price.

    Gains are priced at the horizon, the window over which the cash was spent: spending after
    the endline buys gains after the endline."""
    world, horizon = model.world, model.params.horizon_months
    members = world.applies[:, t] & model.member
    span = world.topics.span[t]

    def effect(month: int) -> float:
        if month > horizon or not members.any():
            return float("nan")
        gap = (
            model.competence_by_month[month][members, t].astype(float)
            - (counterfactual.competence_by_month[month][members, t])
        )
        return float(gap.mean() * span)

    exit_month = min(model.funding.exit_month, horizon)
    at_exit, at_end = effect(exit_month), effect(horizon)
    points = at_end * members.sum()
    return {
        "institution_points": points,
        "cost_per_point": total_cost / points if points > 0 else float("nan"),
        "effect_at_exit": at_exit,
        "effect_2y_after_exit": effect(exit_month + 24),
        "effect_5y_after_exit": effect(exit_month + 60),
        "gain_retained": at_end / at_exit if at_exit > 0 else float("nan"),
    }


def topic_outcomes(model, counterfactual, t: int) -> dict[str, float]:
    world, end = model.world, model.params.evaluation.endline_month
    applies = world.applies[:, t]
    chose = model.rising_at_launch[:, t]
    compare, _ = comparison_group(model.member, applies, chose, model.params.evaluation.comparison)
    measured_start, measured_end = model.measured(0)[:, t], model.measured(end)[:, t]
    change = measured_end - measured_start
    low, span = world.topics.scale_min[t], world.topics.span[t]
    truth_start = low + span * model.competence_by_month[0][:, t].astype(float)
    truth_end = low + span * model.competence_by_month[end][:, t].astype(float)
    truth_none = low + span * counterfactual.competence_by_month[end][:, t].astype(float)
    effect = truth_end - truth_none
    change_without = truth_none - truth_start
    noise_change = (measured_end - truth_end) - (measured_start - truth_start)
    test = right_tailed_z_test(change[chose], change[compare])
    members = applies & model.member
    return {
        "choosers": float(chose.sum()),
        "comparison": float(compare.sum()),
        "chooser_change": _mean(change[chose]),
        "comparison_change": _mean(change[compare]),
        "difference": _mean(change[chose]) - _mean(change[compare]),
        "z": test.z,
        "p_value": test.p_value,
        "share_improved": _mean(change[chose] > 0),
        "share_declined": _mean(change[chose] < 0),
        "causal_effect": _mean(effect[chose]),
        "causal_effect_members": _mean(effect[members]),
        "comparison_effect": _mean(effect[compare]),
        "selection": _mean(change_without[chose]) - _mean(change_without[compare]),
        "regression_to_mean": _mean(noise_change[chose]) - _mean(noise_change[compare]),
        "spread_change": float(np.std(truth_end[applies]) - np.std(truth_start[applies])),
    }


def activity_outcomes(model) -> dict[str, float]:
    log = model.log
    result = {f"activities.{name}": float(log.held[k]) for k, name in enumerate(ACTIVITY_NAMES)}
    for k, name in enumerate(ACTIVITY_NAMES[:4]):
        result[f"activities.{name}_virtual"] = float(log.held_virtual[k])
    result["activities.cancelled"] = float(log.cancelled.sum())
    result["activities.delayed"] = float(log.delayed.sum())
    result["activities.travel_person_days"] = float(log.column("travel_person_days").sum())
    return result


def network_outcomes(model) -> dict[str, float]:
    ties = model.ties
    initial = slice(0, model.initial_tie_count)
    learner, host = ties.learner[initial], ties.host[initial]
    load = np.bincount(host, minlength=len(model.member))
    hosts = int((load > 0).sum())
    pairs = set(zip(learner.tolist(), host.tolist(), strict=True))
    reciprocal = sum((h, lr) in pairs for lr, h in pairs)
    return {
        "network.ties": float(len(learner)),
        "network.hosts": float(hosts),
        "network.ties_per_host": float(len(learner) / hosts) if hosts else 0.0,
        "network.max_host_load": float(load.max()) if len(load) else 0.0,
        "network.reciprocity": reciprocal / len(pairs) if pairs else 0.0,
        "network.unmatched_priorities": float(model.unmatched),
        "network.over_capacity": float(model.matcher.over_capacity),
        "network.priority_switches": float(model.switches),
        "network.broken_ties": float((~ties.active).sum()),
    }


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
