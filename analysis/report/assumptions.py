"""The report's appendix of assumptions: the values nobody measured, in plain language.

Every parameter is described once, in :mod:`sim.params` (unit, source, meaning); this module
only chooses the ones whose source is an assumption or a fit, and says their values as a reader
would. The factors an experiment varies are described from the same declarations.
"""

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from analysis.paramdoc import parameter_table
from analysis.report.elements import section, table
from analysis.report.folder import read_json
from sim.errors import InputError
from sim.params import SECTIONS, Scenario
from sim.scenario import load_scenario, split_key

SECTION_TITLES = {
    "": "General",
    "design": "Design levers: what a planner chooses",
    "schedule": "Activity schedule",
    "context": "Context assumptions: what nobody controls",
    "funding": "Funding",
    "evaluation": "Evaluation",
}
INTRO = (
    "Values nobody measured: assumptions, some of them fitted so that the model reproduces "
    "the evaluation's figures. Published values (the programme's calendar, group sizes, "
    "the evaluation's design) are not listed; the command tpn show SCENARIO prints every "
    "parameter with its source."
)


def assumptions_section(scenario_files: dict[str, Path]) -> dict:
    """Parameters whose source is an assumption (or a fit), grouped by section, one value column
    per scenario; rows whose value differs between scenarios in bold."""
    frames = {name: _parameters(path) for name, path in scenario_files.items()}
    frames = {name: frame for name, frame in frames.items() if frame is not None}
    if not frames:
        return section(
            "Assumptions in plain language",
            intro="scenario.json could not be read by this version of tpn-sim; "
            "the command tpn show SCENARIO lists the assumptions.",
        )
    names = list(frames)
    first = frames[names[0]]
    chosen = first[first["source"].map(_is_assumption) & (first["parameter"] != "replications")]
    groups = []
    for key, rows in chosen.groupby(
        chosen["parameter"].map(lambda p: p.split(".", 1)[0] if "." in p else ""), sort=False
    ):
        records, strong = [], []
        for row in rows.itertuples(index=False):
            unit = {"-": "", "0-1": " (0-1 scale)"}.get(row.unit, f" {row.unit}")
            values = [plain_value(_lookup(frames[n], row.parameter, row.value)) for n in names]
            values = [with_unit(v, unit) for v in values]
            strong.append(len(set(values)) > 1)
            records.append(
                {
                    "parameter": row.parameter.split(".", 1)[-1].replace("_", " "),
                    **{
                        (n if len(names) > 1 else "value"): v
                        for n, v in zip(names, values, strict=True)
                    },
                    "what it means": row.description,
                    "basis": _plain_source(row.source),
                }
            )
        groups.append(
            table(
                pd.DataFrame(records),
                heading=SECTION_TITLES.get(key, key.capitalize()),
                left=len(records[0]),
                strong=strong if any(strong) else None,
                full=True,
                css="assumptions",
            )
        )
    intro = INTRO + (" Bold rows differ between scenarios." if len(names) > 1 else "")
    return section("Assumptions in plain language", intro=intro, tables=groups)


def factor_row(name: str, factor: dict) -> dict:
    """One factor an experiment varies: the values sampled, with the parameter's unit, meaning
    and source as :mod:`sim.params` declares them."""
    try:
        key, field = split_key(name, "experiment")
    except InputError:
        key, field = "", ""
    info = (SECTIONS[key] if key else Scenario).model_fields.get(field)
    extra = (info.json_schema_extra or {}) if info else {}
    if factor.get("range") is not None:
        varied = f"{plain_value(factor['range'][0])} to {plain_value(factor['range'][1])}"
        if factor.get("points"):
            varied += f" ({factor['points']} points)"
    elif factor.get("levels") is not None:
        varied = "levels " + plain_value(list(factor["levels"]))
    else:
        varied = (
            f"normal, mean {plain_value(factor.get('mean'))}, SD {plain_value(factor.get('sd'))}"
        )
    return {
        "factor": name,
        "values sampled": varied,
        "unit": "" if extra.get("unit", "-") == "-" else extra["unit"],
        "what it means": info.description if info else "",
        "basis": _plain_source(extra.get("source", "-")),
    }


def with_unit(value: str, unit: str) -> str:
    """A value with its unit as a reader says it: "not set" and "none" take no unit ("none",
    not "none programme months"), and one takes the singular ("1 visit/year", "1 month")."""
    if value in ("not set", "none") or not unit:
        return value
    if unit.strip() == "share":
        try:
            return f"{100 * float(value):.0f}%"
        except ValueError:
            return value
    if value == "1":
        head, *rest = unit.strip().split(" ", 1)
        first, slash, tail = head.partition("/")
        if first.endswith("s") and not first.endswith("ss"):
            unit = " " + " ".join([first[:-1] + slash + tail, *rest])
    return value + unit


def plain_value(value: Any) -> str:
    """A value as a reader says it: an unset optional parameter is "not set" (not "None RWF"),
    large numbers are written out with thousands separators (250,000,000, not 2.5e+08)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and abs(value) >= 1e4:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain_value(v)}" for k, v in value.items()) or "none"
    return str(value)


def shipped_scenario(name: str) -> Scenario | None:
    """The scenario of that name as tpn-sim ships it today, or None."""
    try:
        return load_scenario(name)
    except (InputError, OSError):
        return None


def _parameters(path: Path) -> pd.DataFrame | None:
    """``tpn show``'s table for a scenario.json, keeping only the fields it holds; parameters
    the shipped scenario of that name took from a calibration keep that source when the value
    is the same."""
    data = read_json(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError:
        return None
    shipped = shipped_scenario(scenario.name)
    if shipped is not None:
        for key, setter in shipped.origin.items():
            if "calibration" in Path(setter).parts and _value(shipped, key) == _value(
                scenario, key
            ):
                scenario.origin[key] = setter
    parameters = parameter_table(scenario)
    present = set()  # a scenario.json from an older tpn-sim lacks newer fields: leave them out
    for key, value in data.items():
        if isinstance(value, dict) and key in SECTIONS:
            present |= {f"{key}.{field}" for field in value}
        else:
            present.add(key)
    return parameters[parameters["parameter"].isin(present)].reset_index(drop=True)


def _value(scenario: Scenario, key: str) -> Any:
    group, _, field = key.rpartition(".")
    return getattr(getattr(scenario, group) if group else scenario, field, None)


def _lookup(frame: pd.DataFrame, parameter: str, default: Any) -> Any:
    match = frame.loc[frame["parameter"] == parameter, "value"]
    return match.iloc[0] if len(match) else default


def _is_assumption(source: str) -> bool:
    return source.lower().startswith(("assumption", "fitted"))


def _plain_source(source: str) -> str:
    """A parameter's source as the start of a sentence ("Assumption", "Fitted to ...")."""
    return source[:1].upper() + source[1:]
