"""The world: institutions, their baseline indicators, topics and distances, read from a folder.

A world folder holds (schemas in ``docs/data.md``):

- ``institutions.csv``: one row per DHMT or hospital;
- ``baseline.csv``: the measured baseline indicator per institution and applicable topic;
- ``topics.csv``: the topic catalogue (:mod:`sim.topics`);
- ``distances.csv`` (optional): road distance in km between district seats; without it distances
  come from the institutions' coordinates;
- ``priorities.csv`` (optional): the topics each institution actually chose (rising) and named as
  strengths (shining); without it the model draws choices from the baseline.

The built-in world ``scenarios/worlds/rwanda`` is Rwanda's 30 districts with synthetic values.
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.csvio import (
    read_table,
    require_numeric,
    require_range,
    require_text,
    require_unique,
    require_values,
)
from sim.errors import InputError
from sim.topics import INSTITUTION_KINDS, Topics, load_topics

INSTITUTION_COLUMNS = (
    "id",
    "name",
    "kind",
    "district",
    "province",
    "ownership",
    "setting",
    "member",
)
OPTIONAL_NUMERIC_COLUMNS = {
    "leadership": (0.0, 1.0),
    "staff_turnover_monthly": (0.0, 1.0),
    "workload": (0.0, 5.0),
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
}
BASELINE_COLUMNS = ("institution", "topic", "value")
DISTANCE_COLUMNS = ("from", "to", "km")
PRIORITY_COLUMNS = ("institution", "topic", "role")
COST_COLUMNS = ("item", "value", "unit", "source", "description")
# Largest unit cost (RWF): a bound that catches a typo, far above any price of an activity.
MAX_UNIT_COST = 1e12
COST_ITEMS = (
    "exchange_rate",
    "per_diem",
    "vehicle_per_km",
    "facilitator_day",
    "virtual_data_bundle",
    "virtual_platform",
    "event_venue",
    "event_transport",
    "workshop_participant_day",
    "workshop_facilitation_day",
    "staff_day",
    "host_staff_days",
)


@dataclass(frozen=True, eq=False)
class World:
    """Institutions as parallel arrays (index ``i``), topics (index ``t``), baseline and geography.

    Optional per-institution attributes (leadership, turnover, workload) are NaN where the data
    did not give them; the model fills them from the scenario's documented defaults.
    """

    folder: Path
    topics: Topics
    ids: np.ndarray
    names: np.ndarray
    kind: np.ndarray
    level: np.ndarray
    district: np.ndarray
    province: np.ndarray
    ownership: np.ndarray
    setting: np.ndarray
    member: np.ndarray  # bool
    leadership: np.ndarray
    staff_turnover_monthly: np.ndarray
    workload: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    baseline: np.ndarray  # (N, K) measured indicator, NaN where the topic does not apply
    applies: np.ndarray  # (N, K) bool
    synthetic: bool
    district_names: tuple[str, ...]
    district_index: np.ndarray  # (N,) index into district_names
    district_km: np.ndarray | None  # (D, D) road km, or None to derive from coordinates
    chosen_rising: np.ndarray | None  # (N, K) bool from priorities.csv
    chosen_shining: np.ndarray | None  # (N, K) bool from priorities.csv
    costs: dict[str, float] | None  # unit costs from costs.csv (RWF), None without the file

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def provinces(self) -> tuple[str, ...]:
        """Province names in order of first appearance (read by every model built on the
        world: computed once)."""
        return tuple(dict.fromkeys(self.province))

    @cached_property
    def province_index(self) -> np.ndarray:
        """Each institution's province as its position in :attr:`provinces` (read-only)."""
        index = np.array([self.provinces.index(p) for p in self.province])
        index.flags.writeable = False
        return index


