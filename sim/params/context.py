"""The context: assumptions about how institutions learn, implement and lose what they
learned, which nobody controls.
"""

from typing import Literal

from sim.params.fields import ASSUMPTION, Section, assumed, calibrated, param


class Context(Section):
    """Assumptions about how institutions learn, implement and lose what they learned."""

    efficacy_exchange_visit: float = param(
        0.40,
        "share of gap",
        calibrated("visits are the catalyst"),
        "Share of the learner's gap to its host closed by one in-person exchange visit.",
        ge=0,
        le=1,
    )
    efficacy_coaching: float = param(
        0.20,
        "share of gap",
        calibrated(),
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
        assumed("virtual activities are weaker"),
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
        calibrated("leadership commitment"),
        "Absorptive capacity of a team whose leadership is not committed, relative to a fully "
        "committed one.",
        ge=0,
        le=1,
    )
    similarity_penalty_setting: float = param(
        0.3,
        "ratio",
        assumed("rural with rural"),
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
        assumed("the partner must have capacity to transfer"),
        "Coaching and visit efficacy is divided by 1 + dilution x (active ties the host holds - 1).",
        ge=0,
        le=1,
    )
    implementation_rate: float = param(
        0.25,
        "1/month",
        calibrated(),
        "Share of staff-held know-how turned into institutional "
        "competence per month under fully committed leadership.",
        ge=0,
        le=1,
    )
    implementation_floor: float = param(
        0.3,
        "ratio",
        assumed("institutionalisation needs leaders"),
        "Implementation speed without committed leadership, relative to full commitment.",
        ge=0,
        le=1,
    )
    self_analysis_gain: float = param(
        0.03,
        "share of headroom",
        assumed("self-analysis"),
        "Know-how gained at launch in each rising topic by analysing one's own gaps.",
        ge=0,
        le=1,
    )
    host_refinement_gain: float = param(
        0.02,
        "share of headroom",
        assumed("hosts refine their processes"),
        "Know-how a host gains in the topic per exchange visit hosted.",
        ge=0,
        le=1,
    )
    host_recognition_gain: float = param(
        0.02,
        "leadership units",
        assumed("hosts gain recognition"),
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
        assumed("staff turnover"),
        "Staff turnover where institutions.csv leaves it blank.",
        ge=0,
        le=1,
    )
    turnover_multiplier: float = param(
        1.0,
        "ratio",
        calibrated(),
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
        le=1000,
    )
    workload_shock_monthly: float = param(
        0.06,
        "1/month",
        assumed("workload and competing priorities"),
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
        assumed("priority changes mid-course"),
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
        assumed("poor internet, distractions"),
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
        calibrated(),
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
        assumed("low scores motivated the choice"),
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
