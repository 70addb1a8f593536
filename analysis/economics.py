"""Health-economics conventions over a comparison's runs: the cost-effectiveness frontier with
dominance and extended dominance, net monetary benefit, the cost-effectiveness acceptability
curve (CEAC) and a year-by-year budget impact by funder.

Effect is the causal gain summed over members and topics (``gains.institution_points``, in
institution-points) and cost the cash spent on activities (``costs.total``, RWF). Both are
measured against the same world without twinning, which costs nothing and gains nothing, so
"no twinning" is always an option at (0, 0), whether or not it was run.

- Frontier (Drummond et al., *Methods for the Economic Evaluation of Health Care Programmes*,
  4th ed., 2015, ch. 4): options sorted by cost; one is **dominated** when another costs no more
  and gains no less (better in one of the two); one is **extendedly dominated** when its ICER
  against the next cheaper option is higher than that of the next dearer one: a mix of those
  two would buy more gain for the same money. The incremental cost-effectiveness ratio (ICER)
  of a frontier option is its extra cost per extra institution-point over the next cheaper
  frontier option; the ICERs rise along the frontier, and the option with the highest expected
  net benefit at a willingness-to-pay ``w`` is the dearest frontier option whose ICER is <= w.
- Net monetary benefit (Stinnett and Mullahy, *Med Decis Making* 1998;18:S68): ``w x gain -
  cost``, in RWF, with ``w`` the willingness-to-pay per institution-point.
- CEAC (van Hout et al., *Health Econ* 1994;3:309; Fenwick et al., *Health Econ* 2001;10:779):
  at each ``w``, the share of worlds in which each option has the highest net benefit. A world
  is one replication (common seeds pair the options: chance only, at the scenario's parameters)
  or, when the runs drew their parameters from a posterior, one plausible parameter set (the
  mean of its seeds): then the curve carries what the calibration leaves unknown.
- Budget impact (Sullivan et al., *Value Health* 2014;17:5, ISPOR good practice): the cash each
  funder pays in each budget year (model months 0-11, 12-23, ..., as :mod:`sim.payers` budgets
  them), the mean over replications, through the donor's exit and after.

Why written here: the package index has two Python health-economics packages (heormodel 0.7,
pyheor 0.4), both young 0.x frameworks for Markov cohort and microsimulation models whose
cost-effectiveness functions take their own model objects; none takes a table of simulated
replications. The formulas are a few lines each, and ``tests/test_economics.py`` checks them on
closed-form cases.
"""

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from analysis.uncertainty import draw_means
from experiments.replicate import DRAW
from sim.calendar import launch_months
from sim.params import Scenario
from sim.payers import FUNDERS

COST, GAIN = "costs.total", "gains.institution_points"
NO_TWINNING = "no twinning"  # the option every run is measured against: cost 0, gain 0
ON_FRONTIER, DOMINATED, EXTENDED = "on the frontier", "dominated", "extendedly dominated"
# Willingness-to-pay per institution-point (RWF) at which the CEAC is tabulated. Assumption:
# Rwanda has no threshold per institution-point; the range spans the shipped designs' ICERs
# (about 40,000 to 110,000 RWF per point) and several times beyond.
WTP_RWF_PER_POINT = (0, 25_000, 50_000, 100_000, 200_000, 500_000)
# The same range every 2,500 RWF, for the CEAC's figure (it holds every tabulated price, so the
# figure's curve passes through the table's values).
WTP_CURVE_RWF_PER_POINT = tuple(range(0, WTP_RWF_PER_POINT[-1] + 1, 2_500))


def frontier(costs: Sequence[float], effects: Sequence[float]) -> pd.DataFrame:
    """Per option, in the order given: ``status`` (on the frontier, dominated, extendedly
    dominated), ``icer`` (extra cost per extra unit of effect over ``compared_with``, the next
    cheaper frontier option; NaN for the cheapest frontier option and off the frontier) and
    ``compared_with`` (that option's position, -1 if none). Of options with equal cost and
    effect, the first given stays on the frontier."""
    costs, effects = np.asarray(costs, dtype=float), np.asarray(effects, dtype=float)
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -effects[i], i))
    status = [ON_FRONTIER] * len(costs)
    for rank, i in enumerate(order):
        for j in order[:rank]:
            if costs[j] <= costs[i] and effects[j] >= effects[i]:
                status[i] = DOMINATED
                break
    kept = [i for i in order if status[i] == ON_FRONTIER]
    while True:
        ratios = _icers(kept, costs, effects)
        worse = [k for k in range(1, len(kept) - 1) if ratios[k] > ratios[k + 1]]
        if not worse:
            break
        status[kept[worse[0]]] = EXTENDED
        kept.pop(worse[0])
    icer, compared = np.full(len(costs), np.nan), np.full(len(costs), -1)
    for k, i in enumerate(kept[1:], 1):
        icer[i], compared[i] = ratios[k], kept[k - 1]
    return pd.DataFrame({"status": status, "icer": icer, "compared_with": compared})


def _icers(kept: list[int], costs: np.ndarray, effects: np.ndarray) -> list[float]:
    """The ICER of each kept option over the one before it (NaN for the first)."""
    return [np.nan] + [(costs[b] - costs[a]) / (effects[b] - effects[a]) for a, b in pairwise(kept)]


def net_benefit(gain, cost, wtp: float):
    """Net monetary benefit in RWF: ``wtp`` (RWF per institution-point) x gain - cost."""
    return wtp * gain - cost


def with_no_twinning(names: Sequence[str], designs: Sequence[str]) -> list[str]:
    """The options a comparison chooses between: its scenarios, and no twinning at (0, 0)
    unless one of them is already the design "none"."""
    return list(names) if "none" in designs else [*names, NO_TWINNING]


