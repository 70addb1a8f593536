"""Who pays: every activity costs francs, somebody pays, or it does not happen.

Payers are tried in the order an activity kind lists them (:mod:`sim.activity_kinds`): the
donor (before it exits, within its yearly budget and any total cap), the Ministry's budget line
(once the donor has gone, for the kinds ``funding.moh_pays_for`` names), then the learner's own
institution if it decided to keep twinning at its own cost (within its own yearly budget).
Budgets are per budget year (model months 0-11, 12-23, ...). An activity nobody can pay is not
held and is counted as unfunded. Prices are in :mod:`sim.pricing`.
"""

import numpy as np

from sim.activity_kinds import ActivityKind
from sim.activity_log import per_kind
from sim.params import Funding

DONOR, MOH, DISTRICT, HOSPITAL, NOBODY = 0, 1, 2, 3, -1
FUNDERS = ("donor", "moh", "district", "hospital")  # by payer code, as in the activity log


class Payers:
    """The payers' ledger: budgets spent so far, what nobody could pay, and who keeps twinning
    at its own cost after the donor leaves."""

    def __init__(
        self,
        levers: Funding,
        horizon_months: int,
        hospital: np.ndarray,
        programme_end: np.ndarray,
    ) -> None:
        self.levers = levers
        self.hospital = hospital  # (N,) bool: a hospital pays as one, anyone else as a district
        self.exit_month = (
            levers.donor_exit_month
            if levers.donor_exit_month is not None
            else int(programme_end.max())
        )
        years = horizon_months // 12 + 1
        self.donor_spent = np.zeros(years)
        self.moh_spent = np.zeros(years)
        self.own_spent = np.zeros((years, len(hospital)))
        self.self_funding = np.zeros(len(hospital), dtype=bool)
        self.moh_covers = frozenset(levers.moh_pays_for)
        self.unfunded = per_kind()

    def pay(
        self,
        kind: ActivityKind,
        month: int,
        learners: np.ndarray,
        costs: np.ndarray,
        blocks: np.ndarray | None = None,
    ) -> np.ndarray:
        """Charge each activity to the first payer able to, in list order (first come, first
        served within a budget); returns the payer of each, ``NOBODY`` where none could.
        (``blocks``, the replication of each activity in a batch, are all this ledger's.)"""
        payer = np.full(len(costs), NOBODY)
        year = month // 12
        levers = self.levers
        if "donor" in kind.payers and month < self.exit_month:
            total = levers.donor_budget_total
            self._charge(
                payer,
                costs,
                DONOR,
                self.donor_spent,
                year,
                levers.donor_budget_per_year,
                np.inf if total is None else total,
            )
        if (
            kind.name in self.moh_covers
            and month >= self.exit_month
            and levers.moh_budget_per_year > 0
        ):
            self._charge(payer, costs, MOH, self.moh_spent, year, levers.moh_budget_per_year)
        if "own" in kind.payers and self.self_funding.any():
            self._charge_own(payer, costs, learners, year)
        self.unfunded[kind.code] += int((payer == NOBODY).sum())
        return payer

    def _charge_own(self, payer, costs, learners, year) -> None:
        """Institutions that twin at their own cost pay for their unpaid activities, each
        within its own yearly budget."""
        own = (payer == NOBODY) & (learners >= 0)
        own &= self.self_funding[np.maximum(learners, 0)]
        if not own.any():
            return
        rows = np.flatnonzero(own)
        who = learners[rows]
        order = np.argsort(who, kind="stable")
        rows, who = rows[order], who[order]
        running = np.cumsum(costs[rows])
        first = np.searchsorted(who, who, side="left")
        before = np.concatenate([[0.0], running])[first]
        within = running - before + self.own_spent[year, who]
        paid = within <= self.levers.self_funding_budget_per_year
        kinds = np.where(self.hospital[who], HOSPITAL, DISTRICT)
        payer[rows[paid]] = kinds[paid]
        np.add.at(self.own_spent[year], who[paid], costs[rows[paid]])

    @staticmethod
    def _charge(payer, costs, code, spent, year, budget, total=np.inf) -> None:
        """Pay the still unpaid activities in order while the year's budget (and the total,
        over all years) lasts."""
        open_rows = np.flatnonzero(payer == NOBODY)
        running = np.cumsum(costs[open_rows])
        within = spent[year] + running <= budget
        if total < np.inf:
            within &= spent.sum() + running <= total
        paid = open_rows[within]
        payer[paid] = code
        spent[year] += costs[paid].sum()

    def donor_leaves(
        self,
        draws: np.ndarray,
        leadership: np.ndarray,
        enrolled: np.ndarray,
        dhmt: np.ndarray,
    ) -> np.ndarray:
        """Each enrolled institution decides whether it keeps twinning once the donor has gone;
        returns who still twins.

        With a Ministry budget line the network is kept going by the Ministry; otherwise an
        institution carries on at its own cost with a chance that rises with its leaders'
        commitment and, for DHMTs (``dhmt``), with performance contracts; ``draws`` are one
        uniform draw per institution of the design stream.
        """
        levers = self.levers
        chance = levers.self_funding_base + levers.self_funding_leadership * leadership
        if levers.performance_contracts:
            chance = chance + levers.contract_self_funding_boost * dhmt
        self.self_funding = enrolled & (draws < chance)
        if levers.moh_budget_per_year > 0:
            return enrolled.copy()
        return self.self_funding.copy()
