"""The policies of an experiment: the designs compared, each resolved into the levers it sets.

A policy is what a planner could choose (the levers, L of the XLRM frame): the levers of a
scenario file, lever values given by name, or one combination of a factorial over levers (and
over scenarios, under the key ``scenario``). It sets levers only (the design, schedule and
funding sections): the context stays the base scenario's, and the experiment's uncertainties
vary it alike for every policy, so that two policies at one uncertainty point differ by their
levers alone.

The ``design`` lever alone changes only who learns from whom (:mod:`sim.matching`); the
activities a programme holds are its schedule's. :data:`DESIGNS` is therefore the one table of
the programme designs a planner chooses between: each is the shipped scenario that holds it,
activities and all (the RHSS provincial sessions hold no coaching and no exchange visits), with
the levers that change what it does. `tpn optimize` searches, and a factorial over scenarios
varies, only the levers with an effect on the design at hand (:func:`has_effect`).
"""

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.errors import InputError
from sim.params import Scenario
from sim.scenario import load_scenario, split_key, with_overrides

LEVER_SECTIONS = ("design", "schedule", "funding")
LEVER = "a lever: a parameter of the design, schedule or funding section (`tpn show SCENARIO`)"
# What a scenario may differ in from the base and still be a policy: its levers and labels (and
# the text of its world's path, compared as a folder instead).
NOT_COMPARED = (*LEVER_SECTIONS, "name", "description", "replications", "seed", "world")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
SCENARIO_KEY = "scenario"  # a policy_factorial key whose levels are scenarios, not lever values
NO_EFFECT = "no effect"  # what a table shows for a lever without effect on the design at hand


@dataclass(frozen=True)
class ProgrammeDesign:
    """A design a planner chooses: the shipped scenario that holds it (its own activities
    included, as its differences from the TPN as run), and the levers that change what it
    does."""

    scenario: str
    levers: tuple[str, ...]


# Levers that act only through exchange visits: without visits they change nothing.
VISIT_LEVERS = ("visit_allocation", "max_visits_per_partnership")
# Which lever acts under which design (sim.matching, sim.calendar): the matching rule picks a
# host in the network and a partner in a dyad, but the provincial and hub designs always take
# the best measured peer; host capacity limits the network's hosts only (a dyad has one
# partner). The RHSS provincial sessions hold no exchange visits (the provincial_sessions
# scenario): visits would make another design, so they are not a lever of it. The virtual share
# acts on exchange visits and provincial events (see has_effect).
DESIGNS: dict[str, ProgrammeDesign] = {
    "network": ProgrammeDesign(
        "tpn_2021",
        (
            "matching_rule",
            "host_capacity",
            "exchange_visits_per_year",
            *VISIT_LEVERS,
            "virtual_share",
            "performance_contracts",
        ),
    ),
    "dyad": ProgrammeDesign(
        "dyad",
        (
            "matching_rule",
            "exchange_visits_per_year",
            *VISIT_LEVERS,
            "virtual_share",
            "performance_contracts",
        ),
    ),
    "hub": ProgrammeDesign(
        "hub",
        ("exchange_visits_per_year", *VISIT_LEVERS, "virtual_share", "performance_contracts"),
    ),
    "provincial": ProgrammeDesign(
        "provincial_sessions", ("virtual_share", "performance_contracts")
    ),
}
# The levers whose effect depends on the design; any other lever acts under every design.
DESIGN_DEPENDENT = tuple(dict.fromkeys(lever for d in DESIGNS.values() for lever in d.levers))
# The scenario every design scenario extends; a design is what its scenario changes in it.
DESIGN_REFERENCE = "tpn_2021"


