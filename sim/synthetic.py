"""Synthetic worlds: the built-in Rwanda world and larger worlds for benchmarks.

Rwanda's 30 districts, their provinces and approximate district-seat coordinates are real; every
hospital, score, leadership value and turnover rate is SYNTHETIC, drawn from the distributions
below and labelled ``source=synthetic`` in ``baseline.csv``. ``tpn world`` writes a world folder,
so the shipped ``scenarios/worlds/rwanda`` is reproducible with ``tpn world --out DIR``.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.topics import Topics

# District, province, approximate latitude and longitude of the district seat (degrees), setting.
RWANDA_DISTRICTS: tuple[tuple[str, str, float, float, str], ...] = (
    ("Gasabo", "Kigali City", -1.94, 30.09, "urban"),
    ("Kicukiro", "Kigali City", -1.97, 30.10, "urban"),
    ("Nyarugenge", "Kigali City", -1.95, 30.06, "urban"),
    ("Bugesera", "Eastern", -2.15, 30.10, "rural"),
    ("Gatsibo", "Eastern", -1.60, 30.40, "rural"),
    ("Kayonza", "Eastern", -1.88, 30.50, "rural"),
    ("Kirehe", "Eastern", -2.27, 30.70, "rural"),
    ("Ngoma", "Eastern", -2.16, 30.54, "rural"),
    ("Nyagatare", "Eastern", -1.30, 30.33, "rural"),
    ("Rwamagana", "Eastern", -1.95, 30.43, "rural"),
    ("Burera", "Northern", -1.47, 29.83, "rural"),
    ("Gakenke", "Northern", -1.70, 29.78, "rural"),
    ("Gicumbi", "Northern", -1.58, 30.07, "rural"),
    ("Musanze", "Northern", -1.50, 29.63, "urban"),
    ("Rulindo", "Northern", -1.76, 30.06, "rural"),
    ("Gisagara", "Southern", -2.60, 29.83, "rural"),
    ("Huye", "Southern", -2.60, 29.74, "urban"),
    ("Kamonyi", "Southern", -2.00, 29.90, "rural"),
    ("Muhanga", "Southern", -2.08, 29.76, "rural"),
    ("Nyamagabe", "Southern", -2.48, 29.57, "rural"),
    ("Nyanza", "Southern", -2.35, 29.75, "rural"),
    ("Nyaruguru", "Southern", -2.64, 29.55, "rural"),
    ("Ruhango", "Southern", -2.23, 29.78, "rural"),
    ("Karongi", "Western", -2.06, 29.35, "rural"),
    ("Ngororero", "Western", -1.86, 29.62, "rural"),
    ("Nyabihu", "Western", -1.63, 29.50, "rural"),
    ("Nyamasheke", "Western", -2.33, 29.10, "rural"),
    ("Rubavu", "Western", -1.70, 29.26, "urban"),
    ("Rusizi", "Western", -2.48, 28.91, "rural"),
    ("Rutsiro", "Western", -1.95, 29.33, "rural"),
)

# Synthetic hospital roster beyond one district hospital per district: (district, level, ownership).
# Chosen so the world has 44 hospitals, as many as the evaluation compared (25 members: 19 that
# chose accreditation and 6 that chose other topics; 19 non-members).
EXTRA_HOSPITALS: tuple[tuple[str, str, str], ...] = (
    ("Nyarugenge", "referral", "public"),
    ("Gasabo", "referral", "public"),
    ("Kicukiro", "referral", "public"),
    ("Huye", "referral", "public"),
    ("Musanze", "provincial", "public"),
    ("Rwamagana", "provincial", "public"),
    ("Karongi", "provincial", "public"),
    ("Gatsibo", "district", "public"),
    ("Kayonza", "district", "public"),
    ("Gakenke", "district", "public"),
    ("Nyamagabe", "district", "public"),
    ("Rusizi", "district", "public"),
    ("Gasabo", "private", "private"),
    ("Kicukiro", "private", "private"),
)
MEMBER_HOSPITALS = 25


@dataclass(frozen=True)
class SyntheticSpec:
    """Distributions the synthetic institution attributes are drawn from (all assumptions)."""

    leadership_alpha: float = 4.0  # Beta shape: mean leadership commitment 0.57
    leadership_beta: float = 3.0
    staff_turnover_mean_monthly: float = 0.02  # 24% of staff leave per year
    staff_turnover_cv: float = 0.4
    workload_sd: float = 0.25  # relative workload, mean 1
    member_baseline_shift_sd: float = 0.25  # member hospitals start this many SD lower


def rwanda_frames(topics: Topics, seed: int = 2021, spec: SyntheticSpec = SyntheticSpec()):
    """Institutions and baseline tables of the built-in Rwanda world (synthetic values)."""
    rng = np.random.default_rng(seed)
    rows = []
    for district, province, lat, lon, setting in RWANDA_DISTRICTS:
        rows.append(
            _row(
                f"DHMT-{district}",
                f"{district} DHMT",
                "dhmt",
                "",
                district,
                province,
                "public",
                setting,
                1,
                lat,
                lon,
            )
        )
    hospitals = [(d, "district", "public") for d, *_ in RWANDA_DISTRICTS] + list(EXTRA_HOSPITALS)
    where = {d: (p, lat, lon, s) for d, p, lat, lon, s in RWANDA_DISTRICTS}
    members = set(rng.choice(len(hospitals), size=MEMBER_HOSPITALS, replace=False).tolist())
    counts: dict[str, int] = {}
    for n, (district, level, ownership) in enumerate(hospitals):
        province, lat, lon, setting = where[district]
        counts[district] = counts.get(district, 0) + 1
        number = counts[district]
        label = {
            "district": "District Hospital",
            "provincial": "Provincial Hospital",
            "referral": "Referral Hospital",
            "private": "Private Hospital",
        }[level]
        name = f"{district} {label}" + (f" {number}" if level == "district" and number > 1 else "")
        jitter = rng.normal(0.0, 0.03, size=2)
        rows.append(
            _row(
                f"H-{district}-{number}",
                name,
                "hospital",
                level,
                district,
                province,
                ownership,
                "urban" if level in {"referral", "private"} else setting,
                int(n in members),
                lat + jitter[0],
                lon + jitter[1],
            )
        )
    institutions = pd.DataFrame(rows)
    _draw_attributes(institutions, rng, spec)
    baseline = _draw_baseline(institutions, topics, rng, spec)
    return institutions, baseline


def synthetic_frames(
    topics: Topics, n_institutions: int, seed: int = 1, spec: SyntheticSpec = SyntheticSpec()
):
    """A synthetic world of any size: Rwanda's districts repeated, each with a DHMT and a
    hospital in turn. The first copy keeps the real district names (so a shipped scenario's
    ``funding.facilitation_base`` is a district of every generated world), later copies are
    named ``Gasabo-1``, ``Gasabo-2``, ...; even a small world holds both kinds."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in range(n_institutions):
        site = n // 2
        district, province, lat, lon, setting = RWANDA_DISTRICTS[site % len(RWANDA_DISTRICTS)]
        copy = site // len(RWANDA_DISTRICTS)
        kind = "dhmt" if n % 2 == 0 else "hospital"
        jitter = rng.normal(0.0, 0.05, size=2)
        rows.append(
            _row(
                f"I{n}",
                f"Institution {n}",
                kind,
                "district" if kind == "hospital" else "",
                district if copy == 0 else f"{district}-{copy}",
                province,
                "public",
                setting,
                1,
                lat + jitter[0],
                lon + jitter[1],
            )
        )
    institutions = pd.DataFrame(rows)
    _draw_attributes(institutions, rng, spec)
    return institutions, _draw_baseline(institutions, topics, rng, spec)


