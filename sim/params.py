"""Every parameter of the model, declared once, with its unit, allowed range and source.

A scenario is four groups, following the XLRM frame (EMA Workbench): the **design** levers a
planner controls, the **context** assumptions nobody controls, the **schedule** of activities and
the **evaluation** that measures the result. Field names are unique across groups, so any
parameter can be set by its bare name (``tpn run tpn_2021 --set virtual_share=0.8``, or as a
keyword of :class:`sim.model.TwinningModel` under ``mesa.batch_run``).
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Design = Literal["none", "dyad", "network", "provincial", "hub"]
MatchingRule = Literal["best", "similar", "nearest"]
VisitAllocation = Literal[
    "first_come", "largest_gap", "lowest_performer", "equal_by_province", "lottery"
]
Phasing = Literal["all", "by_province"]
Membership = Literal["world", "all"]

ASSUMPTION = "assumption"
DOMAIN = "Gasana et al. 2024 (DOMAIN.md)"
HAND_TUNED = (
    "assumption, hand-tuned so tpn_2021 gives the evaluation's +7.8 points for accreditation "
    "choosers (DOMAIN.md)"
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
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class DesignLevers(Section):
    """What a planner chooses."""

    design: Design = param(
        "network",
        "-",
        DOMAIN,
        "Twinning design: none, dyad (one mutual partner), network (per rising topic a shining "
        "peer), provincial (province-wide sessions, RHSS), hub (one centre of excellence per topic).",
    )
    membership: Membership = param(
        "world",
        "-",
        DOMAIN,
        "Who takes part: 'world' uses the member column of institutions.csv, 'all' enrols everyone.",
    )
    matching_rule: MatchingRule = param(
        "best",
        "-",
        ASSUMPTION,
        "How a host is chosen among stronger peers: best performer, most similar context, nearest.",
    )
    priorities_per_institution: int = param(
        3,
        "topics",
        DOMAIN + ": each team ranks 2-5 priority areas",
        "Rising topics per institution (capped at the applicable topics minus its strengths).",
        ge=2,
        le=5,
    )
    strengths_per_institution: int = param(
        2,
        "topics",
        DOMAIN + ": each team names 1-3 strengths",
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
        ASSUMPTION + " (DOMAIN.md: budget limits meant not every DHMT got a visit)",
        "Exchange-visit budget for the whole programme, per year of programme.",
        ge=0,
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
        ASSUMPTION + " (DOMAIN.md: many activities went virtual during COVID-19)",
        "Share of coaching visits, exchange visits and provincial events run virtually.",
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
        DOMAIN + ": TPN launched August 2021; model month 0 is April 2021",
        "Model month at which the programme launches.",
        ge=0,
    )
    programme_months: int = param(
        18,
        "months",
        DOMAIN + ": August 2021 - February 2023",
        "Length of the programme.",
        ge=1,
    )


class Schedule(Section):
    """When activities happen, in months since an institution's launch."""

    coaching_months: tuple[int, ...] = param(
        (0, 2, 12),
        "programme months",
        DOMAIN + ": right after launch, 2-3 months later, about a year later",
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
        DOMAIN + ": 3 staff of a rising team travel",
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


class Context(Section):
    """Assumptions about how institutions learn, implement and lose what they learned."""

    efficacy_exchange_visit: float = param(
        0.40,
        "share of gap",
        HAND_TUNED + "; DOMAIN.md: visits are the catalyst",
        "Share of the learner's gap to its host closed by one in-person exchange visit.",
        ge=0,
        le=1,
    )
    efficacy_coaching: float = param(
        0.20,
        "share of gap",
        HAND_TUNED,
        "Share of the gap closed by one in-person coaching visit.",
        ge=0,
        le=1,
    )
    efficacy_provincial_event: float = param(
        0.06,
        "share of gap",
        ASSUMPTION,
        "Share of the gap to the province's best closed by one event.",
        ge=0,
        le=1,
    )
    efficacy_virtual_event: float = param(
        0.03,
        "share of gap",
        ASSUMPTION + " (DOMAIN.md: virtual activities are weaker)",
        "Share of the gap to the network's best closed by one virtual learning event.",
        ge=0,
        le=1,
    )
    virtual_delivery_ratio: float = param(
        0.4,
        "ratio",
        ASSUMPTION,
        "Efficacy of an activity run virtually (coaching, exchange visit, provincial event) "
        "relative to in person; also scales a virtual visit's benefit to its host.",
        ge=0,
        le=1,
    )
    learning_scale: float = param(
        1.0,
        "ratio",
        ASSUMPTION,
        "Multiplies every learning efficacy (0 switches learning off).",
        ge=0,
        le=5,
    )
    absorptive_floor: float = param(
        0.3,
        "ratio",
        ASSUMPTION + " (DOMAIN.md: leadership commitment)",
        "Absorptive capacity of a team whose leadership is not committed, relative to a fully "
        "committed one.",
        ge=0,
        le=1,
    )
    similarity_penalty_setting: float = param(
        0.3,
        "ratio",
        ASSUMPTION + " (DOMAIN.md: rural with rural)",
        "Learning lost when learner and host differ in setting (rural/urban).",
        ge=0,
        le=1,
    )
    similarity_penalty_ownership: float = param(
        0.15,
        "ratio",
        ASSUMPTION,
        "Learning lost when learner and host differ in ownership.",
        ge=0,
        le=1,
    )
    host_load_dilution: float = param(
        0.05,
        "1/mentee",
        ASSUMPTION + " (DOMAIN.md: the partner must have capacity to transfer)",
        "Coaching and visit efficacy is divided by 1 + dilution x (active ties the host holds - 1).",
        ge=0,
        le=1,
    )
    implementation_rate: float = param(
        0.25,
        "1/month",
        HAND_TUNED,
        "Share of staff-held know-how turned into institutional "
        "competence per month under fully committed leadership.",
        ge=0,
        le=1,
    )
    implementation_floor: float = param(
        0.3,
        "ratio",
        ASSUMPTION + " (DOMAIN.md: institutionalisation needs leaders)",
        "Implementation speed without committed leadership, relative to full commitment.",
        ge=0,
        le=1,
    )
    self_analysis_gain: float = param(
        0.03,
        "share of headroom",
        ASSUMPTION + " (DOMAIN.md: self-analysis)",
        "Know-how gained at launch in each rising topic by analysing one's own gaps.",
        ge=0,
        le=1,
    )
    host_refinement_gain: float = param(
        0.02,
        "share of headroom",
        ASSUMPTION + " (DOMAIN.md: hosts refine their processes)",
        "Know-how a host gains in the topic per exchange visit hosted.",
        ge=0,
        le=1,
    )
    host_recognition_gain: float = param(
        0.02,
        "leadership units",
        ASSUMPTION + " (DOMAIN.md: hosts gain recognition)",
        "Rise in a host's leadership commitment per exchange visit hosted.",
        ge=0,
        le=1,
    )
    default_leadership: float = param(
        0.5,
        "0-1",
        ASSUMPTION,
        "Leadership commitment where institutions.csv leaves it blank.",
        ge=0,
        le=1,
    )
    default_workload: float = param(
        1.0,
        "relative",
        ASSUMPTION,
        "Workload where institutions.csv leaves it blank (1 = average).",
        ge=0,
        le=5,
    )
    default_staff_turnover_monthly: float = param(
        0.02,
        "1/month",
        ASSUMPTION + " (DOMAIN.md: staff turnover)",
        "Staff turnover where institutions.csv leaves it blank.",
        ge=0,
        le=1,
    )
    turnover_multiplier: float = param(
        1.0,
        "ratio",
        ASSUMPTION,
        "Multiplies every institution's staff turnover.",
        ge=0,
        le=10,
    )
    team_size: int = param(
        8,
        "staff",
        ASSUMPTION,
        "Staff holding an institution's know-how; departures are drawn per person each month "
        "and take the same share of know-how in every topic.",
        ge=1,
        le=200,
    )
    leadership_turnover_monthly: float = param(
        1 / 36,
        "1/month",
        ASSUMPTION,
        "Chance per month that an institution's leader changes.",
        ge=0,
        le=1,
    )
    new_leader_commitment_mean: float = param(
        0.5,
        "0-1",
        ASSUMPTION,
        "Mean commitment of a new leader (Beta distribution).",
        gt=0,
        lt=1,
    )
    new_leader_commitment_concentration: float = param(
        4.0,
        "-",
        ASSUMPTION,
        "Concentration of the Beta distribution of a new leader's commitment.",
        gt=0,
    )
    workload_shock_monthly: float = param(
        0.06,
        "1/month",
        ASSUMPTION + " (DOMAIN.md: workload and competing priorities)",
        "Chance per month, at average workload, that competing work disrupts planned activities.",
        ge=0,
        le=1,
    )
    shock_cancel_share: float = param(
        0.5,
        "share",
        ASSUMPTION,
        "Share of disrupted activities cancelled (the rest slip a month).",
        ge=0,
        le=1,
    )
    priority_switch_monthly: float = param(
        0.005,
        "1/month",
        ASSUMPTION + " (DOMAIN.md: priority changes mid-course)",
        "Chance per month that a member drops one rising topic for another.",
        ge=0,
        le=1,
    )
    switch_notified_share: float = param(
        0.4,
        "share",
        ASSUMPTION,
        "Share of priority switches announced to partner and facilitators, who then match the "
        "new topic; the dropped topic's tie ends either way, and an unannounced new topic has "
        "no host.",
        ge=0,
        le=1,
    )
    event_attendance_in_person: float = param(
        0.9,
        "share",
        ASSUMPTION,
        "Chance a member attends an in-person learning event.",
        ge=0,
        le=1,
    )
    event_attendance_virtual: float = param(
        0.7,
        "share",
        ASSUMPTION + " (DOMAIN.md: poor internet, distractions)",
        "Chance a member takes part in a virtual learning event.",
        ge=0,
        le=1,
    )
    competence_shock_sd: float = param(
        0.006,
        "competence/month",
        ASSUMPTION,
        "SD of the month-to-month random change in an institution's "
        "competence (uniformly distributed, bounded), so some institutions decline.",
        ge=0,
        le=0.2,
    )
    secular_trend_multiplier: float = param(
        1.0,
        "ratio",
        ASSUMPTION,
        "Multiplies each topic's secular trend (topics.csv).",
        ge=0,
        le=5,
    )
    topic_assignment: Literal["chosen", "random"] = param(
        "chosen",
        "-",
        ASSUMPTION,
        "How rising topics are picked: 'chosen' by the institutions (low scores and national "
        "priorities attract), or 'random' as in a randomised trial: among every member the "
        "topic applies to, or, with a priorities.csv, members' chosen sets shuffled among them.",
    )
    choice_selectivity: float = param(
        1.0,
        "log-odds per SD",
        ASSUMPTION + " (DOMAIN.md: low scores motivated the choice)",
        "How strongly a low measured baseline pushes an institution to choose a topic.",
        ge=0,
        le=10,
    )
    road_factor: float = param(
        1.4,
        "ratio",
        ASSUMPTION,
        "Road distance over straight-line distance between district seats.",
        ge=1,
        le=3,
    )


class Funding(Section):
    """Who pays, how much they can, and what happens when the donor leaves (prices: costs.csv)."""

    donor_exit_month: int | None = param(
        None,
        "model month",
        DOMAIN + ": the TPN was donor-funded",
        "Last month the donor pays is the one before this; blank: the end of the programme.",
        ge=0,
    )
    donor_budget_per_year: float = param(
        250e6,
        "RWF/year",
        ASSUMPTION,
        "Donor's cash for the programme per budget year (model months 0-11, 12-23, ...).",
        ge=0,
    )
    donor_budget_total: float | None = param(
        None,
        "RWF",
        ASSUMPTION,
        "Donor's cash for the whole programme, on top of the yearly cap; blank: no total cap.",
        ge=0,
    )
    moh_budget_per_year: float = param(
        0.0,
        "RWF/year",
        ASSUMPTION + " (DOMAIN.md: participants asked the MOH to fund it)",
        "Ministry budget line for cross-district learning; it pays once the donor does not.",
        ge=0,
    )
    moh_pays_for: tuple[
        Literal["coaching_visit", "exchange_visit", "virtual_event", "provincial_event"], ...
    ] = param(
        ("coaching_visit", "exchange_visit", "virtual_event", "provincial_event"),
        "activities",
        ASSUMPTION,
        "Activities the Ministry budget line pays for.",
    )
    self_funding_budget_per_year: float = param(
        1.5e6,
        "RWF/year per institution",
        ASSUMPTION,
        "What a district or hospital that keeps twinning on its own can spend on it a year.",
        ge=0,
    )
    self_funding_base: float = param(
        0.1,
        "probability",
        ASSUMPTION,
        "Chance an institution keeps twinning at its own cost after donor exit, without "
        "committed leadership or a contract.",
        ge=0,
        le=1,
    )
    self_funding_leadership: float = param(
        0.3,
        "probability per unit of commitment",
        ASSUMPTION + " (DOMAIN.md: leadership)",
        "Added to that chance per unit of leadership commitment.",
        ge=0,
        le=1,
    )
    performance_contracts: bool = param(
        False,
        "-",
        DOMAIN + ": participants asked for twinning in district performance contracts",
        "Twinning written into district performance contracts.",
    )
    contract_leadership_boost: float = param(
        0.15,
        "leadership units",
        ASSUMPTION,
        "Rise in DHMTs' leadership commitment at launch under performance contracts.",
        ge=0,
        le=1,
    )
    contract_self_funding_boost: float = param(
        0.35,
        "probability",
        ASSUMPTION,
        "Added to a DHMT's chance of keeping twinning after donor exit under contracts.",
        ge=0,
        le=1,
    )
    continuation_visits_per_year: float = param(
        1.0,
        "visits/year per partnership",
        ASSUMPTION,
        "Exchange visits a partnership plans after the programme ends, if someone pays.",
        ge=0,
    )
    continuation_event_interval_months: int = param(
        6,
        "months",
        ASSUMPTION,
        "Months between learning events after the programme (0: none).",
        ge=0,
    )
    facilitation_base: str = param(
        "Nyarugenge",
        "district",
        ASSUMPTION,
        "Where the facilitation team travels from.",
    )


class Evaluation(Section):
    """How the result is measured, matching the TPN evaluation's design."""

    endline_month: int = param(
        24,
        "model month",
        DOMAIN + ": March 2023 (CBHI), April-May 2023 (accreditation survey)",
        "Month of the endline measurement; the baseline is model month 0 (baseline.csv).",
        ge=1,
    )
    headline_topics: tuple[str, ...] = param(
        ("accreditation", "cbhi"), "topics", DOMAIN, "Topics shown in tables and figures."
    )
    comparison: Literal["auto", "non_members", "non_choosers"] = param(
        "auto",
        "-",
        DOMAIN,
        "Comparison group of the choosers: non-members of the topic's kind, members that did "
        "not choose it, or 'auto' (non-members where there are at least two, as the evaluation).",
    )
    pinned_choosers: dict[str, int] = param(
        {},
        "institutions per topic",
        DOMAIN + ": 19 member hospitals chose accreditation",
        "Exact number of members choosing a topic, to match an evaluation's group size; the "
        "institutions most drawn to the topic take it. Empty: numbers vary by replication.",
    )


class Scenario(Section):
    """A complete, validated scenario: world + levers + assumptions + schedule + evaluation."""

    name: str = Field(description="Scenario name.")
    description: str = Field("", description="One line shown by `tpn scenarios`.")
    world: str = Field(
        "worlds/rwanda", description="World folder, relative to the scenario file's folder."
    )
    horizon_months: int = param(
        24, "months", DOMAIN, "Months simulated (one step = one month).", ge=1, le=600
    )
    start_date: str = param(
        "2021-04",
        "YYYY-MM",
        DOMAIN,
        "Calendar month of model month 0.",
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
    )
    replications: int = param(
        20, "runs", ASSUMPTION, "Replications per scenario.", ge=1, le=100_000
    )
    seed: int = param(2021, "-", "-", "Root seed; replication seeds derive from it.", ge=0)
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

    @model_validator(mode="after")
    def _endline_within_horizon(self) -> "Scenario":
        if self.evaluation.endline_month > self.horizon_months:
            raise ValueError(
                f"evaluation.endline_month ({self.evaluation.endline_month}) must be <= "
                f"horizon_months ({self.horizon_months})"
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