def worlds(runs: pd.DataFrame, names: Sequence[str], outcome: str) -> pd.DataFrame:
    """One row per world, one column per option: the outcome of each replication (paired by
    common seeds), or with a posterior each parameter set's mean over its seeds. The implicit
    no-twinning option (a name that is no scenario of ``runs``) is 0 everywhere."""
    ran = [n for n in names if n in set(runs["scenario"])]
    if DRAW in runs.columns:
        wide = draw_means(runs, ran, outcome)
    else:
        wide = runs.pivot(index="replication", columns="scenario", values=outcome)[ran]
    return wide.astype(float).assign(**{n: 0.0 for n in names if n not in ran})[list(names)]


def cost_effectiveness(runs: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per option: mean cost and gain over the worlds, frontier status, ICER against the next
    cheaper frontier option (named in ``compared_with``) and cost per point against no
    twinning; cheapest first."""
    costs, gains = worlds(runs, names, COST).mean(), worlds(runs, names, GAIN).mean()
    return frontier_of(list(names), costs.to_numpy(), gains.to_numpy())


def frontier_of(names: list[str], costs: np.ndarray, gains: np.ndarray) -> pd.DataFrame:
    """:func:`frontier` of named options, as :func:`cost_effectiveness` returns it."""
    table = frontier(costs, gains)
    table.insert(0, "scenario", names)
    table.insert(1, "cost", costs)
    table.insert(2, "gain", gains)
    table["compared_with"] = [names[i] if i >= 0 else "" for i in table["compared_with"]]
    table["cost_per_point"] = np.divide(
        costs, gains, out=np.full(len(names), np.nan), where=gains > 0
    )
    return table.sort_values(["cost", "gain"], ascending=[True, False]).reset_index(drop=True)


def acceptability(gains: pd.DataFrame, costs: pd.DataFrame, wtps: Sequence[float]) -> pd.DataFrame:
    """The CEAC: per willingness-to-pay and option, the share of worlds (rows of ``gains`` and
    ``costs``, one column per option) in which the option has the highest net benefit (ties
    shared equally), its mean net benefit in RWF, and whether that mean is the highest (the
    option to choose on expected value at that price)."""
    rows = []
    for wtp in wtps:
        benefit = net_benefit(gains.to_numpy(), costs.to_numpy(), wtp)
        top = benefit == benefit.max(axis=1, keepdims=True)
        share = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        mean = benefit.mean(axis=0)
        for k, name in enumerate(gains.columns):
            rows.append(
                {
                    "wtp": float(wtp),
                    "scenario": name,
                    "probability_best": float(share[k]),
                    "net_benefit": float(mean[k]),
                    "best_on_average": bool(k == int(np.argmax(mean))),
                }
            )
    return pd.DataFrame(rows)


def acceptability_curve(
    runs: pd.DataFrame, names: Sequence[str], wtps: Sequence[float] = WTP_RWF_PER_POINT
) -> pd.DataFrame:
    """:func:`acceptability` over a comparison's runs (every scenario's, named by
    ``scenario``), over replications or posterior draws (:func:`worlds`)."""
    return acceptability(worlds(runs, names, GAIN), worlds(runs, names, COST), wtps)


def budget_impact(
    activities: pd.DataFrame,
    replications: int,
    start_date: str,
    horizon_months: int,
    exit_month: int,
) -> pd.DataFrame:
    """Per budget year (model months 12k to 12k + 11): its calendar months, its phase (the
    donor pays, the donor leaves, after the donor), the mean cash in RWF each funder of
    :data:`sim.payers.FUNDERS` paid, and their total.

    ``activities``: the activities held (columns ``replication``, ``month``, ``cash_rwf``,
    ``payer``) in ``replications`` runs; a run that held none paid nothing and still counts.
    ``exit_month``: the first month the donor no longer pays."""
    years = max(
        (horizon_months - 1) // 12, int(activities["month"].max() // 12) if len(activities) else 0
    )
    paid = (
        activities.assign(year=activities["month"] // 12)
        .groupby(["year", "payer"])["cash_rwf"]
        .sum()
        .unstack("payer")
        .reindex(index=range(years + 1), columns=list(FUNDERS))
        .fillna(0.0)
        / replications
    )
    first = pd.Period(start_date, freq="M")
    table = pd.DataFrame(
        {
            "year": range(1, years + 2),
            "first_month": [12 * y for y in range(years + 1)],
            "last_month": [min(12 * y + 11, horizon_months - 1) for y in range(years + 1)],
        }
    )
    table["months"] = [
        f"{(first + a).strftime('%b %Y')} to {(first + b).strftime('%b %Y')}"
        for a, b in zip(table["first_month"], table["last_month"], strict=True)
    ]
    table["phase"] = [
        "donor pays" if b < exit_month else "after the donor" if a >= exit_month else "donor leaves"
        for a, b in zip(table["first_month"], table["last_month"], strict=True)
    ]
    for funder in FUNDERS:
        table[funder] = paid[funder].to_numpy()
    table["total"] = paid.sum(axis=1).to_numpy()
    return table


def donor_exit_month(scenario: Scenario, provinces: int) -> int:
    """The first model month the donor no longer pays, as :class:`sim.payers.Payers` sets it:
    the scenario's ``donor_exit_month``, else the end of the last province's programme."""
    if scenario.funding.donor_exit_month is not None:
        return scenario.funding.donor_exit_month
    launch = launch_months(scenario, np.arange(provinces), provinces)
    return int(launch.max()) + scenario.design.programme_months
