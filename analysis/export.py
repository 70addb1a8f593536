"""Output folders: written whole or not at all, in open formats readable without tpn-sim.

Everything is first written into a hidden sibling folder and renamed into place at the end, so an
error or Ctrl-C never leaves a half-written result behind, and an existing folder is replaced only
when the user asked for it (``--force``).
"""

import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import matplotlib.pyplot as plt

from sim.errors import InputError


@contextmanager
def output_folder(path: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``path`` only if the block finishes."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError("--out", "folder", str(path), "already exists; pass --force to replace it")
    if path.exists() and not path.is_dir():
        raise InputError("--out", "folder", str(path), "a folder, not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if path.exists():
        shutil.rmtree(path)
    partial.rename(path)


def save_figure(figure: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)


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


def write_manifest(folder: Path, started: datetime, **content) -> None:
    manifest = {
        "command": " ".join(["tpn", *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        **content,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
