"""The design levers: what a planner of a twinning programme chooses."""

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from sim.params.fields import ASSUMPTION, PUBLICATION, Section, assumed, param

Design = Literal["none", "dyad", "network", "provincial", "hub"]
MatchingRule = Literal["best", "similar", "nearest"]
VisitAllocation = Literal[
    "first_come", "largest_gap", "lowest_performer", "equal_by_province", "lottery"
]
Phasing = Literal["all", "by_province"]
Membership = Literal["world", "all"]
Priorities = Annotated[int, Field(ge=2, le=5)]


class DesignLevers(Section):
    """What a planner chooses."""

    design: Design = param(
        "network",
        "-",
        PUBLICATION,
        "Who learns from whom: none, dyad (one mutual partner), network (per rising topic a "
        "shining peer), provincial (the province's best measured peer), hub (the network's best "
        "per topic). It changes no activity: coaching, exchange visits and events stay as the "
        "schedule and exchange_visits_per_year say (the RHSS design without coaching or visits "
        "is the provincial_sessions scenario).",
    )
    membership: Membership = param(
        "world",
        "-",
        PUBLICATION,
        "Who takes part: 'world' uses the member column of institutions.csv, 'all' enrols everyone.",
    )
    matching_rule: MatchingRule = param(
        "best",
        "-",
        ASSUMPTION,
        "How a host is chosen among stronger peers: best performer, most similar context, nearest.",
    )
    priorities_range: tuple[Priorities, Priorities] = param(
        (2, 5),
        "topics",
        PUBLICATION + ": teams ranked between 2 and 5 priority areas each",
        "Fewest and most rising topics a team ranks.",
    )
    priorities_per_institution: float = param(
        3.0,
        "topics (mean per team)",
        assumed("teams ranked 2-5 priority areas; the mean and spread are not published"),
        "Mean number of rising topics a team ranks. Each team's number is the fewest of "
        "priorities_range plus a binomial draw over the rest of the range with this mean (at 3 "
        "in 2-5: 30% rank 2, 44% 3, 22% 4, 4% 5), capped at its applicable topics minus its "
        "strengths.",
        ge=2,
        le=5,
    )
    strengths_per_institution: int = param(
        2,
        "topics",
        PUBLICATION + ": each team names 1-3 strengths",
        "Shining topics per institution.",
        ge=1,
        le=3,
    )
    host_capacity: int = param(
        4,
        "mentees per host",
        ASSUMPTION,
        "Most rising ties one host accepts (network design; a dyad has one partner); exceeded, "
        "and counted, only when every stronger peer is full.",
        ge=1,
        le=100,
    )
    exchange_visits_per_year: float = param(
        30.0,
        "visits/year",
        assumed("budget limits meant not every DHMT got a visit"),
        "Exchange-visit budget for the whole programme, per year of programme (visits the "
        "partnerships cannot take go unused).",
        ge=0,
        le=10_000,
    )
    visit_allocation: VisitAllocation = param(
        "first_come",
        "-",
        ASSUMPTION,
        "Which partnerships get the scarce exchange visits.",
    )
    max_visits_per_partnership: int = param(
        1,
        "visits",
        ASSUMPTION,
        "Most exchange visits one learner-host partnership receives.",
        ge=1,
        le=12,
    )
    virtual_share: float = param(
        0.3,
        "share",
        assumed("many activities went virtual during COVID-19"),
        "Share of exchange visits and provincial events run virtually (which coaching visits "
        "are virtual is schedule.virtual_coaching_months).",
        ge=0,
        le=1,
    )
    phasing: Phasing = param(
        "all", "-", ASSUMPTION, "Start all provinces together, or one province after another."
    )
    phase_interval_months: int = param(
        3,
        "months",
        ASSUMPTION,
        "Delay between provinces' starts when phasing by province.",
        ge=0,
        le=24,
    )
    programme_start_month: int = param(
        4,
        "model month",
        PUBLICATION + ": TPN launched August 2021; model month 0 is April 2021",
        "Model month at which the programme launches (month 0 is the baseline measurement; "
        "the first month simulated is 1).",
        ge=1,
        le=600,
    )
    programme_months: int = param(
        18,
        "months",
        PUBLICATION + ": August 2021 - February 2023",
        "Length of the programme; it must end within the horizon. Activities planned at or "
        "after its end are not held (the schedule's months must fall within it in a scenario "
        "file; a shorter programme set as a lever cuts the schedule).",
        ge=1,
        le=600,
    )

    @field_validator("priorities_range")
    @classmethod
    def _fewest_first(cls, bounds: tuple[int, int]) -> tuple[int, int]:
        if bounds[0] > bounds[1]:
            raise ValueError("[fewest, most] with fewest <= most")
        return bounds

    @field_validator("priorities_per_institution")
    @classmethod
    def _mean_within_range(cls, mean: float, info: ValidationInfo) -> float:
        bounds = info.data.get("priorities_range")
        if bounds is not None and not bounds[0] <= mean <= bounds[1]:
            raise ValueError(f"within priorities_range {list(bounds)}")
        return mean
