"""Scenario files: TOML in, a validated :class:`sim.params.Scenario` out.

A scenario may ``extends`` another (by name or path) and override a few values; the chain is
merged section by section, the world folder (and a posterior sample) is resolved relative to the
file that names it, and every error names the file that set the offending value.
"""

import tomllib
import warnings
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError, InputWarning
from sim.params import SECTION_OF, SECTIONS, CrossFieldError, Scenario
from sim.tomlio import allowed_text, read_toml
from sim.world import World, cached_world

# Where a value given on the command line (not in a file) is said to come from, in errors.
COMMAND_LINE = "command line"
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
KIND_LABELS = {"dhmt": "DHMTs", "hospital": "hospitals"}  # institution kinds in a message
TOP_LEVEL_KEYS = (
    "name",
    "description",
    "extends",
    "world",
    "horizon_months",
    "start_date",
    "replications",
    "seed",
    "posterior",
)


def shipped_scenarios() -> list[Path]:
    """The scenario files that come with tpn-sim, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def find_scenario(reference: str, named_in: Path | None = None) -> Path:
    """A scenario file from a path, or from a name looked up beside the file ``named_in`` (whose
    ``extends`` names it) then among the shipped ones; an error names that file and ``extends``,
    or the command line and ``scenario``."""
    source, field = (named_in, "extends") if named_in else (COMMAND_LINE, "scenario")
    relative_to = named_in.parent if named_in else None
    candidate = Path(reference)
    if candidate.suffix == ".toml" or candidate.is_file():
        if relative_to is not None and not candidate.is_absolute():
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate.resolve()
        if candidate.is_dir():
            raise InputError(source, field, reference, "a .toml file, not a folder")
        raise InputError(source, field, reference, f"file not found ({candidate})")
    folders = ([relative_to] if relative_to else []) + [SCENARIO_DIR]
    for folder in folders:
        path = folder / f"{reference}.toml"
        if path.is_file():
            return path.resolve()
    names = ", ".join(p.stem for p in shipped_scenarios())
    raise InputError(source, field, reference, f"a .toml file or a shipped scenario ({names})")


def load_scenario(reference: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends``), override and validate a scenario."""
    path = find_scenario(str(reference))
    merged, origin = _resolve(path, chain=())
    merged.setdefault("name", path.stem)
    merged.setdefault("world", str(SCENARIO_DIR / "worlds" / "rwanda"))
    _set(merged, origin, overrides or {}, "--set")
    scenario = validate(merged, origin, path)
    scenario.origin.update(origin)
    world = cached_world(scenario.world)
    check_world_names(scenario, world, str(path), origin)
    check_calendar(scenario, world, path, origin)
    warn_pinned_above_members(scenario, world, str(path), origin)
    return scenario


def with_overrides(
    scenario: Scenario, overrides: dict[str, Any], source: str = "--set"
) -> Scenario:
    """``scenario`` with parameters set by name (bare or ``section.field``), validated again.

    The result keeps which file set every other value, so an error still names the file that
    set the offending value, and ``source`` for the values set here."""
    if not overrides:
        return scenario
    data, origin = scenario.model_dump(), dict(scenario.origin)
    _set(data, origin, overrides, source)
    result = validate(data, origin, Path(source))
    result.origin.update(origin)
    return result


def _set(data: dict[str, Any], origin: dict[str, str], overrides: dict[str, Any], source: str):
    for key, value in overrides.items():
        section, field = split_key(key, source)
        if section:
            data.setdefault(section, {})[field] = value
        else:
            data[field] = value
        origin[_key(section, field)] = source


