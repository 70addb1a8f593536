"""Every parameter of the model, declared once, with its unit, allowed range and source.

A scenario is four groups, following the XLRM frame (EMA Workbench): the **design** levers a
planner controls (:mod:`sim.params.design`), the **context** assumptions nobody controls
(:mod:`sim.params.context`), the **schedule** of activities (:mod:`sim.params.schedule`) and the
**evaluation** that measures the result (:mod:`sim.params.evaluation`), plus who pays
(:mod:`sim.params.funding`). Field names are unique across groups, so any parameter can be set
by its bare name (``tpn run tpn_2021 --set virtual_share=0.8``, or as a keyword of
:class:`sim.model.TwinningModel` under ``mesa.batch_run``).

Sources cite the publication of the TPN evaluation, Gasana et al. 2024, Glob Health Sci Pract
12(5):e2300280 (:mod:`sim.params.fields`).
"""

import re

from pydantic import Field, PrivateAttr, field_validator, model_validator

from sim.params.context import Context
from sim.params.design import DesignLevers
from sim.params.evaluation import Evaluation
from sim.params.fields import ASSUMPTION, PUBLICATION, CrossFieldError, Section, param
from sim.params.funding import Funding
from sim.params.schedule import Schedule

__all__ = [
    "SECTIONS",
    "SECTION_OF",
    "Context",
    "CrossFieldError",
    "DesignLevers",
    "Evaluation",
    "Funding",
    "Scenario",
    "Schedule",
    "Section",
]


class Scenario(Section):
    """A complete, validated scenario: world + levers + assumptions + schedule + evaluation."""

    name: str = Field(description="Scenario name.")
    description: str = Field("", description="One line shown by `tpn scenarios`.")
    world: str = Field(
        "worlds/rwanda", description="World folder, relative to the scenario file's folder."
    )
    horizon_months: int = param(
        24, "months", PUBLICATION, "Months simulated (one step = one month).", ge=1, le=600
    )
    start_date: str = param(
        "2021-04",
        "YYYY-MM",
        PUBLICATION,
        "Calendar month of model month 0.",
    )
    replications: int = param(
        20, "runs", ASSUMPTION, "Replications per scenario.", ge=1, le=100_000
    )
    seed: int = param(2021, "-", "-", "Root seed; replication seeds derive from it.", ge=0)
    posterior: str | None = Field(
        None,
        description="Posterior sample (Parquet) that replications draw their uncertain "
        "parameters from, relative to the scenario file's folder; blank: the scenario's values.",
    )
    design: DesignLevers = DesignLevers()
    schedule: Schedule = Schedule()
    context: Context = Context()
    funding: Funding = Funding()
    evaluation: Evaluation = Evaluation()
    # Which file set each value ("section.field" -> path), for `tpn show` and error messages.
    _origin: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def origin(self) -> dict[str, str]:
        return self._origin

    @field_validator("start_date")
    @classmethod
    def _year_and_month(cls, text: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise ValueError("a year and month written YYYY-MM, e.g. '2021-04'")
        return text

    @model_validator(mode="after")
    def _programme_and_endline_within_horizon(self) -> "Scenario":
        levers, horizon = self.design, self.horizon_months
        last = levers.programme_start_month + levers.programme_months - 1
        if last > horizon:
            raise CrossFieldError(
                f"the programme (model months {levers.programme_start_month} to {last}) must "
                f"end within horizon_months ({horizon})",
                {
                    "design.programme_months": levers.programme_months,
                    "design.programme_start_month": levers.programme_start_month,
                    "horizon_months": horizon,
                },
            )
        if self.evaluation.endline_month > horizon:
            raise CrossFieldError(
                f"evaluation.endline_month ({self.evaluation.endline_month}) must be <= "
                f"horizon_months ({horizon})",
                {
                    "evaluation.endline_month": self.evaluation.endline_month,
                    "horizon_months": horizon,
                },
            )
        return self


SECTIONS: dict[str, type[Section]] = {
    "design": DesignLevers,
    "schedule": Schedule,
    "context": Context,
    "funding": Funding,
    "evaluation": Evaluation,
}
SECTION_OF: dict[str, str] = {
    field: section for section, model in SECTIONS.items() for field in model.model_fields
}