def write_world(
    folder: Path,
    institutions: pd.DataFrame,
    baseline: pd.DataFrame,
    topics: Topics,
    costs: Path | None = None,
) -> None:
    """Write a world folder (new, or empty: the command line writes into a temporary folder that
    becomes the world only once complete); ``costs`` is a costs.csv to copy in (unit costs are
    not synthetic)."""
    folder.mkdir(parents=True, exist_ok=True)
    if costs is not None:
        shutil.copy(costs, folder / "costs.csv")
    institutions.to_csv(folder / "institutions.csv", index=False, float_format="%.4f")
    baseline.to_csv(folder / "baseline.csv", index=False, float_format="%.2f")
    topics.to_frame().to_csv(folder / "topics.csv", index=False)


def _row(identifier, name, kind, level, district, province, ownership, setting, member, lat, lon):
    return {
        "id": identifier,
        "name": name,
        "kind": kind,
        "level": level,
        "district": district,
        "province": province,
        "ownership": ownership,
        "setting": setting,
        "member": member,
        "lat": lat,
        "lon": lon,
    }


def _draw_attributes(
    institutions: pd.DataFrame, rng: np.random.Generator, spec: SyntheticSpec
) -> None:
    count = len(institutions)
    institutions["leadership"] = rng.beta(spec.leadership_alpha, spec.leadership_beta, count)
    shape = 1.0 / spec.staff_turnover_cv**2
    institutions["staff_turnover_monthly"] = rng.gamma(
        shape, spec.staff_turnover_mean_monthly / shape, count
    ).clip(0.0, 0.2)
    institutions["workload"] = rng.normal(1.0, spec.workload_sd, count).clip(0.2, 3.0)


def _draw_baseline(
    institutions: pd.DataFrame, topics: Topics, rng, spec: SyntheticSpec
) -> pd.DataFrame:
    """Measured baseline per institution and applicable topic; members start a little lower."""
    records = []
    for row in institutions.itertuples(index=False):
        for t, topic in enumerate(topics.names):
            if topics.applies_to[t] != row.kind:
                continue
            shift = (
                -spec.member_baseline_shift_sd if (row.kind == "hospital" and row.member) else 0.0
            )
            value = topics.baseline_mean[t] + topics.baseline_sd[t] * (shift + rng.normal())
            value = float(np.clip(value, topics.scale_min[t], topics.ceiling[t]))
            records.append(
                {"institution": row.id, "topic": topic, "value": value, "source": "synthetic"}
            )
    return pd.DataFrame(records)
