"""Prices and payers: every activity costs francs, somebody pays, or it does not happen.

Cash is priced from the world's ``costs.csv``; staff time is valued separately as an opportunity
cost and never needs a payer. Payers are tried in order: the donor (before it exits, within its
yearly budget), the Ministry's budget line (for the activities it covers), then the learner's
own institution if it decided to keep twinning at its own cost. Budgets are per budget year
(model months 0-11, 12-23, ...); the donor may also have a total cap. An activity nobody can
pay is not held and is counted as unfunded.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.activities import (
    COACHING,
    EXCHANGE_VISIT,
    LAUNCH_WORKSHOP,
    PROVINCIAL_EVENT,
    VIRTUAL_EVENT,
)

if TYPE_CHECKING:
    from sim.model import TwinningModel

DONOR, MOH, DISTRICT, HOSPITAL, NOBODY = 0, 1, 2, 3, -1
FUNDERS = ("donor", "moh", "district", "hospital")
MOH_ACTIVITIES = {
    "coaching_visit": COACHING,
    "exchange_visit": EXCHANGE_VISIT,
    "virtual_event": VIRTUAL_EVENT,
    "provincial_event": PROVINCIAL_EVENT,
}


class Funding:
    """Budgets spent so far and who keeps twinning after the donor leaves."""

    def __init__(self, model: "TwinningModel") -> None:
        self.model = model
        self.levers = model.params.funding
        self.costs = model.world.costs
        levers = self.levers
        self.exit_month = (
            levers.donor_exit_month
            if levers.donor_exit_month is not None
            else int(model.programme_end.max())
        )
        years = model.params.horizon_months // 12 + 1
        self.donor_spent = np.zeros(years)
        self.moh_spent = np.zeros(years)
        self.own_spent = np.zeros((years, len(model.member)))
        self.self_funding = np.zeros(len(model.member), dtype=bool)
        self.moh_covers = {MOH_ACTIVITIES[name] for name in levers.moh_pays_for}
        self.unfunded = np.zeros(5, dtype=np.int64)
        districts = model.world.district_names
        if levers.facilitation_base not in districts:
            from sim.errors import InputError

            raise InputError(
                model.params.name,
                "funding.facilitation_base",
                levers.facilitation_base,
                "a district of the world",
            )
        self.base_district = districts.index(levers.facilitation_base)

    @property
    def priced(self) -> bool:
        return self.costs is not None

    # Prices ---------------------------------------------------------------------------------
    def prices(
        self,
        kind: int,
        learners: np.ndarray,
        hosts: np.ndarray,
        virtual: np.ndarray,
        participants: int,
        days: float,
    ) -> np.ndarray:
        """Cash cost of each activity in RWF (zeros when the world has no costs.csv)."""
        count = len(virtual)
        if not self.priced:
            return np.zeros(count)
        c, model = self.costs, self.model
        index = model.world.district_index
        if kind == EXCHANGE_VISIT:
            km = model.road_km(index[learners], index[hosts])
            in_person = (
                (participants + 1) * days * c["per_diem"]
                + days * c["facilitator_day"]
                + 2 * km * c["vehicle_per_km"]
            )
        elif kind == COACHING:
            km = model.road_km(np.full(count, self.base_district), index[learners])
            in_person = days * (c["facilitator_day"] + c["per_diem"]) + 2 * km * c["vehicle_per_km"]
        elif kind == PROVINCIAL_EVENT:
            in_person = np.full(
                count,
                days * (c["event_venue"] + participants * c["per_diem"])
                + participants * c["event_transport"],
            )
        elif kind == LAUNCH_WORKSHOP:
            in_person = np.full(count, participants * days * c["workshop_participant_day"])
        else:  # virtual events are virtual by nature
            in_person = np.full(
                count, c["virtual_platform"] + participants * c["virtual_data_bundle"]
            )
        online_fixed = (
            c["virtual_platform"]
            if kind in (VIRTUAL_EVENT, PROVINCIAL_EVENT)
            else 0.5 * c["facilitator_day"]
        )
        online = online_fixed + participants * c["virtual_data_bundle"]
        return np.where(virtual, online, in_person)

    def staff_days(
        self, kind: int, virtual: np.ndarray, participants: int, days: float
    ) -> np.ndarray:
        """Person-days of district and hospital staff (valued at ``staff_day``, not cash); an
        exchange visit adds its host's ``host_staff_days`` (unknown, so 0, without costs.csv)."""
        hosting = self.costs["host_staff_days"] if self.priced and kind == EXCHANGE_VISIT else 0.0
        share = self.model.params.schedule.virtual_staff_time_share
        return (participants * days + hosting) * np.where(virtual, share, 1.0)

    # Payers ---------------------------------------------------------------------------------
    def pay(self, kind: int, month: int, learners: np.ndarray, costs: np.ndarray) -> np.ndarray:
        """Charge each activity to the first payer able to, in list order (first come, first
        served within a budget); returns the payer of each, ``NOBODY`` where none could."""
        payer = np.full(len(costs), NOBODY)
        year = month // 12
        if month < self.exit_month:
            total = self.levers.donor_budget_total
            self._charge(
                payer,
                costs,
                DONOR,
                self.donor_spent,
                year,
                self.levers.donor_budget_per_year,
                np.inf if total is None else total,
            )
        if (
            kind in self.moh_covers
            and month >= self.exit_month
            and self.levers.moh_budget_per_year > 0
        ):
            self._charge(payer, costs, MOH, self.moh_spent, year, self.levers.moh_budget_per_year)
        if self.self_funding.any():
            self._charge_own(payer, costs, learners, year)
        self.unfunded[kind] += int((payer == NOBODY).sum())
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
        kinds = np.where(self.model.world.kind[who] == "hospital", HOSPITAL, DISTRICT)
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

    # Donor exit -------------------------------------------------------------------------------
    def donor_leaves(self, rng: np.random.Generator) -> None:
        """Each enrolled institution decides whether it keeps twinning once the donor has gone.

        With a Ministry budget line the network is kept going by the Ministry; otherwise an
        institution carries on at its own cost with a chance that rises with its leaders'
        commitment and, for DHMTs, with performance contracts. Those that stop end their ties.
        """
        model, levers = self.model, self.levers
        chance = levers.self_funding_base + levers.self_funding_leadership * model.leadership
        if levers.performance_contracts:
            chance = chance + levers.contract_self_funding_boost * (model.world.kind == "dhmt")
        draws = rng.random(len(model.member))
        self.self_funding = model.enrolled & (draws < chance)
        if levers.moh_budget_per_year > 0:
            model.twinning = model.enrolled.copy()
        else:
            model.twinning = self.self_funding.copy()
        ties = model.ties
        stopped = ~model.twinning
        model.end_ties(np.flatnonzero(ties.active & (stopped[ties.learner] | stopped[ties.host])))
        model.matcher.withdraw(stopped)
