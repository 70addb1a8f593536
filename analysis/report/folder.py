"""Which results folder the report is given, and its files read with one-line errors.

A folder's kind is the ``kind`` its manifest names (:mod:`experiments.manifest`), never a guess
from the files it holds. The folder must then be complete: finished, with every file its kind
writes. A damaged file is refused up front, naming it, rather than failing halfway through.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.manifest import MANIFEST, Manifest, read_manifest
from sim.errors import InputError

ALLOWED = (
    "a folder written by tpn run, compare, sweep, sensitivity, validate, decompose, optimize or "
    "calibrate"
)
# The files each kind the report describes needs (a name ending in "/" is a folder).
REQUIRED = {
    "run": ("scenario.json", "summary.csv", "runs.csv", "series.parquet", "figures/"),
    "compare": ("comparison.csv",),
    "sweep": ("summary.csv", "points.parquet"),
    "sensitivity": ("summary.csv", "indices.csv"),
    "validate": ("targets.csv", "statistics.csv", "predictions.csv"),
    "decompose": ("decomposition.csv",),
    "optimize": ("best.csv", "trials.csv"),
    "robustness": ("runs.parquet", "points.parquet"),
    "calibrate": ("calibrated.toml", "figures/"),
}
RESUMABLE = ("sweep", "sensitivity")  # kinds whose unfinished folder `--resume` completes


@dataclass(frozen=True)
class ResultsFolder:
    """A complete results folder: where it is, what kind it is and how it was made."""

    path: Path
    kind: str
    manifest: Manifest


def open_folder(folder: Path) -> ResultsFolder:
    """``folder`` checked complete; an InputError when it is missing, unfinished or incomplete.

    A scenario's subfolder of a compare folder has no manifest of its own: it is a run, made as
    its parent's manifest says."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("tpn report", "RESULT_DIR", str(folder), f"does not exist; give {ALLOWED}")
    kind, manifest = _kind_and_manifest(folder)
    if kind not in REQUIRED:
        raise InputError(folder / MANIFEST, "kind", kind, ALLOWED)
    if manifest.status != "complete":
        allowed = "'complete'"
        if kind in RESUMABLE:
            allowed += f"; finish the {kind} first with `tpn {kind} FILE --out {folder} --resume`"
        raise InputError(folder / MANIFEST, "status", manifest.status, allowed)
    missing = [
        name
        for name in REQUIRED[kind]
        if not ((folder / name).is_dir() if name.endswith("/") else (folder / name).is_file())
    ]
    if missing:
        raise InputError(
            folder, "missing files", ", ".join(missing), f"a complete `tpn {kind}` folder"
        )
    if kind == "compare":  # each scenario's subfolder must be a complete run folder
        absent = [name for name in manifest.scenarios if not (folder / name).is_dir()]
        if absent:
            raise InputError(
                folder, "missing folders", ", ".join(absent), "a complete `tpn compare` folder"
            )
        for name in manifest.scenarios:
            open_folder(folder / name)
    return ResultsFolder(folder, kind, manifest)


def _kind_and_manifest(folder: Path) -> tuple[str, Manifest]:
    if (folder / MANIFEST).is_file():
        manifest = read_manifest(folder)
        return manifest.kind, manifest
    if (folder.parent / MANIFEST).is_file():
        parent = read_manifest(folder.parent)
        if parent.kind == "compare" and folder.name in parent.scenarios:
            return "run", parent
    raise InputError(folder, "missing files", MANIFEST, ALLOWED)


def read_json(path: Path, keys: tuple[str, ...] = ()) -> dict:
    """A JSON object, with the dotted ``keys`` the report reads checked up front."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            path, "content", type(error).__name__, "a JSON file written by tpn"
        ) from None
    if not isinstance(data, dict):
        raise InputError(path, "content", type(data).__name__, "a JSON object written by tpn")
    for key in keys:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            raise InputError(path, key, "missing", f"a {path.name} written by tpn")
    return data


def read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A table written by tpn with at least ``columns`` and one row; anything else (empty,
    garbled, another table) is a one-line error naming the file."""
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(path, "content", type(error).__name__, "a table written by tpn") from None
    missing = [column for column in columns if column not in table.columns]
    if missing or table.empty:
        raise InputError(
            path,
            "columns",
            ", ".join(missing) or "no rows",
            f"a table written by tpn with columns {', '.join(columns)} and at least one row",
        )
    return table
