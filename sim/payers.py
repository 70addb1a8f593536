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
    at its own cost after the donor leaves.

    One ledger may keep the books of a batch's replications side by side (``blocks`` of
    institutions, :meth:`side_by_side`): every budget is then its replication's own, and each
    activity is charged to its replication's (:meth:`of_block` hands a replication back its
    books)."""

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
        self.moh_covers = frozenset(levers.moh_pays_for)
        self.blocks, self.block = 1, np.zeros(len(hospital), dtype=np.int64)
        self.years = horizon_months // 12 + 1
        self.budgets = {  # one per replication
            name: np.array([np.inf if value is None else float(value)])
            for name, value in _budgets(levers).items()
        }
        self._books(len(hospital))

    def _books(self, institutions: int) -> None:
        """Empty books: nothing spent, nothing unfunded, nobody twinning at its own cost."""
        self._donor_spent = np.zeros((self.blocks, self.years))
        self._moh_spent = np.zeros((self.blocks, self.years))
        self.own_spent = np.zeros((self.years, institutions))
        self.self_funding = np.zeros(institutions, dtype=bool)
        self._unfunded = np.zeros((self.blocks, len(per_kind())), dtype=np.int64)

    @classmethod
    def side_by_side(cls, ledgers: list["Payers"]) -> "Payers":
        """New books for replications side by side, each under its own budgets (the donor's
        exit and what the Ministry pays for are the same in all: :func:`sim.batch.side_by_side`)."""
        first = ledgers[0]
        joined = cls.__new__(cls)
        joined.levers, joined.exit_month = first.levers, first.exit_month
        joined.moh_covers, joined.years = first.moh_covers, first.years
        joined.hospital = np.concatenate([ledger.hospital for ledger in ledgers])
        size = len(first.hospital)
        joined.blocks = len(ledgers)
        joined.block = np.repeat(np.arange(len(ledgers)), size)
        joined.budgets = {
            name: np.concatenate([ledger.budgets[name] for ledger in ledgers])
            for name in first.budgets
        }
        joined._books(len(joined.hospital))
        return joined

    def of_block(self, r: int, ledger: "Payers") -> None:
        """Give replication ``r``'s books to its own ``ledger``."""
        size = len(ledger.hospital)
        rows = slice(r * size, (r + 1) * size)
        ledger._donor_spent = self._donor_spent[r : r + 1].copy()
        ledger._moh_spent = self._moh_spent[r : r + 1].copy()
        ledger.own_spent = self.own_spent[:, rows].copy()
        ledger.self_funding = self.self_funding[rows].copy()
        ledger._unfunded = self._unfunded[r : r + 1].copy()

    # One replication's books ------------------------------------------------------------------
    @property
    def donor_spent(self) -> np.ndarray:
        """RWF the donor paid, by budget year."""
        return self._one(self._donor_spent)

    @property
    def moh_spent(self) -> np.ndarray:
        """RWF the Ministry's budget line paid, by budget year."""
        return self._one(self._moh_spent)

    @property
    def unfunded(self) -> np.ndarray:
        """Activities nobody could pay, by kind."""
        return self._one(self._unfunded)

    def _one(self, books: np.ndarray) -> np.ndarray:
        if self.blocks != 1:
            raise ValueError("Payers: a batch's books are by replication (of_block)")
        return books[0]

    def pay(
        self,
        kind: ActivityKind,
        month: int,
        learners: np.ndarray,
        costs: np.ndarray,
        blocks: np.ndarray,
    ) -> np.ndarray:
        """Charge each activity to the first payer able to, in list order (first come, first
        served within a replication's budget); returns the payer of each, ``NOBODY`` where none
        could. ``blocks``: the replication of each activity."""
        payer = np.full(len(costs), NOBODY)
        year, budgets = month // 12, self.budgets
        if "donor" in kind.payers and month < self.exit_month:
            self._charge(
                payer,
                costs,
                blocks,
                DONOR,
                self._donor_spent,
                year,
                budgets["donor_per_year"],
                budgets["donor_total"],
            )
        if kind.name in self.moh_covers and month >= self.exit_month:
            # Only a replication with a Ministry budget line pays from it.
            funded = budgets["moh_per_year"][blocks] > 0
            if funded.any():
                self._charge(
                    payer,
                    costs,
                    blocks,
                    MOH,
                    self._moh_spent,
                    year,
                    budgets["moh_per_year"],
                    funded=funded,
                )
        if "own" in kind.payers and self.self_funding.any():
            self._charge_own(payer, costs, learners, year)
        unpaid = payer == NOBODY
        if self.blocks == 1:
            self._unfunded[0, kind.code] += int(unpaid.sum())
        else:
            self._unfunded[:, kind.code] += np.bincount(blocks[unpaid], minlength=self.blocks)
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
        within = running_totals(costs[rows], who) + self.own_spent[year, who]
        paid = within <= self.budgets["own_per_year"][self.block[who]]
        kinds = np.where(self.hospital[who], HOSPITAL, DISTRICT)
        payer[rows[paid]] = kinds[paid]
        np.add.at(self.own_spent[year], who[paid], costs[rows[paid]])

    def _charge(
        self, payer, costs, blocks, code, spent, year, budget, total=None, funded=None
    ) -> None:
        """Pay each replication's still unpaid activities in order while its year's budget
        (and its total over all years) lasts. Running totals only grow, so those paid are the
        first of the replication's open ones, and its year's spending grows by the running
        total of the last one paid."""
        open_rows = payer == NOBODY
        if funded is not None:
            open_rows &= funded
        open_rows = np.flatnonzero(open_rows)
        block = blocks[open_rows]
        running = running_totals(costs[open_rows], block)
        within = spent[block, year] + running <= budget[block]
        if total is not None:
            within &= spent.sum(axis=1)[block] + running <= total[block]
        payer[open_rows[within]] = code
        last = np.zeros(self.blocks)
        np.maximum.at(last, block[within], running[within])
        spent[:, year] += last

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
        budgets, block = self.budgets, self.block
        chance = budgets["self_funding_base"][block] + (
            budgets["self_funding_leadership"][block] * leadership
        )
        if self.levers.performance_contracts:
            chance = chance + budgets["contract_self_funding_boost"][block] * dhmt
        self.self_funding = enrolled & (draws < chance)
        return np.where(budgets["moh_per_year"][block] > 0, enrolled, self.self_funding)


