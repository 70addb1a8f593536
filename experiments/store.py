"""Sweep results on disk: Parquet chunks written as runs finish, readable without tpn-sim.

A chunk is written to a temporary name and renamed into place, so a chunk either exists whole or
not at all; readers look only at finished names. A batch's series chunk is written before its
runs chunk, which is what marks the runs done: a series chunk without its runs chunk (a crash
between the two) is removed on resume, and its runs are run again. ``--resume`` reads the chunks, skips the runs
they hold and runs the rest; ``finish`` merges every chunk into one table sorted by run id, so an
interrupted-then-resumed sweep gives the same table as an uninterrupted one.
"""

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.manifest import MANIFEST, Manifest, read_manifest, write_manifest
from sim.errors import InputError

CHUNKS = "chunks"
SERIES = "series"
RUNS_FILE = "runs.parquet"


class SweepStore:
    """One sweep's output folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._written = 0

    @classmethod
    def open(cls, folder: Path, *, resume: bool, force: bool, fingerprint: str) -> "SweepStore":
        """Create the folder, or reopen it for ``--resume`` if it holds the same runs (the same
        ``fingerprint``, see :func:`experiments.sweep.fingerprint`)."""
        folder = Path(folder)
        if folder.exists() and resume:
            if not (folder / MANIFEST).is_file():
                raise InputError(
                    "--out",
                    "folder",
                    str(folder),
                    "a sweep folder to resume (it has no manifest.json)",
                )
            if read_manifest(folder).fingerprint != fingerprint:
                raise InputError(
                    "--resume",
                    "experiment",
                    str(folder),
                    "the same design (factors in the same order, samples, seed, replications),"
                    " outcomes and base scenario as the interrupted sweep",
                )
        elif folder.exists() and not force:
            raise InputError(
                "--out",
                "folder",
                str(folder),
                "already exists; pass --resume to finish it or --force to replace it",
            )
        elif folder.exists():
            shutil.rmtree(folder)
        (folder / CHUNKS).mkdir(parents=True, exist_ok=True)
        store = cls(folder)
        store._remove_orphan_series()
        store._written = len(store._chunk_files(CHUNKS))
        return store

    def finished_run_ids(self) -> set[int]:
        """Runs on disk that succeeded: a resume skips them, and runs again those that failed
        (a failure may have been passing: memory, a full disk)."""
        ids: set[int] = set()
        for path in self._chunk_files(CHUNKS):
            chunk = pd.read_parquet(path, columns=["run_id", "status"])
            ids.update(chunk.loc[chunk["status"] == "ok", "run_id"].tolist())
        return ids

    def write_chunk(self, rows: list[dict], series: list[pd.DataFrame]) -> None:
        if not rows:
            return
        name = f"chunk-{os.getpid()}-{self._written:06d}.parquet"
        if series:
            (self.folder / SERIES).mkdir(exist_ok=True)
            self._atomic_parquet(pd.concat(series, ignore_index=True), self.folder / SERIES / name)
        self._atomic_parquet(rows, self.folder / CHUNKS / name)
        self._written += 1

    def _remove_orphan_series(self) -> None:
        done = {path.name for path in self._chunk_files(CHUNKS)}
        for path in self._chunk_files(SERIES):
            if path.name not in done:
                path.unlink()

    def read_runs(self) -> pd.DataFrame:
        frames = [pd.read_parquet(p) for p in self._chunk_files(CHUNKS)]
        if not frames:
            return pd.DataFrame()
        runs = pd.concat(frames, ignore_index=True)
        # A run retried on resume has a failed row and a newer one: a success wins.
        runs["_failed"] = runs["status"] != "ok"
        runs = runs.sort_values(["run_id", "_failed"], kind="stable").drop_duplicates("run_id")
        return runs.drop(columns="_failed").reset_index(drop=True)

    def finish(self, runs: pd.DataFrame) -> Path:
        """Write the merged table (sorted by run id) beside the chunks."""
        path = self.folder / RUNS_FILE
        self._atomic_parquet(runs, path)
        return path

    def write_manifest(self, manifest: Manifest) -> None:
        write_manifest(self.folder, manifest)

    def _chunk_files(self, kind: str) -> list[Path]:
        return sorted((self.folder / kind).glob("chunk-*.parquet"))

    @staticmethod
    def _atomic_parquet(table: pd.DataFrame | list[dict], path: Path) -> None:
        """A frame, or rows (straight to Arrow: a third of the cost of a DataFrame's to_parquet,
        which the parent pays for every batch while workers wait for it), written to a
        temporary name and renamed into place."""
        temporary = path.with_name(f".{path.name}.tmp")
        if isinstance(table, pd.DataFrame):
            table.to_parquet(temporary, index=False)
        else:
            pq.write_table(pa.Table.from_pylist(table), temporary)
        os.replace(temporary, path)
