"""Where institutions are and how alike their settings are: road distances and similarity.

Distances are road km between district seats: from the world's ``distances.csv`` when it has
one, else the straight line between seats (the mean position of a district's institutions)
times ``road_factor``. Similarity is the share of learning retained across differences in
setting (rural or urban) and ownership (public or private): peers in similar settings learn
most (Gasana et al. 2024).
"""

from functools import cached_property

import numpy as np

from sim.params import Context
from sim.world import World

EARTH_RADIUS_KM = 6371.0
# Assumption (measured, issue #15): up to this many districts a run prices its trips from a
# table of every pair of seats (Rwanda's 30 give 900 numbers, computed once); a world of more
# (the 5,000-institution benchmark world has 2,500) computes the pairs it prices.
SEAT_TABLE_DISTRICTS = 200


class Geography:
    """Distances and similarities between a world's institutions under one scenario's context."""

    def __init__(self, world: World, context: Context) -> None:
        self.world = world
        self.road_factor = context.road_factor
        self.penalties = np.array(
            [context.similarity_penalty_setting, context.similarity_penalty_ownership]
        )
        self.district_names = world.district_names
        self.district_index = world.district_index

    def similarity(self, learner: np.ndarray, host: np.ndarray) -> np.ndarray:
        """Learning retained (0-1) between paired learners and hosts. Learner and host are
        always of the same kind, because every topic applies to one kind.

        Each institution's traits are packed into bits; XOR of two codes says which traits
        differ, and a table of the four possible answers gives the product of penalties.
        """
        return self.retained_by_difference[self.differences(learner, host)]

    def differences(self, learner: np.ndarray, host: np.ndarray) -> np.ndarray:
        """Which traits differ between paired learners and hosts, as a code of two bits."""
        return self._trait_code[learner] ^ self._trait_code[host]

    def similarity_to(self, learner: int, among: np.ndarray) -> np.ndarray:
        """Similarity (0-1) of the institutions ``among`` to ``learner``."""
        return self.similarity(np.full(len(among), learner), among)

    def distance_from(self, learner: int, among: np.ndarray) -> np.ndarray:
        """Road km from ``learner``'s district seat to those of the institutions ``among``."""
        index = self.district_index
        return self.road_km(np.full(len(among), index[learner]), index[among])

    def road_km(self, district_a: np.ndarray, district_b: np.ndarray) -> np.ndarray:
        """Road km between district seats (by district index): the world's table, else the
        straight line between seats times ``road_factor``, from a table of every pair
        (:attr:`_seat_km`) in a world of few districts, computed pair by pair in one of many
        (a table would grow with the square of the number of districts)."""
        if self.world.district_km is not None:
            return self.world.district_km[district_a, district_b]
        if len(self.district_names) <= SEAT_TABLE_DISTRICTS:
            return self._seat_km[district_a, district_b]
        return self._seat_km_of(district_a, district_b)

    def _seat_km_of(self, district_a: np.ndarray, district_b: np.ndarray) -> np.ndarray:
        lat, lon = self._district_seats
        return self.road_factor * haversine_km(
            lat[district_a], lon[district_a], lat[district_b], lon[district_b]
        )

    @cached_property
    def _seat_km(self) -> np.ndarray:
        """(D, D) road km between every pair of district seats, computed once a run rather
        than once for every activity priced."""
        count = len(self.district_names)
        a, b = np.indices((count, count)).reshape(2, -1)
        return self._seat_km_of(a, b).reshape(count, count)

    @cached_property
    def _trait_code(self) -> np.ndarray:
        world = self.world
        return ((world.setting == "urban") * 1 + (world.ownership == "private") * 2).astype(
            np.int64
        )

    @cached_property
    def retained_by_difference(self) -> np.ndarray:
        """(4,) learning retained for each code of :meth:`differences`."""
        differs = (np.arange(4)[:, None] >> np.arange(2)[None, :]) & 1
        return np.prod(1.0 - self.penalties[None, :] * differs, axis=1)

    @cached_property
    def _district_seats(self) -> tuple[np.ndarray, np.ndarray]:
        """Each district's seat: the mean position of its institutions."""
        world, counts = self.world, np.bincount(self.world.district_index)
        return (
            np.bincount(world.district_index, world.lat) / counts,
            np.bincount(world.district_index, world.lon) / counts,
        )


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distances (km) between paired points given in degrees (broadcasting)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
