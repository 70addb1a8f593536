"""The schedule: when activities happen and how long they last."""

from sim.params.fields import ASSUMPTION, PUBLICATION, Section, param


class Schedule(Section):
    """When activities happen, in months since an institution's launch."""

    coaching_months: tuple[int, ...] = param(
        (0, 2, 12),
        "programme months",
        PUBLICATION + ": right after launch, 2-3 months later, about a year later",
        "Coaching visits by the facilitation team to each rising institution.",
    )
    visit_window: tuple[int, int] = param(
        (3, 15),
        "programme months",
        ASSUMPTION,
        "First and last month in which exchange visits run.",
    )
    virtual_event_interval_months: int = param(
        3,
        "months",
        ASSUMPTION,
        "Months between network-wide virtual learning events (0: none).",
        ge=0,
    )
    provincial_event_months: tuple[int, ...] = param(
        (9,),
        "programme months",
        ASSUMPTION,
        "Provincial learning events (all members of a province).",
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
    )
    participants_per_event: int = param(
        2,
        "staff",
        ASSUMPTION,
        "Staff per institution at a learning event or workshop, and coached per coaching visit.",
        ge=1,
    )
    workshop_days: int = param(2, "days", ASSUMPTION, "Length of the launch workshop.", ge=0)
    event_days: int = param(
        1, "days", ASSUMPTION, "Length of a learning event (virtual or provincial).", ge=1, le=10
    )
    host_visits_per_month: int = param(
        2, "visits/month", ASSUMPTION, "Exchange visits one host can receive in a month.", ge=1
    )
    virtual_staff_time_share: float = param(
        0.5,
        "share",
        ASSUMPTION,
        "Staff time of an activity held virtually, as a share of the same activity in person.",
        ge=0,
        le=1,
    )