def _budgets(levers: Funding) -> dict[str, float | None]:
    """The levers each replication of a batch may set for itself (by name, in RWF a budget
    year unless said otherwise; the chances of self-funding are shares)."""
    return {
        "donor_per_year": levers.donor_budget_per_year,
        "donor_total": levers.donor_budget_total,  # None: no cap over all years
        "moh_per_year": levers.moh_budget_per_year,
        "own_per_year": levers.self_funding_budget_per_year,
        "self_funding_base": levers.self_funding_base,
        "self_funding_leadership": levers.self_funding_leadership,
        "contract_self_funding_boost": levers.contract_self_funding_boost,
    }


def running_totals(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` within each group, in order: each group's values added one
    by one, exactly as ``np.cumsum`` of that group alone adds them (a running sum along each
    row of a table with one group a row; the zeros that pad a row come after its values)."""
    if len(values) == 0 or groups.min() == groups.max():
        return np.cumsum(values)
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[0] - 1))
    counts = np.diff(np.append(starts, len(ordered)))
    row = np.repeat(np.arange(len(starts)), counts)
    column = np.arange(len(ordered)) - np.repeat(starts, counts)
    table = np.zeros((len(starts), counts.max()))
    table[row, column] = values[order]
    totals = np.empty(len(values))
    totals[order] = np.cumsum(table, axis=1)[row, column]
    return totals
