"""The topic catalogue: which priority areas exist, whom they apply to and how they are measured.

Topics are data, not code. A world folder holds ``topics.csv`` (schema in ``docs/data.md``); the
model reads the catalogue into arrays indexed by topic so the monthly arithmetic is vectorised.
"""

from dataclasses import dataclass
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

INSTITUTION_KINDS = ("dhmt", "hospital")

TOPIC_COLUMNS = (
    "topic",
    "label",
    "applies_to",
    "indicator",
    "unit",
    "scale_min",
    "scale_max",
    "ceiling",
    "secular_trend_per_year",
    "measurement_noise_sd",
    "baseline_mean",
    "baseline_sd",
    "choice_appeal",
    "source",
)
NUMERIC_TOPIC_COLUMNS = TOPIC_COLUMNS[5:13]
TEXT_TOPIC_COLUMNS = TOPIC_COLUMNS[:5]
# Largest |value| of an indicator's scale (assumption: indicators are percentages, scores or
# rates; the bound only catches a typo such as 1e300, which would make every competence 0).
SCALE_LIMIT = 1e6
# Largest |choice_appeal| in log-odds (assumption: at 20 a topic is chosen over another e^20 =
# 5e8 times as often, i.e. always; beyond it exp() only loses precision).
APPEAL_LIMIT = 20.0


@dataclass(frozen=True, eq=False)
class Topics:
    """Topic catalogue as parallel arrays, one entry per topic (index ``t``)."""

    names: tuple[str, ...]
    labels: tuple[str, ...]
    applies_to: np.ndarray  # (K,) str: "dhmt" or "hospital"
    indicators: tuple[str, ...]
    units: tuple[str, ...]
    scale_min: np.ndarray  # (K,) indicator units
    scale_max: np.ndarray  # (K,) indicator units
    ceiling: np.ndarray  # (K,) indicator units: the best value reachable in practice
    secular_trend_per_year: np.ndarray  # (K,) indicator units per year, without twinning
    measurement_noise_sd: np.ndarray  # (K,) indicator units, one measurement
    baseline_mean: np.ndarray  # (K,) indicator units, for synthetic worlds
    baseline_sd: np.ndarray  # (K,) indicator units, for synthetic worlds
    choice_appeal: np.ndarray  # (K,) log-odds added when institutions pick priorities
    sources: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def span(self) -> np.ndarray:
        """Width of each indicator's scale: one unit of competence equals this many points."""
        return self.scale_max - self.scale_min

    @property
    def competence_ceiling(self) -> np.ndarray:
        """Ceiling expressed as competence (0-1)."""
        return (self.ceiling - self.scale_min) / self.span

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "topic": self.names,
                "label": self.labels,
                "applies_to": self.applies_to,
                "indicator": self.indicators,
                "unit": self.units,
                **{column: getattr(self, column) for column in NUMERIC_TOPIC_COLUMNS},
                "source": self.sources,
            }
        )


def load_topics(path: Path) -> Topics:
    """Read and validate ``topics.csv``; every error names the file, row field and value."""
    frame = read_table(path, TOPIC_COLUMNS)
    require_text(frame, path, TEXT_TOPIC_COLUMNS)
    require_values(frame, path, "applies_to", INSTITUTION_KINDS)
    for column in NUMERIC_TOPIC_COLUMNS:
        require_numeric(frame, path, column)
    for column in ("scale_min", "scale_max", "ceiling"):
        require_range(frame, path, column, -SCALE_LIMIT, SCALE_LIMIT)
    require_range(frame, path, "choice_appeal", -APPEAL_LIMIT, APPEAL_LIMIT)
    require_unique(frame, path, ["topic"])
    _check_scales(frame, path)
    return Topics(
        names=tuple(frame["topic"]),
        labels=tuple(frame["label"]),
        applies_to=frame["applies_to"].to_numpy(dtype=str),
        indicators=tuple(frame["indicator"]),
        units=tuple(frame["unit"]),
        sources=tuple(frame["source"].fillna("")),
        **{column: frame[column].to_numpy(dtype=float) for column in NUMERIC_TOPIC_COLUMNS},
    )


def _check_scales(frame: pd.DataFrame, path: Path) -> None:
    """Rules within a row: the scale, and every number measured on it, fits the scale."""
    for row in frame.itertuples():
        if not row.scale_min < row.scale_max:
            raise InputError(path, f"scale_max (topic {row.topic})", row.scale_max, "> scale_min")
        if not row.scale_min < row.ceiling <= row.scale_max:
            raise InputError(
                path, f"ceiling (topic {row.topic})", row.ceiling, "within (scale_min, scale_max]"
            )
        if not row.scale_min <= row.baseline_mean <= row.scale_max:
            raise InputError(
                path,
                f"baseline_mean (topic {row.topic})",
                row.baseline_mean,
                "within [scale_min, scale_max]",
            )
        width = row.scale_max - row.scale_min
        for column in ("measurement_noise_sd", "baseline_sd"):
            if not 0 <= getattr(row, column) <= width:
                raise InputError(
                    path,
                    f"{column} (topic {row.topic})",
                    getattr(row, column),
                    f"between 0 and the scale's width ({width:g})",
                )
        if abs(row.secular_trend_per_year) > width:
            raise InputError(
                path,
                f"secular_trend_per_year (topic {row.topic})",
                row.secular_trend_per_year,
                f"between -{width:g} and {width:g} (the scale's width) per year",
            )
