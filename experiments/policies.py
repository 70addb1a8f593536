"""The policies of an experiment: the designs compared, each resolved into the levers it sets.

A policy is what a planner could choose (the levers, L of the XLRM frame): the levers of a
scenario file, lever values given by name, or one combination of a factorial over levers. It
sets levers only (the design, schedule and funding sections): the context stays the base
scenario's, and the experiment's uncertainties vary it alike for every policy, so that two
policies at one uncertainty point differ by their levers alone.
"""

import itertools
import re
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
    (``design_dyad__virtual_share_0_3``)."""
    if not levels:
        return []
    fields = list(_by_bare_name(dict.fromkeys(levels), path, "policy_factorial"))
    for key, values in levels.items():
        if not values:
            raise InputError(path, f"policy_factorial.{key}", [], "at least one level")
    varying = {
        field for field, values in zip(fields, levels.values(), strict=True) if len(values) > 1
    }
    policies = []
    for combination in itertools.product(*levels.values()):
        chosen = dict(zip(fields, combination, strict=True))
        name = "__".join(f"{f}_{_slug(v)}" for f, v in chosen.items() if f in varying)
        policy = Policy(name=name or "base", levers=chosen)
        _check_valid(base, chosen, path, f"policy_factorial ({policy.name})")
        policies.append(policy)
    return policies


def _slug(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(value)).strip("_") or "none"
