"""What one run produced, as a flat dict of named numbers (the run's row in every table).

Names are ``<topic>.<measure>`` for per-topic outcomes and ``<group>.<measure>`` otherwise; each
is declared, with its label, unit and bounds, in :mod:`sim.outcome_registry` (listed by
``tpn outcomes``). The causal effect compares the run with its counterfactual, the same world and
seed under ``design="none"``.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.activity_kinds import ACTIVITY_KINDS, VIRTUAL_CAPABLE
from sim.evaluation import comparison_group, right_tailed_z_test, variance
from sim.payers import FUNDERS

if TYPE_CHECKING:
    from sim.model import TwinningModel


def outcomes(model: "TwinningModel", counterfactual: "TwinningModel") -> dict[str, float]:
    """All outcomes of a finished run; ``counterfactual`` is the same seed without twinning."""
    result: dict[str, float] = {}
    cells = indicator_cells(model, counterfactual)
    for t, topic in enumerate(model.world.topics.names):
        for measure, value in topic_outcomes(model, cells, t).items():
            result[f"{topic}.{measure}"] = value
    result.update(activity_outcomes(model))
    result.update(network_outcomes(model))
    result.update(cost_outcomes(model))
    points = 0.0
    gaps = competence_gaps(model, counterfactual)
    for t, topic in enumerate(model.world.topics.names):
        measures = sustainability_outcomes(model, gaps, t, result["costs.total"])
        result.update({f"{topic}.{k}": v for k, v in measures.items()})
        if not np.isnan(measures["institution_points"]):
            points += measures["institution_points"]
    # One number to buy with a budget; measured at the horizon, the window costs.total covers.
    result["gains.institution_points"] = points
    return result


def cost_outcomes(model) -> dict[str, float]:
    """Cash by payer and by activity, staff time, and what nobody could pay."""
    log = model.state.log
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
    result.update({f"costs.{k.name}": float(cash[kind == k.code].sum()) for k in ACTIVITY_KINDS})
    result["costs.staff_time"] = float(log.column("staff_days").sum()) * costs.get(
        "staff_day", float("nan")
    )
    enrolled = int(model.enrolled.sum())
    result["costs.per_member"] = total / enrolled if enrolled else float("nan")
    result["activities.unfunded"] = float(model.payers.unfunded.sum())
    exit_month = model.payers.exit_month
    years_after = (model.params.horizon_months - exit_month + 1) / 12
    held_after = int((log.column("month") >= exit_month).sum())
    result["activities.after_exit_per_year"] = (
        held_after / years_after if years_after > 0 else float("nan")
    )
    result["sustain.still_twinning"] = (
        float((model.state.twinning & model.enrolled).sum()) / enrolled
        if enrolled
        else float("nan")
    )
    return result


def sustainability_outcomes(
    model, gaps: dict[int, np.ndarray], t: int, total_cost: float
) -> dict[str, float]:
    """Causal gains of members over time after the donor leaves, and their price; ``gaps`` are
    :func:`competence_gaps` (shared by every topic).

    Gains are priced at the horizon, the window over which the cash was spent: spending after
    the endline buys gains after the endline."""
    world, horizon = model.world, model.params.horizon_months
    members = world.applies[:, t] & model.member
    span = world.topics.span[t]

    def effect(month: int) -> float:
        if month > horizon or not members.any():
            return float("nan")
        return float(gaps[month][members, t].mean() * span)

    exit_month = min(model.payers.exit_month, horizon)
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


def competence_gaps(model, counterfactual) -> dict[int, np.ndarray]:
    """Competence with twinning minus without, (N, K), in the months
    :func:`sustainability_outcomes` reads: at the donor's exit, two and five years after, and at
    the horizon (each cell the same arithmetic as on one topic's column)."""
    horizon = model.params.horizon_months
    exit_month = min(model.payers.exit_month, horizon)
    months = {exit_month, exit_month + 24, exit_month + 60, horizon}
    return {
        month: model.competence_by_month[month].astype(float)
        - counterfactual.competence_by_month[month]
        for month in sorted(months)
        if month <= horizon
    }


def indicator_cells(model, counterfactual) -> dict[str, np.ndarray]:
    """(N, K) arrays the per-topic outcomes read, each computed once for every topic: the
    measured change from baseline to endline, the true indicator at both, the causal effect at
    endline, the change without twinning and the measurement noise in the change. Cell by cell
    these are the same arithmetic as on one topic's column; only the means stay per topic."""
    topics, end = model.world.topics, model.params.evaluation.endline_month
    measured_start, measured_end = model.measured(0), model.measured(end)
    truth_start = topics.scale_min + topics.span * model.competence_by_month[0].astype(float)
    truth_end = topics.scale_min + topics.span * model.competence_by_month[end].astype(float)
    truth_none = topics.scale_min + topics.span * counterfactual.competence_by_month[end].astype(
        float
    )
    return {
        "change": measured_end - measured_start,
        "truth_start": truth_start,
        "truth_end": truth_end,
        "effect": truth_end - truth_none,
        "change_without": truth_none - truth_start,
        "noise_change": (measured_end - truth_end) - (measured_start - truth_start),
    }


def topic_outcomes(model, cells: dict[str, np.ndarray], t: int) -> dict[str, float]:
    """The evaluation's comparison and the causal effect in topic ``t``; ``cells`` are
    :func:`indicator_cells`."""
    applies = model.world.applies[:, t]
    chose = model.rising_at_launch[:, t]
    compare, _ = comparison_group(model.member, applies, chose, model.params.evaluation.comparison)
    members = applies & model.member
    others = members & ~chose  # members that chose other topics (hosts of this one among them)
    change = cells["change"][:, t]
    chosen_change, compared_change = change[chose], change[compare]
    effect = cells["effect"][:, t]
    change_without = cells["change_without"][:, t]
    noise_change = cells["noise_change"][:, t]
    test = right_tailed_z_test(chosen_change, compared_change)
    return {
        "choosers": float(chose.sum()),
        "comparison": float(compare.sum()),
        "other_members": float(others.sum()),
        "chooser_change": _mean(chosen_change),
        "comparison_change": _mean(compared_change),
        "other_members_change": _mean(change[others]),
        "difference": _mean(chosen_change) - _mean(compared_change),
        "z": test.z,
        "p_value": test.p_value,
        "share_improved": _mean(chosen_change > 0),
        "share_declined": _mean(chosen_change < 0),
        "comparison_share_improved": _mean(compared_change > 0),
        "comparison_share_declined": _mean(compared_change < 0),
        "causal_effect": _mean(effect[chose]),
        "causal_effect_members": _mean(effect[members]),
        "comparison_effect": _mean(effect[compare]),
        "selection": _mean(change_without[chose]) - _mean(change_without[compare]),
        "regression_to_mean": _mean(noise_change[chose]) - _mean(noise_change[compare]),
        "spread_change": float(
            np.sqrt(variance(cells["truth_end"][applies, t]))
            - np.sqrt(variance(cells["truth_start"][applies, t]))
        ),
    }


def activity_outcomes(model) -> dict[str, float]:
    log = model.state.log
    result = {f"activities.{k.name}": float(log.held[k.code]) for k in ACTIVITY_KINDS}
    for k in VIRTUAL_CAPABLE:
        result[f"activities.{k.name}_virtual"] = float(log.held_virtual[k.code])
    result["activities.cancelled"] = float(log.cancelled.sum())
    result["activities.delayed"] = float(log.delayed.sum())
    result["activities.travel_person_days"] = float(log.column("travel_person_days").sum())
    return result


def network_outcomes(model) -> dict[str, float]:
    ties = model.state.ties
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
        "network.priority_switches": float(model.state.switches.sum()),
        "network.broken_ties": float((~ties.active).sum()),
    }


def _mean(values: np.ndarray) -> float:
    """``np.mean`` of a 1-D array (the same sum, divided by the same count), without its
    dispatch: outcomes take a few hundred means a run. NaN for no values."""
    count = len(values)
    return float(values.sum() / count) if count else float("nan")
