"""Every parameter of a scenario with its value, unit, source and meaning (``tpn show``)."""

import pandas as pd

from sim.params import SECTIONS, Scenario


def parameter_table(scenario: Scenario) -> pd.DataFrame:
    rows = []
    for name, field in Scenario.model_fields.items():
        if name in SECTIONS:
            continue
        rows.append(_row(name, getattr(scenario, name), field))
    for section, model in SECTIONS.items():
        values = getattr(scenario, section)
        for name, field in model.model_fields.items():
            rows.append(_row(f"{section}.{name}", getattr(values, name), field))
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
