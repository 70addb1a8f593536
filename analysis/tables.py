"""Terminal tables and their JSON twins: every table a command prints is also a list of records."""

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.activity_kinds import ACTIVITY_KINDS
from sim.outcome_registry import Outcome
from sim.payers import FUNDERS


def headline_outcomes(topics: Sequence[str]) -> list[str]:
    """The outcomes a planner reads first, in reading order: per topic what was measured and
    caused, the activities that teach, the network, then money (labels and units are in
    :mod:`sim.outcome_registry`)."""
    rows = []
    for topic in topics:
        rows += [
            f"{topic}.{m}"
            for m in (
                "choosers",
                "chooser_change",
                "comparison_change",
                "difference",
                "p_value",
                "causal_effect",
            )
        ]
    return [
        *rows,
        *(f"activities.{kind.name}" for kind in ACTIVITY_KINDS if kind.efficacy),
        "activities.cancelled",
        "activities.travel_person_days",
        "network.ties",
        "network.ties_per_host",
        "network.reciprocity",
        *money_outcomes(topics),
    ]


def money_outcomes(topics: Sequence[str]) -> list[str]:
    """Costs beside gains, and what lasts after the donor leaves."""
    rows = [
        "gains.institution_points",
        "costs.total",
        "costs.total_usd",
        *(f"costs.{funder}" for funder in FUNDERS),
        "costs.per_member",
        "costs.staff_time",
        "activities.unfunded",
    ]
    for topic in topics:
        rows += [
            f"{topic}.{m}"
            for m in (
                "cost_per_point",
                "effect_at_exit",
                "effect_2y_after_exit",
                "effect_5y_after_exit",
                "gain_retained",
            )
        ]
    return [*rows, "activities.after_exit_per_year", "sustain.still_twinning"]


def format_number(value: float) -> str:
    """A number for a table: thousands separators from 100 up, fewer decimals as it grows, and
    never scientific notation (a small number keeps two significant digits: 0.0032)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.01 or value == 0:
        return f"{value:.2f}"
    return np.format_float_positional(value, precision=2, unique=False, fractional=False)


def is_money(record: Outcome) -> bool:
    return record.unit.split(" ", 1)[0] in ("RWF", "USD")


def format_value(value: float, record: Outcome) -> str:
    """A value as what it is, by its outcome's kind: a share or probability as a percentage
    within 0-100%, money with thousands separators and never below zero, a count whole (a rate
    such as "ties per host" with one decimal), anything else by :func:`format_number`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if record.kind in ("share", "probability"):
        return f"{100 * min(max(value, 0.0), 1.0):.0f}%"
    if is_money(record):
        return f"{max(value, 0.0):,.0f}"
    if record.kind == "count":
        return f"{value:.1f}" if " per " in f" {record.unit} " else f"{round(value):,.0f}"
    return "0" if value == 0 else format_number(value)


def format_estimate(mean: float, low: float, high: float, record: Outcome) -> str:
    """``mean [low to high]`` in the outcome's own format; the mean alone without an
    interval (or one of no width)."""
    shown = format_value(mean, record)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
        return shown
    ends = format_value(low, record), format_value(high, record)
    return shown if ends[0] == ends[1] == shown else f"{shown} [{ends[0]} to {ends[1]}]"


def unit_words(record: Outcome) -> str:
    """The unit a person reads beside a value of :func:`format_value`."""
    return "%" if record.kind in ("share", "probability") else record.unit


def format_interval(mean: float, low: float, high: float) -> str:
    if low == high or any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return format_number(mean)
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def shorten(text: str, width: int) -> str:
    """Cut long text for a terminal column, keeping its end when it is a path."""
    if len(text) <= width:
        return text
    if "/" in text and " " not in text:
        return "..." + text[-(width - 3) :]
    return text[: width - 3] + "..."


def render(frame: pd.DataFrame, title: str = "", left: int = 1) -> str:
    """A plain aligned text table: the first ``left`` columns left-aligned, the rest right."""
    columns = list(frame.columns)
    cells = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [
        max(len(str(c)), *(len(r[i]) for r in cells)) if cells else len(str(c))
        for i, c in enumerate(columns)
    ]

    def line(values):
        cells = [
            v.ljust(w) if i < left else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    out = ([title] if title else []) + [line([str(c) for c in columns]), rule]
    out += [line(r) for r in cells]
    return "\n".join(out)


def to_json(frame: pd.DataFrame) -> str:
    """Records with NaN as null, ready for ``jq``."""
    return json.dumps(json.loads(frame.to_json(orient="records")), indent=1)
