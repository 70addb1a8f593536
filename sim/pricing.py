"""What an activity costs: cash priced from the world's ``costs.csv``, and staff time.

Each kind of activity names its price formulas in its record (:mod:`sim.activity_kinds`); the
formulas are here, one function each, in RWF, from the unit costs ``c`` (``costs.csv`` items),
the staff taking part, the days and, for kinds that travel, the road km one way. Staff time is
valued separately as an opportunity cost (``staff_day``) and never needs a payer.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.errors import InputError

if TYPE_CHECKING:
    from sim.activity_kinds import ActivityKind
    from sim.geography import Geography

Costs = dict[str, float]


def exchange_visit_in_person(c: Costs, participants: int, days: float, km: np.ndarray):
    """Per diems of the travellers and their facilitator, a facilitator's days and the vehicle."""
    return (
        (participants + 1) * days * c["per_diem"]
        + days * c["facilitator_day"]
        + 2 * km * c["vehicle_per_km"]
    )


def coaching_visit_in_person(c: Costs, participants: int, days: float, km: np.ndarray):
    """A facilitator's days and per diem, and the vehicle from the facilitation base."""
    return days * (c["facilitator_day"] + c["per_diem"]) + 2 * km * c["vehicle_per_km"]


def provincial_event_in_person(c: Costs, participants: int, days: float, km: None):
    """Venue, participants' per diems and their transport."""
    return (
        days * (c["event_venue"] + participants * c["per_diem"])
        + participants * c["event_transport"]
    )


def workshop_in_person(c: Costs, participants: int, days: float, km: None):
    """One launch session or co-design workshop: its facilitation, and a day rate per
    participant (venue, meals, per diem)."""
    return days * (c["workshop_facilitation_day"] + participants * c["workshop_participant_day"])


def online_meeting(c: Costs, participants: int, days: float, km: np.ndarray | None):
    """A visit held online: half a facilitator day and a data bundle per participant."""
    return 0.5 * c["facilitator_day"] + participants * c["virtual_data_bundle"]


def online_event(c: Costs, participants: int, days: float, km: np.ndarray | None):
    """A learning event online: the platform and a data bundle per participant."""
    return c["virtual_platform"] + participants * c["virtual_data_bundle"]


class Pricing:
    """Prices activities for one run: the world's unit costs, its roads and the facilitation
    team's base (``funding.facilitation_base``, a district of the world)."""

    def __init__(
        self,
        costs: Costs | None,
        geography: "Geography",
        base: str,
        virtual_staff_time_share: float,
        source: str,
    ) -> None:
        if base not in geography.district_names:
            raise InputError(source, "funding.facilitation_base", base, "a district of the world")
        self.costs = costs
        self.geography = geography
        self.base_district = geography.district_names.index(base)
        self.virtual_staff_time_share = virtual_staff_time_share

    @property
    def priced(self) -> bool:
        """Whether the world has a costs.csv (without one every price is zero)."""
        return self.costs is not None

    def cash(
        self,
        kind: "ActivityKind",
        learners: np.ndarray,
        hosts: np.ndarray,
        virtual: np.ndarray,
        participants: int,
        days: float,
    ) -> np.ndarray:
        """Cash cost of each activity in RWF (zeros when the world has no costs.csv)."""
        if not self.priced:
            return np.zeros(len(virtual))
        km = self._trip_km(kind, learners, hosts, len(virtual))
        in_person, online = (
            np.nan if formula is None or not wanted else formula(self.costs, participants, days, km)
            for formula, wanted in (
                (kind.in_person_price, not virtual.all()),
                (kind.online_price, virtual.any()),
            )
        )
        return np.where(virtual, online, in_person)

    def staff_days(
        self, kind: "ActivityKind", virtual: np.ndarray, participants: int, days: float
    ) -> np.ndarray:
        """Person-days of district and hospital staff (valued at ``staff_day``, not cash); a
        hosted activity adds its host's ``host_staff_days`` (unknown, so 0, without costs.csv)."""
        hosting = self.costs["host_staff_days"] if self.priced and kind.hosted else 0.0
        share = self.virtual_staff_time_share
        return (participants * days + hosting) * np.where(virtual, share, 1.0)

    def _trip_km(
        self, kind: "ActivityKind", learners: np.ndarray, hosts: np.ndarray, count: int
    ) -> np.ndarray | None:
        """Road km one way of each activity's trip, or None for kinds that do not travel."""
        seat = self.geography.district_index
        if kind.trip == "learner_to_host":
            return self.geography.road_km(seat[learners], seat[hosts])
        if kind.trip == "base_to_learner":
            return self.geography.road_km(np.full(count, self.base_district), seat[learners])
        return None
