"""Every parameter of a scenario with its value, unit, source and meaning, as one table.

`tpn show SCENARIO` prints it, the HTML report lists its assumptions from it, and
``python -m analysis.paramdoc`` (`make docs`) writes it for the shipped tpn_2021 scenario to
``docs/parameters.md``. Units, sources and meanings are declared once, on the fields of
:mod:`sim.params`; this module only lays them out.
"""

import os
from pathlib import Path

import pandas as pd

from sim.params import SECTIONS, Scenario
from sim.scenario import SCENARIO_DIR, load_scenario

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def parameter_table(scenario: Scenario) -> pd.DataFrame:
    """One row per parameter (``section.field``): value, unit, source and description. A value
    that a calibration file set is sourced to that file ("fitted to the evaluation")."""
    rows = []
    for name, field in Scenario.model_fields.items():
        if name in SECTIONS:
            continue
        value = getattr(scenario, name)
        if name == "world":  # shown relative to the shipped scenarios, so docs stay portable
            value = os.path.relpath(value, SCENARIO_DIR)
        rows.append(_row(name, value, field))
    for section, model in SECTIONS.items():
        values = getattr(scenario, section)
        for name, field in model.model_fields.items():
            row = _row(f"{section}.{name}", getattr(values, name), field)
            setter = scenario.origin.get(f"{section}.{name}", "")
            if "calibration" in Path(setter).parts:
                row["source"] = (
                    f"fitted to the evaluation ({os.path.relpath(setter, SCENARIO_DIR)})"
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _row(name: str, value, field) -> dict:
    extra = field.json_schema_extra or {}
    if isinstance(value, tuple):
        value = list(value)
    return {
        "parameter": name,
        "value": value,
        "unit": extra.get("unit", "-"),
        "source": extra.get("source", "-"),
        "description": field.description or "",
    }


def parameters_document() -> str:
    """``docs/parameters.md``: every parameter of tpn_2021 with unit, source and meaning."""
    table = parameter_table(load_scenario("tpn_2021")).to_markdown(index=False)
    return (
        "# Parameters\n\n"
        "Every parameter of the model with its value in the `tpn_2021` scenario, its unit, its\n"
        "source (a published figure, or *assumption*) and its meaning. Generated from\n"
        "`sim/params/` by `make docs` (a test fails when this file is out of date); "
        "`tpn show SCENARIO`\nprints the same for any scenario.\n\n" + table + "\n"
    )


if __name__ == "__main__":
    DOCUMENT.write_text(parameters_document())
    print(f"wrote {DOCUMENT}")
