"""What one run produced, as a flat dict of named numbers (the run's row in every table).

Names are ``<topic>.<measure>`` for per-topic outcomes and ``<group>.<measure>`` otherwise; each
is declared, with its label, unit and bounds, in :mod:`sim.outcome_registry` (listed by
``tpn outcomes``). The causal effect compares the run with its counterfactual, the same world and
seed under ``design="none"``.
"""

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.activity_kinds import ACTIVITY_KINDS, VIRTUAL_CAPABLE
from sim.evaluation import (
    column_means,
    column_variances,
    comparison_groups,
    right_tailed_z_tests,
)
from sim.payers import FUNDERS

if TYPE_CHECKING:
    from sim.model import TwinningModel


def outcomes(model: "TwinningModel", counterfactual: "TwinningModel") -> dict[str, float]:
    """All outcomes of a finished run; ``counterfactual`` is the same seed without twinning."""
    result: dict[str, float] = {}
    topics = model.world.topics.names
    by_topic = _lists(topic_outcomes(model, indicator_cells(model, counterfactual)))
    for t, topic in enumerate(topics):
        result.update({f"{topic}.{measure}": float(v[t]) for measure, v in by_topic.items()})
    result.update(activity_outcomes(model))
    result.update(network_outcomes(model))
    result.update(cost_outcomes(model))
    gaps = competence_gaps(model, counterfactual)
    sustained = _lists(sustainability_outcomes(model, gaps, result["costs.total"]))
    points = 0.0
    for t, topic in enumerate(topics):
        result.update({f"{topic}.{measure}": float(v[t]) for measure, v in sustained.items()})
        if not math.isnan(sustained["institution_points"][t]):
            points += sustained["institution_points"][t]
    # One number to buy with a budget; measured at the horizon, the window costs.total covers.
    result["gains.institution_points"] = points
    return result


def _lists(by_topic: dict[str, np.ndarray]) -> dict[str, list]:
    """Each measure's topics as Python numbers: the row takes them one by one."""
    return {measure: values.tolist() for measure, values in by_topic.items()}


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
    model, gaps: dict[int, np.ndarray], total_cost: float
) -> dict[str, np.ndarray]:
    """Per topic (K,): causal gains of members over time after the donor leaves, and their
    price; ``gaps`` are :func:`competence_gaps`.

    Gains are priced at the horizon, the window over which the cash was spent: spending after
    the endline buys gains after the endline."""
    world, horizon = model.world, model.params.horizon_months
    members = world.applies & model.member[:, None]
    nothing = np.full(len(world.topics.names), np.nan)

    def effect(month: int) -> np.ndarray:
        if month > horizon:
            return nothing
        return column_means(gaps[month], members) * world.topics.span

    exit_month = min(model.payers.exit_month, horizon)
    at_exit, at_end = effect(exit_month), effect(horizon)
    points = at_end * members.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "institution_points": points,
            "cost_per_point": np.where(points > 0, total_cost / points, np.nan),
            "effect_at_exit": at_exit,
            "effect_2y_after_exit": effect(exit_month + 24),
            "effect_5y_after_exit": effect(exit_month + 60),
            "gain_retained": np.where(at_exit > 0, at_end / at_exit, np.nan),
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
    these are the same arithmetic as on one topic's column; the means over each topic's groups
    are column statistics (:mod:`sim.evaluation`)."""
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


def topic_outcomes(model, cells: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per topic (K,): the evaluation's comparison and the causal effect; ``cells`` are
    :func:`indicator_cells`."""
    applies, chose = model.world.applies, model.rising_at_launch
    compare, _ = comparison_groups(model.member, applies, chose, model.params.evaluation.comparison)
    members = applies & model.member[:, None]
    others = members & ~chose  # members that chose other topics (hosts of this one among them)
    change, effect = cells["change"], cells["effect"]
    chosen_change, compared_change = column_means(change, chose), column_means(change, compare)
    z, p_value = right_tailed_z_tests(change, chose, compare)
    spread = {
        when: np.sqrt(column_variances(cells[f"truth_{when}"], applies))
        for when in ("start", "end")
    }
    return {
        "choosers": chose.sum(axis=0),
        "comparison": compare.sum(axis=0),
        "other_members": others.sum(axis=0),
        "chooser_change": chosen_change,
        "comparison_change": compared_change,
        "other_members_change": column_means(change, others),
        "difference": chosen_change - compared_change,
        "z": z,
        "p_value": p_value,
        "share_improved": column_means(change > 0, chose),
        "share_declined": column_means(change < 0, chose),
        "comparison_share_improved": column_means(change > 0, compare),
        "comparison_share_declined": column_means(change < 0, compare),
        "causal_effect": column_means(effect, chose),
        "causal_effect_members": column_means(effect, members),
        "comparison_effect": column_means(effect, compare),
        "selection": _between(cells["change_without"], chose, compare),
        "regression_to_mean": _between(cells["noise_change"], chose, compare),
        "spread_change": spread["end"] - spread["start"],
    }


def _between(values: np.ndarray, chose: np.ndarray, compare: np.ndarray) -> np.ndarray:
    """Choosers' mean minus the comparison's, per topic."""
    return column_means(values, chose) - column_means(values, compare)


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