def check_world_names(
    scenario: Scenario, world: World, source: str, origin: dict[str, str] | None = None
) -> None:
    """Topics named by the evaluation, provinces named by the schedule and the facilitation
    team's district must exist in the scenario's world; the error names the file that set the
    field (``origin``), else ``source``."""
    evaluation, joins = scenario.evaluation, scenario.schedule.provincial_event_joins
    known = {
        "topic": world.topics.names,
        "province": tuple(str(p) for p in world.provinces),
        "district": tuple(str(d) for d in world.district_names),
    }
    named = [("evaluation.headline_topics", t, "topic") for t in evaluation.headline_topics]
    named += [("evaluation.pinned_choosers", t, "topic") for t in evaluation.pinned_choosers]
    named += [
        ("schedule.provincial_event_joins", p, "province") for pair in joins.items() for p in pair
    ]
    named += [("funding.facilitation_base", scenario.funding.facilitation_base, "district")]
    for field, name, what in named:
        if name not in known[what]:
            raise InputError(
                (origin or {}).get(field, source),
                field,
                name,
                f"a {what} of the world ({', '.join(known[what])})",
            )


def _calendar_rules(scenario: Scenario, world: World) -> list[tuple[str, tuple, int, str]]:
    """Each schedule field, its months, the first month it may not use, and what its months
    count from (:func:`check_calendar`)."""
    levers, schedule = scenario.design, scenario.schedule
    months = levers.programme_months
    phased = levers.phase_interval_months * (len(world.provinces) - 1)
    last_start = phased if levers.phasing == "by_province" else 0
    return [
        ("schedule.coaching_months", schedule.coaching_months, months, "since launch"),
        ("schedule.visit_window", schedule.visit_window, months, "since launch"),
        (
            "schedule.provincial_event_months",
            schedule.provincial_event_months,
            months,
            "since the province's launch",
        ),
        (
            "schedule.virtual_event_months",
            schedule.virtual_event_months,
            months + last_start,
            "since the programme's start",
        ),
    ]


def check_calendar(scenario: Scenario, world: World, path: Path, origin: dict[str, str]) -> None:
    """Every month of a scenario file's schedule falls within the programme, so none is dropped.

    The calendar (:mod:`sim.calendar`) holds nothing at or after a programme's end: coaching
    visits, exchange visits and provincial events are counted from each launch and must come
    before ``programme_months``; virtual events are counted from the programme's start and must
    come before the last province's programme ends (later with ``phasing = "by_province"``).
    Checked when a file is loaded; a lever that shortens the programme afterwards (the dashboard,
    an experiment's factor) cuts the schedule, as documented for ``programme_months``, and
    :func:`schedule_within_programme` gives the cut explicitly."""
    months = scenario.design.programme_months
    for field, values, limit, counted in _calendar_rules(scenario, world):
        late = [month for month in values if month >= limit]
        if late:
            rule = CrossFieldError(
                f"{field} must be months {counted} before the programme ends, 0 to "
                f"{limit - 1} (design.programme_months = {months}); {late[0]} is not",
                {field: list(values), "design.programme_months": months},
            )
            raise _blame(rule, origin, path)


def schedule_within_programme(scenario: Scenario) -> dict:
    """The schedule changes that keep every month within a (shortened) programme: months at or
    after its end dropped, and the exchange-visit window ending at its last month, so the visits
    a budget pays for are spread over the months the programme has instead of falling after it.
    For whoever shortens a programme on purpose (``tpn optimize --years``)."""
    changes: dict = {}
    for field, values, limit, _ in _calendar_rules(scenario, cached_world(scenario.world)):
        name = field.removeprefix("schedule.")
        if name == "visit_window":
            first, last = values
            if last >= limit:
                changes[name] = (min(first, limit - 1), limit - 1)
        elif any(month >= limit for month in values):
            changes[name] = tuple(month for month in values if month < limit)
    if "coaching_months" in changes:
        kept = set(changes["coaching_months"])
        changes["virtual_coaching_months"] = tuple(
            month for month in scenario.schedule.virtual_coaching_months if month in kept
        )
    return changes


