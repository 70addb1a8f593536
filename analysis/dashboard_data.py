"""What the planners' dashboard computes: levers, scenarios, runs of one or two designs, downloads.

Nothing here knows about Solara: every function takes plain data and returns plain data
(scenarios, results, bytes), so the page in :mod:`analysis.dashboard` stays a thin layer and
this module can be tested and reused on its own. Tables are in :mod:`analysis.dashboard_tables`,
figures in :mod:`analysis.dashboard_figures`.

Levers follow Mesa's ``SolaraViz`` convention for user inputs: one dict per parameter with
``type`` (``SliderInt``, ``SliderFloat``, ``Select``), ``label``, ``value``, ``min``, ``max``,
``step`` or ``values``; their units, ranges and meanings come from the field metadata of
:mod:`sim.params`, never from this file.
"""

import io
import re
import tempfile
import time
import typing
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from analysis.results_folder import write_results_folder
from experiments.manifest import now
from experiments.posterior import (
    DEFAULT_SEEDS_PER_DRAW,
    SHIPPED_POSTERIOR,
    ParameterDraws,
    draw,
    load_posterior,
    posterior_details,
)
from experiments.replicate import Results, replicate, require_success
from sim.errors import InputError
from sim.params import SECTIONS, Scenario
from sim.scenario import load_scenario, shipped_scenarios, with_overrides
from sim.world import World, cached_world

LEVERS = (
    "design",
    "matching_rule",
    "priorities_per_institution",
    "host_capacity",
    "exchange_visits_per_year",
    "visit_allocation",
    "virtual_share",
    "phasing",
    "phase_interval_months",
    "turnover_multiplier",
    "programme_months",
)
DEFAULT_REPLICATIONS = 10
MAX_UPLOAD_BYTES = 1_000_000
# Short labels for the page; unit, range and meaning still come from sim.params.
LABELS = {
    "design": "Twinning design",
    "matching_rule": "Matching rule (who hosts whom)",
    "priorities_per_institution": "Priority topics per institution",
    "exchange_visits_per_year": "Exchange-visit budget",
    "virtual_share": "Share run virtually",
    "turnover_multiplier": "Staff turnover multiplier",
    "programme_months": "Programme length",
    "host_capacity": "Host capacity",
    "visit_allocation": "Who gets the exchange visits",
    "phasing": "Phasing",
    "phase_interval_months": "Delay between provinces' starts",
    "replications": "Replications per design",
    "seed": "Root seed",
}
UNIT_TEXT = {"turnover_multiplier": "× the world's rate"}  # sim.params says "ratio"
STEPS = {"exchange_visits_per_year": 1.0, "virtual_share": 0.05, "turnover_multiplier": 0.1}
# Slider ends where sim.params leaves the range open above or allows far more than a page run
# should take (the model and `tpn run --set` accept more).
SLIDER_ENDS = {"exchange_visits_per_year": 150.0, "replications": 100, "host_capacity": 20}
# Slider starts above what sim.params allows: a comparison needs an interval, which one
# replication cannot give.
SLIDER_STARTS = {"replications": 2}


# Levers --------------------------------------------------------------------------------------
def lever_field(name: str):
    """The pydantic field of a lever (design, context or top-level scenario field)."""
    for model in (*SECTIONS.values(), Scenario):
        if name in model.model_fields:
            return model.model_fields[name]
    raise KeyError(name)