def load_world(folder: Path) -> World:
    """Read a world folder, checking every file against its schema."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            folder, "world", str(folder), "a folder with institutions.csv and baseline.csv"
        )
    topics_path = folder / "topics.csv"
    topics = load_topics(topics_path)
    institutions = _read_institutions(folder / "institutions.csv")
    ids = institutions["id"].to_numpy(dtype=str)
    kind = institutions["kind"].to_numpy(dtype=str)
    applies = kind[:, None] == topics.applies_to[None, :]
    baseline, synthetic = _read_baseline(folder / "baseline.csv", ids, topics, applies)
    district = institutions["district"].to_numpy(dtype=str)
    district_names = tuple(dict.fromkeys(district))
    district_index = np.array([district_names.index(d) for d in district])
    lat = institutions["lat"].to_numpy(dtype=float)
    lon = institutions["lon"].to_numpy(dtype=float)
    distance_path = folder / "distances.csv"
    if distance_path.is_file():
        district_km = _read_distances(distance_path, district_names)
    else:
        if np.isnan(lat).any() or np.isnan(lon).any():
            row = int(np.isnan(lat + lon).nonzero()[0][0])
            raise InputError(
                folder / "institutions.csv",
                f"lat/lon (row {row + 2})",
                "blank",
                "coordinates for every institution, or a distances.csv",
            )
        district_km = None
    rising, shining = _read_priorities(folder / "priorities.csv", ids, topics, applies)
    return World(
        folder=folder,
        topics=topics,
        ids=ids,
        names=institutions["name"].to_numpy(dtype=str),
        kind=kind,
        level=institutions["level"].fillna("").to_numpy(dtype=str),
        district=district,
        province=institutions["province"].to_numpy(dtype=str),
        ownership=institutions["ownership"].to_numpy(dtype=str),
        setting=institutions["setting"].to_numpy(dtype=str),
        member=institutions["member"].to_numpy(dtype=float) == 1,
        leadership=institutions["leadership"].to_numpy(dtype=float),
        staff_turnover_monthly=institutions["staff_turnover_monthly"].to_numpy(dtype=float),
        workload=institutions["workload"].to_numpy(dtype=float),
        lat=lat,
        lon=lon,
        baseline=baseline,
        applies=applies,
        synthetic=synthetic,
        district_names=district_names,
        district_index=district_index,
        district_km=district_km,
        chosen_rising=rising,
        chosen_shining=shining,
        costs=_read_costs(folder / "costs.csv"),
    )


@lru_cache(maxsize=16)
def cached_world(folder: str) -> World:
    """Worlds are read once per process: a sweep builds thousands of models on the same world."""
    return load_world(Path(folder))


def _read_institutions(path: Path) -> pd.DataFrame:
    frame = read_table(path, INSTITUTION_COLUMNS)
    require_text(frame, path, INSTITUTION_COLUMNS)
    require_unique(frame, path, ["id"])
    require_values(frame, path, "kind", INSTITUTION_KINDS)
    require_values(frame, path, "ownership", ("public", "private"))
    require_values(frame, path, "setting", ("rural", "urban"))
    require_values(frame, path, "member", ("0", "1"))
    if "level" not in frame.columns:
        frame["level"] = ""
    for column, (low, high) in OPTIONAL_NUMERIC_COLUMNS.items():
        if column not in frame.columns:
            frame[column] = np.nan
        require_numeric(frame, path, column, optional=True)
        require_range(frame, path, column, low, high)
    return frame


def _read_baseline(
    path: Path, ids: np.ndarray, topics: Topics, applies: np.ndarray
) -> tuple[np.ndarray, bool]:
    frame = read_table(path, BASELINE_COLUMNS)
    require_text(frame, path, ("institution", "topic"))
    require_values(frame, path, "institution", ids)
    require_values(frame, path, "topic", topics.names)
    require_numeric(frame, path, "value")
    row_of = {identifier: i for i, identifier in enumerate(ids)}
    rows = frame["institution"].map(row_of).to_numpy()
    cols = frame["topic"].map(topics.names.index).to_numpy()
    values = frame["value"].to_numpy(dtype=float)
    for n, (i, t, value) in enumerate(zip(rows, cols, values, strict=True)):
        low, high = topics.scale_min[t], topics.scale_max[t]
        if not low <= value <= high:
            raise InputError(
                path,
                f"value (row {n + 2}, topic {topics.names[t]})",
                value,
                f"between {low:g} and {high:g}",
            )
        if not applies[i, t]:
            raise InputError(
                path,
                f"topic (row {n + 2})",
                topics.names[t],
                f"a topic that applies to a {ids[i]}'s kind",
            )
    require_unique(frame, path, ["institution", "topic"])
    baseline = np.full(applies.shape, np.nan)
    baseline[rows, cols] = values
    missing = applies & np.isnan(baseline)
    if missing.any():
        i, t = (int(x[0]) for x in missing.nonzero())
        raise InputError(
            path,
            "rows",
            f"{ids[i]}, {topics.names[t]}",
            "a baseline value for every institution and applicable topic",
        )
    synthetic = "source" in frame.columns and bool(
        (frame["source"].fillna("") == "synthetic").any()
    )
    return baseline, synthetic


def _read_distances(path: Path, district_names: tuple[str, ...]) -> np.ndarray:
    frame = read_table(path, DISTANCE_COLUMNS)
    require_text(frame, path, ("from", "to"))
    require_values(frame, path, "from", district_names)
    require_values(frame, path, "to", district_names)
    require_numeric(frame, path, "km")
    require_range(frame, path, "km", 0.0, 10_000.0)
    count = len(district_names)
    km = np.full((count, count), np.nan)
    np.fill_diagonal(km, 0.0)
    for row in frame.itertuples(index=False):
        a, b = district_names.index(row[0]), district_names.index(row[1])
        km[a, b] = km[b, a] = row[2]
    if np.isnan(km).any():
        a, b = (int(x[0]) for x in np.isnan(km).nonzero())
        raise InputError(
            path,
            "rows",
            f"{district_names[a]} to {district_names[b]}",
            "a distance for every pair of districts",
        )
    return km


def _read_priorities(
    path: Path, ids: np.ndarray, topics: Topics, applies: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if not path.is_file():
        return None, None
    frame = read_table(path, PRIORITY_COLUMNS)
    require_text(frame, path, PRIORITY_COLUMNS)
    require_values(frame, path, "institution", ids)
    require_values(frame, path, "topic", topics.names)
    require_values(frame, path, "role", ("rising", "shining"))
    rising = np.zeros(applies.shape, dtype=bool)
    shining = np.zeros(applies.shape, dtype=bool)
    row_of = {identifier: i for i, identifier in enumerate(ids)}
    for n, row in enumerate(frame.itertuples(index=False)):
        i, t = row_of[row.institution], topics.names.index(row.topic)
        if not applies[i, t]:
            raise InputError(
                path,
                f"topic (row {n + 2})",
                row.topic,
                f"a topic that applies to {row.institution}",
            )
        (rising if row.role == "rising" else shining)[i, t] = True
    both = rising & shining
    if both.any():
        i, t = (int(x[0]) for x in both.nonzero())
        raise InputError(
            path, "role", f"{ids[i]}, {topics.names[t]}", "rising or shining in a topic, not both"
        )
    return rising, shining


def _read_costs(path: Path) -> dict[str, float] | None:
    """Unit costs by item; every item of ``COST_ITEMS`` must be there once, each >= 0, and the
    exchange rate > 0 (totals in US dollars divide by it)."""
    if not path.is_file():
        return None
    frame = read_table(path, COST_COLUMNS)
    require_text(frame, path, ("item",))
    require_values(frame, path, "item", COST_ITEMS)
    require_unique(frame, path, ["item"])
    require_numeric(frame, path, "value")
    require_range(frame, path, "value", 0.0, MAX_UNIT_COST)
    rate = frame["item"] == "exchange_rate"
    if (rate & (frame["value"] <= 0)).any():
        row = int((rate & (frame["value"] <= 0)).to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            f"value (row {row + 2}, item exchange_rate)",
            frame["value"].iloc[row],
            "a positive number of RWF per USD",
        )
    costs = dict(zip(frame["item"], frame["value"].astype(float), strict=True))
    missing = [item for item in COST_ITEMS if item not in costs]
    if missing:
        raise InputError(path, "item", ", ".join(missing), "a row for every cost item")
    return costs