def warn_pinned_above_members(
    scenario: Scenario, world: World, source: str, origin: dict[str, str]
) -> None:
    """A word when ``pinned_choosers`` asks for more choosers of a topic than the world has
    members it applies to: the run goes on with fewer (every member with a stronger peer), as
    documented, so a shipped scenario still runs on a small world; a warning, not an error. (With
    a priorities.csv the choices are the world's and nothing is pinned.)"""
    if world.chosen_rising is not None:
        return
    member = world.member | (scenario.design.membership == "all")
    for topic, wanted in scenario.evaluation.pinned_choosers.items():
        kind = world.topics.applies_to[world.topics.index(topic)]
        members = int((member & (world.kind == kind)).sum())
        if wanted > members:
            field = "evaluation.pinned_choosers"
            warning = InputWarning(
                origin.get(field, source),
                f"{field}.{topic}",
                wanted,
                f"more than the world's {members} member {KIND_LABELS[kind]}; fewer will "
                "choose it (every member that can)",
            )
            warnings.warn(warning, stacklevel=3)


def validate(data: dict[str, Any], origin: dict[str, str], path: Path) -> Scenario:
    """Build the pydantic model; the first problem becomes a one-line :class:`InputError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        rule = problem.get("ctx", {}).get("error")
        if isinstance(rule, CrossFieldError):
            raise _blame(rule, origin, path) from None
        location = ".".join(str(part) for part in problem["loc"])
        top = ".".join(str(part) for part in problem["loc"][:2])
        source = origin.get(top, origin.get(location, str(path)))
        raise InputError(
            source, location or "scenario", problem.get("input"), _allowed(problem)
        ) from None


def _blame(rule: CrossFieldError, origin: dict[str, str], path: Path) -> InputError:
    """A broken rule between fields as an error naming the field the user set last: one set on
    the command line (``--set``), else in the file loaded (``path``), else in a file it extends,
    else the first field of the rule."""

    def rank(field: str) -> int:
        source = origin.get(field)
        if source is None:
            return 3
        if source == str(path):
            return 1
        return 2 if Path(source).is_file() else 0

    field = min(rule.fields, key=rank)
    return InputError(origin.get(field, str(path)), field, rule.fields[field], str(rule))


def split_key(key: str, source: str) -> tuple[str, str]:
    """``'design.virtual_share'`` or ``'virtual_share'`` -> ``('design', 'virtual_share')``."""
    if "." in key:
        section, field = key.split(".", 1)
        if section in SECTIONS and field in SECTIONS[section].model_fields:
            return section, field
    elif key in SECTION_OF:
        return SECTION_OF[key], key
    elif key in TOP_LEVEL_KEYS and key != "extends":
        return "", key
    raise InputError(source, "parameter", key, "a parameter listed by `tpn show SCENARIO`")


def parse_overrides(assignments: list[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as a dict of overrides."""
    return dict(parse_assignment(text) for text in assignments)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``'key=value'`` from the command line; the value is read as TOML (number, list, string)."""
    if "=" not in text:
        raise InputError("--set", "assignment", text, "KEY=VALUE")
    key, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise InputError(path, "extends", loop, "a chain of scenarios without a loop")
    data = read_toml(path)
    origin = {_key(section, field): str(path) for section, field in _leaves(data)}
    for key in ("world", "posterior"):  # paths relative to the file that names them
        if key in data:
            data[key] = str((path.parent / str(data[key])).resolve())
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, origin
    parent_path = find_scenario(str(parent_ref), named_in=path)
    parent, parent_origin = _resolve(parent_path, (*chain, path))
    parent.pop("name", None)
    merged = {**parent}
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = {**parent[key], **value}
        else:
            merged[key] = value
    return merged, {**parent_origin, **origin}


def _leaves(data: dict[str, Any]):
    for key, value in data.items():
        if isinstance(value, dict):
            for field in value:
                yield key, field
        else:
            yield "", key


def _key(section: str, field: str) -> str:
    return f"{section}.{field}" if section else field


def _allowed(problem: dict[str, Any]) -> str:
    if problem["type"] == "extra_forbidden":
        section = problem["loc"][0] if len(problem["loc"]) > 1 else None
        fields = SECTIONS[section].model_fields if section in SECTIONS else TOP_LEVEL_KEYS
        sections = "" if section in SECTIONS else f"; sections: {', '.join(SECTIONS)}"
        return f"unknown key; allowed: {', '.join(fields)}{sections}"
    return allowed_text(problem)