class Policy(BaseModel):
    """One design to compare: a scenario's levers, lever values, or both (the values win)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="a word: `tpn discover` conditions name the policy by it")
    scenario: str | None = Field(
        None, description="a scenario whose levers it takes: shipped name or path"
    )
    levers: dict[str, Any] = Field({}, description="lever values by parameter name")

    @field_validator("name")
    @classmethod
    def _a_word(cls, name: str) -> str:
        if not NAME.fullmatch(name):
            raise ValueError(
                "a word of letters, digits and _ starting with a letter "
                "(`tpn discover` conditions name the policy by it)"
            )
        return name


def has_effect(lever: str, scenario: Scenario) -> bool:
    """Whether setting ``lever`` (a bare name) can change a run of ``scenario``: by the
    :data:`DESIGNS` table for its design (none under design = 'none'), the visit levers only when
    exchange visits are held, and the virtual share only when exchange visits or provincial
    events are (during the programme, or a year after it ends within the horizon)."""
    if lever not in DESIGN_DEPENDENT:
        return True
    design = DESIGNS.get(scenario.design.design)
    if design is None or lever not in design.levers:
        return False
    levers, funding = scenario.design, scenario.funding
    visits = levers.exchange_visits_per_year > 0
    if lever in VISIT_LEVERS:
        return visits
    if lever == "virtual_share":
        programme_end = levers.programme_start_month + levers.programme_months
        later_events = (
            funding.continuation_event_interval_months > 0
            and scenario.horizon_months >= programme_end + 12
        )
        return visits or bool(scenario.schedule.provincial_event_months) or later_events
    return True


def design_changes(design: str) -> dict[str, Any]:
    """What makes ``design`` (a key of :data:`DESIGNS`): the levers its scenario sets otherwise
    than the TPN as run (its activities too), and the design itself."""
    reference = load_scenario(DESIGN_REFERENCE)
    scenario = DESIGNS[design].scenario
    changes = _scenario_levers(scenario, reference, Path(scenario), "designs")
    return {**changes, "design": design}


def scenario_reference(reference: str, path: Path) -> str:
    """A scenario named in an experiment file: a .toml path relative to that file, else a name."""
    candidate = Path(path).parent / reference
    return str(candidate) if candidate.suffix == ".toml" and candidate.is_file() else reference


def resolve_policies(
    listed: tuple[Policy, ...],
    factorial: dict[str, tuple[Any, ...]],
    base: Scenario,
    path: Path,
) -> tuple[Policy, ...]:
    """Every policy with all its levers by bare name (a scenario's too), each checked valid on
    the base: listed ones first, then each combination of ``factorial``, in order."""
    policies = [_resolved(policy, base, path) for policy in listed]
    policies += _factorial(factorial, base, path)
    seen: set[str] = set()
    for policy in policies:
        if policy.name in seen:
            raise InputError(path, "policies", policy.name, "a name no other policy has")
        seen.add(policy.name)
    if len(policies) < 2:
        raise InputError(
            path,
            "policies",
            ", ".join(seen) or "none",
            "at least two policies to compare ([[policies]] entries or a [policy_factorial])",
        )
    return tuple(policies)


def _resolved(policy: Policy, base: Scenario, path: Path) -> Policy:
    where = f"policies.{policy.name}"
    levers = _scenario_levers(policy.scenario, base, path, where) if policy.scenario else {}
    levers.update(_by_bare_name(policy.levers, path, f"{where}.levers"))
    _check_valid(base, levers, path, where)
    return policy.model_copy(update={"levers": levers})


def _scenario_levers(reference: str, base: Scenario, path: Path, where: str) -> dict[str, Any]:
    """The lever values in which a scenario differs from the base; any other difference (its
    world, a context assumption, the evaluation) would not be a policy and is refused."""
    scenario = load_scenario(scenario_reference(reference, path))
    mine, theirs = scenario.model_dump(), base.model_dump()
    others = _differences_beyond_levers(mine, theirs)
    if Path(scenario.world).resolve() != Path(base.world).resolve():
        others.insert(0, "world")
    if others:
        raise InputError(
            path,
            f"{where}.scenario",
            reference,
            f"a scenario that differs from the base {base.name} in levers only (design, "
            f"schedule, funding); it also sets {', '.join(others)}",
        )
    return {
        field: value
        for section in LEVER_SECTIONS
        for field, value in mine[section].items()
        if value != theirs[section][field]
    }


def _differences_beyond_levers(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The values (``section.field`` or a top-level key) outside the levers, the labels and the
    world (compared as a folder, not as text) in which two dumped scenarios differ."""
    found = []
    for key, value in mine.items():
        if key in NOT_COMPARED:
            continue
        if isinstance(value, dict):
            found += [f"{key}.{field}" for field in value if value[field] != theirs[key][field]]
        elif value != theirs[key]:
            found.append(key)
    return found


def _by_bare_name(levers: dict[str, Any], path: Path, where: str) -> dict[str, Any]:
    """Lever values keyed by bare parameter name (``design.virtual_share`` -> ``virtual_share``),
    so that two spellings of one lever cannot both be set."""
    named: dict[str, Any] = {}
    for key, value in levers.items():
        section, field = split_key(key, f"{path}: {where}")
        if section not in LEVER_SECTIONS:
            raise InputError(path, where, key, LEVER)
        if field in named:
            raise InputError(path, where, key, f"one value per lever ('{field}' is set twice)")
        named[field] = value
    return named


def _check_valid(base: Scenario, levers: dict[str, Any], path: Path, where: str) -> None:
    """Every lever value valid on the base: an error names the policy and the lever."""
    with_overrides(base, levers, f"{path}: {where}")


def _factorial(levels: dict[str, tuple[Any, ...]], base: Scenario, path: Path) -> list[Policy]:
    """One policy per combination of the levels, named by the values that vary
    (``design_dyad__virtual_share_0_3``). Under the key ``scenario`` the levels are scenarios,
    whose levers a combination takes first; a lever value without effect on the combination's
    design (:func:`has_effect`) is left out, and combinations that become alike are run once."""
    if not levels:
        return []
    for key, values in levels.items():
        if not values:
            raise InputError(path, f"policy_factorial.{key}", [], "at least one level")
    keys = [key for key in levels if key != SCENARIO_KEY]
    fields = list(_by_bare_name(dict.fromkeys(keys), path, "policy_factorial"))
    scenarios = levels.get(SCENARIO_KEY, (None,))
    own = {
        reference: _scenario_levers(reference, base, path, f"policy_factorial.{SCENARIO_KEY}")
        for reference in scenarios
        if reference is not None
    }
    columns = [SCENARIO_KEY, *fields] if SCENARIO_KEY in levels else fields
    varying = {
        column
        for column, values in zip(columns, [scenarios, *(levels[k] for k in keys)], strict=False)
        if len(values) > 1
    }
    policies, seen = [], set()
    for reference, *combination in itertools.product(scenarios, *(levels[k] for k in keys)):
        chosen = _with_effect(
            own.get(reference, {}), dict(zip(fields, combination, strict=True)), base, path
        )
        named = {SCENARIO_KEY: reference, **chosen} if reference is not None else chosen
        name = "__".join(
            _slug(v) if f == SCENARIO_KEY else f"{f}_{_slug(v)}"
            for f, v in named.items()
            if f in varying
        )
        if name in seen:
            continue
        seen.add(name)
        policies.append(Policy(name=name or "base", levers={**own.get(reference, {}), **chosen}))
    return policies


def _with_effect(
    own: dict[str, Any], chosen: dict[str, Any], base: Scenario, path: Path
) -> dict[str, Any]:
    """The ``chosen`` lever values that have an effect on the scenario they make with ``own``
    (a scenario's levers), checked valid; dropping one can take the effect of another away
    (no visits, no visit allocation), so it is repeated until nothing more drops."""
    where = "policy_factorial (" + ", ".join(f"{f} = {v!r}" for f, v in chosen.items()) + ")"
    while True:
        scenario = with_overrides(base, {**own, **chosen}, f"{path}: {where}")
        kept = {f: v for f, v in chosen.items() if has_effect(f, scenario)}
        if kept == chosen:
            return chosen
        chosen = kept


def _slug(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(value)).strip("_") or "none"
