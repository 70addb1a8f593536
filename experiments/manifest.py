"""The manifest of a results folder: what kind of folder it is, how it was made, and with what.

Every folder `tpn` writes holds one ``manifest.json`` of this schema. Readers (the report, a
resume, a user's own script) read the folder's ``kind`` instead of guessing it from file names,
and the fields each kind fills are declared here, once, so writers cannot drift apart.
"""

import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from sim.errors import InputError
from sim.params import Scenario
from sim.world import cached_world

MANIFEST = "manifest.json"
SCHEMA_VERSION = 1
FolderKind = Literal[
    "run",
    "compare",
    "sweep",
    "sensitivity",
    "frontier",
    "validate",
    "decompose",
    "calibrate",
    "sbc",  # python -m experiments.sbc: the calibration's coverage check
    "optimize",
    "robustness",  # `tpn sweep` of an experiment with policies; `tpn robust`, `tpn discover`
]
Status = Literal["running", "interrupted", "complete"]


class Manifest(BaseModel):
    """``manifest.json``: common fields first, then those only some kinds fill (else None)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    kind: FolderKind
    command: str
    status: Status = "complete"
    started: str
    finished: str | None = None
    environment: dict[str, str]
    # Replications of named scenarios (run, compare, validate, decompose, optimize, calibrate).
    scenarios: list[str] = []
    replications: int | None = None
    root_seed: int | None = None
    replication_seeds: list[int] = []
    overrides: dict[str, Any] = {}
    synthetic_world: bool | None = None
    scheduler: str | None = None
    # Experiments over design points (sweep, sensitivity, frontier).
    experiment: dict[str, Any] | None = None
    experiment_file: str | None = None
    base_scenario: dict[str, Any] | None = None
    fingerprint: str | None = None
    points: int | None = None
    runs_total: int | None = None
    runs_done_before: int | None = None
    runs_on_disk: int | None = None
    runs_ok: int | None = None
    runs_failed: int | None = None
    failure_reasons: dict[str, int] = {}
    executor: str | None = None
    workers: int | None = None
    # What else a kind records (a calibration's targets, a decomposition's topic, ...).
    details: dict[str, Any] = {}


def environment() -> dict[str, str]:
    """Versions that decide whether a result can be reproduced."""
    packages = ("tpn-sim", "mesa", "numpy", "pandas", "scipy", "SALib", "pydantic", "pyarrow")
    found = {}
    for name in packages:
        try:
            found[name] = version(name)
        except Exception:  # a missing optional package is simply not listed
            continue
    return {"python": platform.python_version(), **found, "git_commit": git_commit()}


def git_commit() -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_manifest(kind: FolderKind, started: str, **fields: Any) -> Manifest:
    """A manifest for a folder being written now, by the command running in this process
    (``command`` may name another maker, such as ``tpn dashboard``)."""
    fields.setdefault("command", " ".join(["tpn", *sys.argv[1:]]))
    return Manifest(kind=kind, started=started, environment=environment(), **fields)


def replications_manifest(
    kind: FolderKind,
    started: str,
    scenarios: Sequence[Scenario],
    replications: int,
    root_seed: int,
    *,
    names: Sequence[str] | None = None,
    **fields: Any,
) -> Manifest:
    """The manifest of a finished folder of replications on common seeds (run, compare,
    validate, decompose, calibrate, optimize): which scenarios (by ``names``, default their
    own), on which worlds, how many replications, the root seed and every replication's seed."""
    from experiments.replicate import replication_seeds

    return new_manifest(
        kind,
        started,
        finished=now(),
        scenarios=list(names or [s.name for s in scenarios]),
        synthetic_world=any(cached_world(s.world).synthetic for s in scenarios),
        replications=replications,
        root_seed=root_seed,
        replication_seeds=replication_seeds(root_seed, replications),
        **fields,
    )


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` atomically: a reader sees the old one or the new one, whole."""
    folder = Path(folder)
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(manifest.model_dump_json(indent=2) + "\n")
    os.replace(temporary, folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a results folder; a missing or damaged one is a one-line error."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputError(folder, "missing files", MANIFEST, "a folder written by tpn")
    try:
        return Manifest.model_validate(json.loads(path.read_text()))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(path, "syntax", str(error), "valid JSON written by tpn") from None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "manifest"
        raise InputError(path, field, problem.get("input"), problem["msg"]) from None
