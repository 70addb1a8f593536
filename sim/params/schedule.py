"""The schedule: which gatherings and visits the programme holds, when, and how long they last.

The defaults follow the evaluation's table of key events (Gasana et al. 2024): 2 co-design
workshops before the launch, 1 launch workshop in 4 sessions, 3 coaching sessions per member
(1 virtual, 2 in person), 4 virtual learning workshops and 4 provincial learning workshops.
Who meets at each gathering is :mod:`sim.gatherings`; the months are planned by :mod:`sim.calendar`.
"""

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from sim.params.fields import ASSUMPTION, PUBLICATION, Section, assumed, param
from sim.topics import INSTITUTION_KINDS

Month = Annotated[int, Field(ge=0, le=600)]
KEY_EVENTS = "table of key events"


class Schedule(Section):
    """When activities happen, in months since an institution's launch (or the programme's)."""

    co_design_teams: dict[Literal[INSTITUTION_KINDS], Annotated[int, Field(ge=1, le=100_000)]] = (
        param(
            {"dhmt": 30, "hospital": 10},
            "teams per workshop",
            f"{PUBLICATION}, {KEY_EVENTS}: 2 co-design workshops, one for DHMTs (all 30), one for "
            "hospitals (10 selected)",
            "Co-design workshops before the launch, one per kind of institution, with the teams "
            "invited to each (at most the enrolled members of that kind). They adapt the approach "
            "and teach nothing directly. Empty: none.",
        )
    )
    co_design_months_before_launch: int = param(
        1,
        "months",
        assumed("co-design came before the launch; its month is not published"),
        "How long before the programme's start the co-design workshops are held (not before "
        "model month 1, the first month simulated).",
        ge=1,
        le=24,
    )
    launch_sessions: int = param(
        4,
        "sessions",
        f"{PUBLICATION}, {KEY_EVENTS}: 1 launch workshop held in 4 sessions of about 10 teams",
        "Sessions of the launch workshop. They are shared among the months in which teams "
        "launch, in proportion to the teams launching (at least one a month); within a month "
        "the teams, in province order, are split into sessions of near-equal size.",
        ge=1,
        le=100,
    )
    coaching_months: tuple[Month, ...] = param(
        (0, 2, 12),
        "programme months",
        PUBLICATION + ": right after launch, 2-3 months later, about a year later",
        "Coaching visits by the facilitation team to each rising institution, in months since "
        "its launch (each before programme_months).",
    )
    virtual_coaching_months: tuple[Month, ...] = param(
        (2,),
        "programme months",
        f"{PUBLICATION}, {KEY_EVENTS}: 3 coaching sessions per member, 1 virtual and 2 in "
        f"person; {ASSUMPTION}: which one was virtual (here the 2-3 month review) is not published",
        "Coaching visits (among coaching_months) held virtually; the others are held in person.",
    )
    visit_window: tuple[Month, Month] = param(
        (3, 15),
        "programme months",
        ASSUMPTION,
        "First and last month since launch in which exchange visits run (first <= last, last "
        "before programme_months); the visits are spread evenly over it.",
    )
    virtual_event_months: tuple[Month, ...] = param(
        (3, 7, 11, 15),
        "months since the programme's start",
        f"{PUBLICATION}, {KEY_EVENTS}: 4 virtual learning workshops; {ASSUMPTION}: their "
        "months (every 4 months) are not published",
        "Network-wide virtual learning workshops, in months since the programme's start (each "
        "before the last province's programme ends: programme_months, plus the phasing delay "
        "of the last province).",
    )
    virtual_event_topics: int = param(
        1,
        "topics per workshop",
        assumed("virtual workshops on topics members chose: accreditation, CBHI, antenatal care"),
        "Topics each virtual learning workshop teaches: the topics most members chose at "
        "launch, taken in turn from the most chosen (0: every topic an attendee rises in).",
        ge=0,
        le=50,
    )
    provincial_event_months: tuple[Month, ...] = param(
        (9,),
        "programme months",
        assumed("4 provincial learning workshops, 1 per province; their month is not published"),
        "Provincial learning events (all members of a province, or of the provinces joining "
        "it), in months since the province's launch (each before programme_months).",
    )
    provincial_event_joins: dict[str, str] = param(
        {"Kigali City": "Eastern"},
        "province: province",
        assumed(
            "4 provincial workshops, 1 per province, among 5 provinces; how Kigali City took "
            "part is not published: its members join a neighbouring province's"
        ),
        "Provinces whose members attend another province's provincial learning events "
        "(the province that joins = the province whose events it joins).",
    )
    staff_per_visit: int = param(
        3,
        "staff",
        PUBLICATION + ": 3 staff of a rising team travel",
        "Travellers per exchange visit.",
        ge=1,
        le=20,
    )
    visit_days: int = param(2, "days", ASSUMPTION, "Length of an exchange visit.", ge=1, le=10)
    facilitator_days_per_coaching: int = param(
        1,
        "days",
        ASSUMPTION,
        "Length of a coaching visit: facilitator days, and days of the coached team's staff.",
        ge=0,
        le=10,
    )
    participants_per_event: int = param(
        2,
        "staff",
        ASSUMPTION,
        "Staff per institution at a learning event or workshop, and coached per coaching visit.",
        ge=1,
        le=100,
    )
    workshop_days: int = param(
        2,
        "days",
        ASSUMPTION,
        "Length of a launch session and of a co-design workshop.",
        ge=0,
        le=10,
    )
    event_days: int = param(
        1, "days", ASSUMPTION, "Length of a learning event (virtual or provincial).", ge=1, le=10
    )
    host_visits_per_month: int = param(
        2,
        "visits/month",
        ASSUMPTION,
        "Exchange visits one host can receive in a month.",
        ge=1,
        le=100,
    )
    virtual_staff_time_share: float = param(
        0.5,
        "share",
        ASSUMPTION,
        "Staff time of an activity held virtually, as a share of the same activity in person.",
        ge=0,
        le=1,
    )

    @field_validator("virtual_coaching_months")
    @classmethod
    def _virtual_coaching_is_planned(cls, months: tuple[int, ...], info: ValidationInfo):
        planned = info.data.get("coaching_months")
        if planned is not None and not set(months) <= set(planned):
            raise ValueError(f"months among coaching_months {list(planned)}")
        return months

    @field_validator("visit_window")
    @classmethod
    def _window_in_order(cls, window: tuple[int, int]) -> tuple[int, int]:
        if window[0] > window[1]:
            raise ValueError("[first, last] with first <= last")
        return window

    @field_validator("provincial_event_joins")
    @classmethod
    def _joins_name_a_hosting_province(cls, joins: dict[str, str]) -> dict[str, str]:
        for province, host in joins.items():
            if host == province or host in joins:
                raise ValueError(
                    f"pairs of different provinces, the second joining nobody "
                    f"({province!r} = {host!r})"
                )
        return joins
