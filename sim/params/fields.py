"""How a parameter is declared: its default, unit, source and meaning travel with the field.

Sources say where a value comes from: the publication of the TPN evaluation, an assumption
(with what in the publication it rests on), or a calibration against that evaluation.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ASSUMPTION = "assumption"
PAPER = "Gasana et al. 2024"
PUBLICATION = f"{PAPER} (Glob Health Sci Pract 12(5):e2300280)"


def assumed(note: str) -> str:
    """The source of an assumption that rests on something the publication reports."""
    return f"{ASSUMPTION} ({PAPER}: {note})"


def calibrated(note: str = "") -> str:
    """The source of a parameter that `tpn calibrate` fits to the evaluation: its default is an
    assumption, the value tpn_2021 uses comes from scenarios/calibration/tpn_2021.toml."""
    basis = f"; {PAPER}: {note}" if note else ""
    return (
        f"{ASSUMPTION}, the starting value of `tpn calibrate`, which fits it to the evaluation; "
        f"tpn_2021 uses the fitted value (scenarios/calibration/tpn_2021.toml){basis}"
    )


def param(default: Any, unit: str, source: str, description: str, **limits: Any) -> Any:
    """A documented parameter: the unit and source travel with the field into ``tpn show``."""
    return Field(
        default,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
        **limits,
    )


class Section(BaseModel):
    """A group of parameters: unknown keys are errors, values are validated and frozen, and
    every number is finite (``inf`` and ``nan`` are refused, whatever the field's range)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


class CrossFieldError(ValueError):
    """A rule between parameters is broken: ``fields`` maps each field involved (``section.field``
    or a top-level name) to its value, so the error can name the one the user set last."""

    def __init__(self, message: str, fields: dict[str, Any]) -> None:
        super().__init__(message)
        self.fields = fields
