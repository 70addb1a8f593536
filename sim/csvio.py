"""Reading the world's CSV files with errors a user can act on.

Every check names the file, the column (and row where it helps), the offending value and what is
allowed, through :class:`sim.errors.InputError`.
"""

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError


def read_table(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV and check that the required columns are present."""
    if not path.is_file():
        raise InputError(path, "file", str(path), "file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InputError(path, "file", path.name, f"not a readable CSV ({error})") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise InputError(
            path, "columns", ",".join(frame.columns), f"missing column(s): {', '.join(missing)}"
        )
    if frame.empty:
        raise InputError(path, "rows", 0, "at least one data row")
    return frame


def require_text(frame: pd.DataFrame, path: Path, columns: Iterable[str]) -> None:
    """Check that text columns have a value on every row (spaces alone are blank)."""
    for column in columns:
        blank = frame[column].isna() | (frame[column].fillna("x").str.strip() == "")
        if blank.any():
            row = int(blank.to_numpy().nonzero()[0][0])
            raise InputError(path, f"{column} (row {row + 2})", "blank", "a value")


def require_unique(frame: pd.DataFrame, path: Path, columns: Iterable[str]) -> None:
    """Check that no two rows share the values of ``columns`` (a later row would silently
    replace an earlier one)."""
    columns = list(columns)
    repeated = frame.duplicated(subset=columns)
    if repeated.any():
        row = int(repeated.to_numpy().nonzero()[0][0])
        value = ", ".join(str(frame[c].iloc[row]) for c in columns)
        raise InputError(
            path, f"{', '.join(columns)} (row {row + 2})", value, "each once (a repeated row)"
        )


def require_numeric(
    frame: pd.DataFrame, path: Path, column: str, *, optional: bool = False
) -> None:
    """Convert a column to float in place; every value must be a finite number (``inf`` is not),
    and a blank is allowed only when ``optional``."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & (frame[column].notna() | (not optional))
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(path, f"{column} (row {row + 2})", frame[column].iloc[row], "a number")
    infinite = np.isinf(values.to_numpy(dtype=float))
    if infinite.any():
        row = int(infinite.nonzero()[0][0])
        raise InputError(
            path, f"{column} (row {row + 2})", frame[column].iloc[row], "a finite number"
        )
    frame[column] = values


def require_values(frame: pd.DataFrame, path: Path, column: str, allowed: Iterable[str]) -> None:
    """Check that every value of a text column is one of ``allowed``."""
    allowed = tuple(allowed)
    bad = ~frame[column].isin(allowed)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            f"{column} (row {row + 2})",
            frame[column].iloc[row],
            f"one of {', '.join(allowed)}",
        )


def require_range(frame: pd.DataFrame, path: Path, column: str, low: float, high: float) -> None:
    """Check that a numeric column (blanks skipped) lies within [low, high]."""
    values = frame[column]
    bad = values.notna() & ((values < low) | (values > high))
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path, f"{column} (row {row + 2})", values.iloc[row], f"between {low} and {high}"
        )
