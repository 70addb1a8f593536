"""Scenario files: TOML in, a validated :class:`sim.params.Scenario` out.

A scenario may ``extends`` another (by name or path) and override a few values; the chain is
merged section by section, the world folder (and a posterior sample) is resolved relative to the
file that names it, and every error names the file that set the offending value.
"""

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.params import SECTION_OF, SECTIONS, Scenario
from sim.tomlio import read_toml
from sim.world import World, cached_world

# Where a value given on the command line (not in a file) is said to come from, in errors.
COMMAND_LINE = "command line"
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
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


def find_scenario(reference: str, relative_to: Path | None = None) -> Path:
    """A scenario file from a path, or from a name looked up beside ``relative_to`` then shipped."""
    candidate = Path(reference)
    if candidate.suffix == ".toml" or candidate.is_file():
        if relative_to is not None and not candidate.is_absolute():
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate.resolve()
        if candidate.is_dir():
            raise InputError(
                relative_to or COMMAND_LINE, "scenario", reference, "a .toml file, not a folder"
            )
        raise InputError(relative_to or COMMAND_LINE, "scenario", reference, "file not found")
    folders = ([relative_to] if relative_to else []) + [SCENARIO_DIR]
    for folder in folders:
        path = folder / f"{reference}.toml"
        if path.is_file():
            return path.resolve()
    names = ", ".join(p.stem for p in shipped_scenarios())
    raise InputError(
        relative_to or COMMAND_LINE,
        "scenario",
        reference,
        f"a .toml file or a shipped scenario ({names})",
    )


def load_scenario(reference: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends``), override and validate a scenario."""
    path = find_scenario(str(reference))
    merged, origin = _resolve(path, chain=())
    merged.setdefault("name", path.stem)
    merged.setdefault("world", str(SCENARIO_DIR / "worlds" / "rwanda"))
    _set(merged, origin, overrides or {}, "--set")
    scenario = validate(merged, origin, path)
    scenario.origin.update(origin)
    check_world_names(scenario, cached_world(scenario.world), str(path), origin)
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
    """Topics named by the evaluation and provinces named by the schedule must exist in the
    scenario's world; the error names the file that set the field (``origin``), else ``source``."""
    evaluation, joins = scenario.evaluation, scenario.schedule.provincial_event_joins
    topics, provinces = world.topics.names, tuple(str(p) for p in world.provinces)
    named = [("evaluation.headline_topics", t, topics) for t in evaluation.headline_topics]
    named += [("evaluation.pinned_choosers", t, topics) for t in evaluation.pinned_choosers]
    named += [
        ("schedule.provincial_event_joins", p, provinces) for pair in joins.items() for p in pair
    ]
    for field, name, known in named:
        if name not in known:
            what = "topic" if known is topics else "province"
            raise InputError(
                (origin or {}).get(field, source),
                field,
                name,
                f"a {what} of the world ({', '.join(known)})",
            )


def validate(data: dict[str, Any], origin: dict[str, str], path: Path) -> Scenario:
    """Build the pydantic model; the first problem becomes a one-line :class:`InputError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(str(part) for part in problem["loc"])
        top = ".".join(str(part) for part in problem["loc"][:2])
        source = origin.get(top, origin.get(location, str(path)))
        raise InputError(
            source, location or "scenario", problem.get("input"), _allowed(problem)
        ) from None


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
    parent_path = find_scenario(str(parent_ref), relative_to=path.parent)
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
        return f"unknown key; allowed: {', '.join(fields)}"
    message = problem["msg"]
    for prefix in ("Input should be ", "Value error, "):
        if message.startswith(prefix):
            message = "must be " + message[len(prefix) :]
    return message