def user_params(base: Scenario, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mesa-style input specifications of every lever, with ``values`` as the current values;
    ``description`` is the lever's help text from :mod:`sim.params`."""
    specs = {}
    for name in (*LEVERS, "replications", "seed"):
        info = lever_field(name)
        extra = info.json_schema_extra or {}
        unit = extra.get("unit", "-")
        spec: dict[str, Any] = {"value": values[name], "description": info.description or ""}
        choices = typing.get_args(info.annotation)
        if typing.get_origin(info.annotation) is typing.Literal:
            spec.update(type="Select", values=list(choices))
            spec["label"] = LABELS[name]
        elif name == "seed":  # any whole number: no range to slide over
            spec.update(type="InputInt", min=0, label=LABELS[name])
        else:
            low, high = _bounds(info)
            low = max(low, SLIDER_STARTS.get(name, low))
            if name == "programme_months":  # activities after the horizon have no effect
                high = max(base.horizon_months - base.design.programme_start_month, low + 1)
            limit = SLIDER_ENDS.get(name)
            capped = limit is not None and (high is None or high > limit)
            high = limit if capped else high
            if high is None:  # open above and no slider end chosen: room to double the value
                high = max(2 * values[name], low + 1)
            high = max(high, values[name])  # a slider must not clip the scenario's value
            integer = info.annotation is int
            step = 1 if integer else _step(name, low, values[name])
            spec.update(
                type="SliderInt" if integer else "SliderFloat",
                min=int(low) if integer else float(low),
                max=int(high) if integer else float(high),
                step=step,
                unit=unit,
            )
            unit = UNIT_TEXT.get(name, unit)
            spec["label"] = f"{LABELS[name]} ({unit}, {_num(low)}–{_num(high)})"
            spec["capped"] = capped
        specs[name] = spec
    return specs


def lever_values(scenario: Scenario, replications: int = DEFAULT_REPLICATIONS) -> dict[str, Any]:
    """The current value of every lever in a scenario, with the replications and root seed."""
    values: dict[str, Any] = {}
    for name in LEVERS:
        section = "design" if name in type(scenario.design).model_fields else "context"
        values[name] = getattr(getattr(scenario, section), name)
    values["replications"] = replications
    values["seed"] = scenario.seed
    return values


def apply_levers(base: Scenario, values: dict[str, Any]) -> Scenario:
    """``base`` with the levers, seed and replications set, validated (a bad value raises
    :class:`InputError`), and named by :func:`design_title` when a lever changed."""
    current = {**lever_values(base), "replications": base.replications}
    names = (*LEVERS, "seed", "replications")
    overrides = {n: values[n] for n in names if values[n] != current[n]}
    changed = with_overrides(base, overrides, source="the dashboard")
    title = design_title(changed, base)
    return changed if title == base.name else with_overrides(changed, {"name": title})


def changed_levers(scenario: Scenario, reference: Scenario) -> str:
    """What a planner changed, e.g. ``share run virtually 0.3 → 0.8``; empty when nothing."""
    mine, theirs = lever_values(scenario), lever_values(reference)
    return "; ".join(
        f"{LABELS[n].split(' (')[0].lower()} {words(theirs[n])} → {words(mine[n])}"
        for n in LEVERS
        if mine[n] != theirs[n]
    )


def design_title(scenario: Scenario, base: Scenario) -> str:
    """A design's name: its starting scenario's, and what was changed from it
    (``tpn_2021, changed: exchange-visit budget 30 → 90``), so a changed design is never
    shown under the name of the scenario it no longer is."""
    changes = changed_levers(scenario, base)
    return f"{base.name}, changed: {changes}" if changes else base.name


def words(value: Any) -> str:
    """A lever's value for people: numbers to three digits, choices without underscores."""
    return value.replace("_", " ") if isinstance(value, str) else _num(value)


def scenario_toml(design: Scenario, base: Scenario, shipped_names: set[str]) -> str:
    """The design as a scenario file that ``tpn run`` reproduces exactly: it ``extends`` its
    shipped starting scenario and sets what differs (the levers, seed and replications), or,
    for an uploaded start, states every value. The posterior, when switched on, is named by
    the caller through ``design.posterior``."""
    mine = _without_none(design.model_dump())
    if base.name in shipped_names:
        theirs = _without_none(base.model_dump())
        data: dict[str, Any] = {"extends": base.name}
        for key, value in mine.items():
            if isinstance(value, dict):
                changed = {k: v for k, v in value.items() if theirs.get(key, {}).get(k) != v}
                if changed:
                    data[key] = changed
            elif theirs.get(key) != value or key in ("name", "seed", "replications"):
                data[key] = value
    else:
        data = mine
    return tomli_w.dumps(data)


def toml_filename(design: Scenario, base: Scenario) -> str:
    """A file name for the design's scenario file: its starting scenario's name, with
    ``-changed`` when a lever was moved (the full title is inside the file)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", base.name)
    return f"{stem}-changed.toml" if design.name != base.name else f"{stem}.toml"


def _without_none(value: Any) -> Any:
    """TOML has no null: a field left blank (None) is left out, as a file would leave it."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def _bounds(info) -> tuple[float, float | None]:
    """Lower and upper limits of a field (``ge``/``gt``, ``le``/``lt``); None when open."""
    low, high = 0.0, None
    for limit in info.metadata:
        for name in ("ge", "gt"):
            low = getattr(limit, name, low)
        for name in ("le", "lt"):
            high = getattr(limit, name, high)
    return low, high


def _step(name: str, low: float, value: float) -> float:
    """The slider step of a float lever: its usual step, or finer when ``value`` lies off that
    grid. The slider snaps its value to the grid, so the calibrated turnover 0.886107 would
    silently become 0.9 and the page would run another scenario than the one chosen."""
    step = STEPS.get(name, 0.05)
    ratio = (value - low) / step
    if abs(ratio - round(ratio)) < 1e-9:
        return step
    return min(step, float(10.0 ** Decimal(repr(float(value))).as_tuple().exponent))


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# Scenarios -----------------------------------------------------------------------------------
def shipped() -> dict[str, Scenario]:
    """Every shipped scenario by name; one that fails to load is left out."""
    found = {}
    for path in shipped_scenarios():
        try:
            found[path.stem] = load_scenario(path)
        except InputError:
            continue
    return found


def scenario_from_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file as ``tpn run FILE`` would.

    A scenario may ``extends`` a shipped one by name and then uses its world; a world of its
    own must be an absolute path (the upload has no folder for a relative one). Problems raise :class:`InputError` naming the uploaded file, never the
    temporary copy.
    """
    name = Path(filename or "upload.toml").name
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).stem) or "upload"
    if not name.lower().endswith(".toml"):
        raise InputError(name, "file", name, "a scenario file ending in .toml")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(name, "size", f"{len(data):,} bytes", "a scenario file under 1 MB")
    with tempfile.TemporaryDirectory(prefix="tpn-upload-") as folder:
        path = Path(folder) / f"{stem}.toml"
        path.write_bytes(data)
        try:
            return load_scenario(path)
        except InputError as error:

            def clean(text: str) -> str:  # the temporary copy's path means the uploaded file
                return text.replace(str(path), name).replace(folder + "/", "")

            source = name if error.source.startswith(folder) else clean(error.source)
            value = clean(error.value) if isinstance(error.value, str) else error.value
            allowed = clean(error.allowed)
            if error.field == "world":
                allowed += (
                    " (an uploaded scenario uses the world of the scenario it extends, or a "
                    "world given by an absolute path)"
                )
            raise InputError(source, error.field, value, allowed) from None
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise InputError(name, "file", name, f"a readable scenario file ({error})") from None


# Runs ----------------------------------------------------------------------------------------
@dataclass
class Arm:
    """One design of a comparison: its label, scenario and results."""

    label: str
    scenario: Scenario
    results: Results
    base: Scenario  # the starting scenario the design was changed from (itself if unchanged)


@dataclass
class Outcome:
    """What one press of Run produced."""

    arms: list[Arm]
    replications: int
    seed: int
    seconds: float  # running the replications
    figures: dict[str, Any] = field(default_factory=dict)  # PNG bytes by name
    elapsed: float = 0.0  # from the press of Run to results ready, figures drawn (the page's)
    summary: list[str] = field(default_factory=list)  # the conclusion in plain sentences
    draws: ParameterDraws | None = None  # the posterior's parameter sets, when switched on

    @property
    def runs(self) -> pd.DataFrame:
        return pd.concat([a.results.runs for a in self.arms], ignore_index=True)

    @property
    def world(self) -> World:
        return cached_world(self.arms[0].scenario.world)

    @property
    def topics(self) -> list[str]:
        return list(self.arms[0].scenario.evaluation.headline_topics)


def posterior_available() -> bool:
    """Whether the calibration's posterior is installed (the page's switch needs it)."""
    return SHIPPED_POSTERIOR.is_file()


def run_designs(
    designs: list[Scenario],
    replications: int,
    progress: Callable[[int, int], None] | None = None,
    posterior: bool = False,
    bases: list[Scenario] | None = None,
) -> Outcome:
    """Run each design's replications with the first design's root seed: replication r of
    every design shares its random numbers, so differences are paired (common random numbers).
    With ``posterior``, replications come in pairs of seeds, each pair with a parameter set
    drawn from the shipped posterior and shared by every design (the last set of an odd count
    has one seed). ``progress(done, total)`` as runs finish; a failed run is a one-line error.
    ``bases``: the starting scenario of each design (default: the design itself)."""
    started = time.perf_counter()
    seed = designs[0].seed
    draws = None
    if posterior:
        sets = -(-replications // DEFAULT_SEEDS_PER_DRAW)
        draws = draw(load_posterior(SHIPPED_POSTERIOR), sets, DEFAULT_SEEDS_PER_DRAW, seed)
    total, done = replications * len(designs), 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    replicated = replicate(
        designs, replications, seed, ensemble=draws or (), detail=True, progress=tick
    )
    require_success(replicated)
    arms = []
    for letter, results, base in zip("AB", replicated, bases or designs, strict=False):
        label = f"{letter}: {results.scenario.name}"
        results.runs["scenario"] = label
        arms.append(Arm(label, results.scenario, results, base))
    return Outcome(arms, replications, seed, time.perf_counter() - started, draws=draws)


# Downloads -----------------------------------------------------------------------------------
def tidy_series(outcome: Outcome) -> pd.DataFrame:
    """The monthly series of every design, one tidy frame with a ``design`` column."""
    frames = []
    for arm in outcome.arms:
        frame = arm.results.series.copy()
        frame.insert(0, "design", arm.label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def series_csv(outcome: Outcome) -> bytes:
    return tidy_series(outcome).to_csv(index=False).encode()


def series_parquet(outcome: Outcome) -> bytes:
    buffer = io.BytesIO()
    tidy_series(outcome).to_parquet(buffer, index=False)
    return buffer.getvalue()


def runs_csv(outcome: Outcome) -> bytes:
    return outcome.runs.to_csv(index=False).encode()


def folder_names(outcome: Outcome) -> list[str]:
    """The designs' names in a results folder: their scenarios' names, as `tpn compare` names
    them, or, when both designs start from one scenario, their labels (``A-tpn_2021``)."""
    names = [arm.scenario.name for arm in outcome.arms]
    if len(set(names)) == len(names):
        return names
    return [re.sub(r"[^A-Za-z0-9_.-]+", "-", arm.label) for arm in outcome.arms]


def write_folder(outcome: Outcome, folder: Path) -> None:
    """The results folder of this run, as `tpn run` (one design) or `tpn compare` (two) writes
    it for the same scenarios, replications and seed (:mod:`analysis.results_folder`)."""
    names = folder_names(outcome)
    write_results_folder(
        folder,
        [arm.results for arm in outcome.arms],
        root_seed=outcome.seed,
        started=now(),
        names=names,
        command="tpn dashboard",
        details={
            "levers": {
                name: lever_values(arm.scenario, outcome.replications)
                for name, arm in zip(names, outcome.arms, strict=True)
            },
            **posterior_details(outcome.draws, [arm.scenario for arm in outcome.arms]),
        },
    )


def folder_zip(outcome: Outcome) -> bytes:
    """The results folder of this run as one ZIP archive (its files under ``tpn-results/``)."""
    with tempfile.TemporaryDirectory(prefix="tpn-folder-") as temporary:
        folder = Path(temporary) / "tpn-results"
        write_folder(outcome, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder.parent).as_posix())
        return buffer.getvalue()


def report_html(outcome: Outcome) -> bytes:
    """The self-contained HTML report (:mod:`analysis.report`) of this run."""
    from analysis.report import report_html as build

    with tempfile.TemporaryDirectory(prefix="tpn-report-") as folder:
        target = Path(folder) / "dashboard"
        write_folder(outcome, target)
        return build(target).encode()
