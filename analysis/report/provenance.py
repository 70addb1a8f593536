"""How a results folder was made: command, seeds, versions, times and the world's data.

Read from the folder's manifest only, so a reader can rerun the same command on the same
versions and get the same numbers.
"""

from datetime import datetime

from experiments.manifest import Manifest
from sim.errors import InputError
from sim.world import cached_world

Fact = tuple[str, object, bool]  # label, value, whether the value is shown as code
PRINCIPAL_PACKAGES = ("tpn-sim", "git_commit", "python", "mesa", "numpy")


def provenance_facts(manifest: Manifest) -> list[Fact]:
    """Command, seeds, overrides, versions and times, as rows of the "What was run" table."""
    facts: list[Fact] = [("Command", manifest.command, True)]
    if manifest.replications is not None and manifest.experiment is None:
        facts.append(("Replications", manifest.replications, False))
    if manifest.root_seed is not None:
        seeds = manifest.replication_seeds
        text = f"root seed {manifest.root_seed}"
        if seeds:
            shown = ", ".join(str(s) for s in seeds[:3]) + (", ..." if len(seeds) > 3 else "")
            text += (
                f"; replication seeds (numpy SeedSequence): {shown} ({len(seeds)} in manifest.json)"
            )
        facts.append(("Seeds", text, False))
    if manifest.overrides:
        overrides = ", ".join(f"{k}={v}" for k, v in manifest.overrides.items())
        facts.append(("Overrides (--set)", overrides, True))
    environment = manifest.environment
    facts.append(
        (
            "tpn-sim",
            f"{environment.get('tpn-sim', 'unknown')}, "
            f"git commit {environment.get('git_commit', 'unknown')}",
            False,
        )
    )
    facts.append(
        (
            "Python, Mesa, NumPy",
            ", ".join(environment.get(k, "?") for k in ("python", "mesa", "numpy")),
            False,
        )
    )
    others = {k: v for k, v in environment.items() if k not in PRINCIPAL_PACKAGES}
    if others:
        facts.append(("Other packages", ", ".join(f"{k} {v}" for k, v in others.items()), False))
    started, finished = manifest.started, manifest.finished
    facts.append(
        (
            "Started, finished",
            f"{_time(started)} to {_time(finished)}{_duration(started, finished)}",
            False,
        )
    )
    return facts


def _time(text: str | None) -> str:
    if not text:
        return "?"
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return text


def _duration(started: str | None, finished: str | None) -> str:
    """ " (12 s)" or " (3.5 min)", or nothing when either time is unknown."""
    try:
        seconds = (
            datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        ).total_seconds()
    except (TypeError, ValueError):
        return ""
    return f" ({seconds:,.0f} s)" if seconds < 120 else f" ({seconds / 60:,.1f} min)"


def synthetic_world(manifest: Manifest, world: str | None) -> bool | None:
    """Whether the world's baseline data were synthetic: as the manifest records it, else read
    from the world folder if it still exists, else unknown (None)."""
    if manifest.synthetic_world is not None:
        return manifest.synthetic_world
    if not world:
        return None
    try:
        return cached_world(world).synthetic
    except (InputError, OSError):
        return None


def synthetic_text(synthetic: bool | None) -> str:
    """What the reader must know about the data behind every number in the report."""
    if synthetic:
        return (
            "The world's baseline data (hospital scores, leadership, staff turnover) are "
            "synthetic: generated to resemble Rwanda, not measured. Read every number here as "
            "what the model does under plausible conditions, not as a forecast for real "
            "institutions."
        )
    if synthetic is False:
        return "The world's baseline data were supplied by the user (not synthetic)."
    return (
        "The results folder does not record whether the world's baseline data were synthetic; "
        "the shipped Rwanda world is synthetic."
    )
