"""Outcomes every run reports once (activities, network, costs, sustainability), and the
comparison outcomes only `tpn compare` computes."""

from sim.activity_kinds import ACTIVITY_KINDS, ActivityKind
from sim.outcome_registry.record import (
    NO_COSTS,
    NO_ENROLMENT,
    Outcome,
    _cash,
    _count,
    _share,
)
from sim.payers import FUNDERS

# Words for each payer in FUNDERS (a payer added there without words fails at import).
_PAYER_WORDS = {
    "donor": "the donor",
    "moh": "the Ministry of Health",
    "district": "districts (own budget)",
    "hospital": "hospitals (own budget)",
}


def _noun(kind: ActivityKind) -> str:
    """What one of a kind is counted as: 'visits', 'events', 'workshops'."""
    return f"{kind.name.rsplit('_', 1)[-1]}s"


def _activities_held() -> list[Outcome]:
    """Held, and held virtually where a kind can be, per activity kind."""
    held = [
        _count(
            f"activities.{kind.name}",
            f"{kind.label} held",
            _noun(kind),
            f"{kind.label.lower()} held, in person or virtually",
        )
        for kind in ACTIVITY_KINDS
    ]
    virtual = [
        _count(
            f"activities.{kind.name}_virtual",
            f"{kind.label} held virtually",
            _noun(kind),
            f"{kind.label.lower()} held virtually",
        )
        for kind in ACTIVITY_KINDS
        if kind.can_be_virtual
    ]
    return held + virtual


RUN_OUTCOMES: tuple[Outcome, ...] = (
    *_activities_held(),
    _count(
        "activities.cancelled",
        "Activities cancelled (workload, broken partnerships)",
        "activities",
        "activities cancelled by workload shocks or broken partnerships",
        better=False,
    ),
    _count(
        "activities.delayed",
        "Activity-months lost to delays",
        "activity-months",
        "months by which activities were delayed, summed over activities",
        better=False,
    ),
    _count(
        "activities.travel_person_days",
        "Travel for activities held in person",
        "person-days",
        "person-days of travel for activities held in person",
    ),
    _count(
        "network.ties",
        "Twinning ties formed at launch",
        "ties",
        "rising-shining ties formed at launch",
    ),
    _count(
        "network.hosts",
        "Institutions hosting at launch",
        "institutions",
        "institutions hosting at least one tie at launch",
    ),
    _count(
        "network.ties_per_host",
        "Mentees per host at launch",
        "ties per host",
        "mean ties per host at launch (0 without ties)",
    ),
    _count(
        "network.max_host_load",
        "Most mentees of one host at launch",
        "ties",
        "most ties held by one host at launch",
    ),
    _share(
        "network.reciprocity",
        "Partnerships where the host also learns from its mentee",
        "share of partnerships whose host also learns from its learner (0 without ties)",
    ),
    _count(
        "network.unmatched_priorities",
        "Priorities with no stronger peer to learn from",
        "priorities",
        "rising topics with no stronger peer to learn from",
        better=False,
    ),
    _count(
        "network.over_capacity",
        "Ties beyond a host's capacity",
        "ties",
        "ties given to a host already at host_capacity",
        better=False,
    ),
    _count(
        "network.priority_switches",
        "Mid-course priority switches",
        "switches",
        "mid-course priority switches",
    ),
    _count(
        "network.broken_ties",
        "Ties ended early",
        "ties",
        "ties ended by priority switches or by stopping to twin",
        better=False,
    ),
    _cash(
        "costs.total",
        "Cash cost of all activities",
        "cash cost of every activity held",
        better=False,
    ),
    _cash(
        "costs.total_usd",
        "Cash cost of all activities, in US dollars",
        "costs.total at the costs.csv exchange rate",
        unit="USD",
        better=False,
        undefined_when=NO_COSTS,
    ),
    *(
        _cash(
            f"costs.{funder}",
            f"Cash paid by {_PAYER_WORDS[funder]}",
            f"cash paid by {_PAYER_WORDS[funder]}",
        )
        for funder in FUNDERS
    ),
    *(
        _cash(
            f"costs.{kind.name}",
            f"Cash spent on {kind.label.lower()}",
            f"cash spent on {kind.label.lower()}",
        )
        for kind in ACTIVITY_KINDS
    ),
    _cash(
        "costs.staff_time",
        "Staff time, valued (not cash)",
        "district and hospital staff time, valued at staff_day (not cash)",
        better=False,
        undefined_when=NO_COSTS,
    ),
    _cash(
        "costs.per_member",
        "Cash cost per enrolled institution",
        "cash cost per enrolled institution",
        unit="RWF per institution",
        better=False,
        undefined_when=NO_ENROLMENT,
    ),
    _count(
        "activities.unfunded",
        "Activities nobody could pay for",
        "activities",
        "activities not held because nobody could pay",
        better=False,
    ),
    _count(
        "activities.after_exit_per_year",
        "Activities per year after the donor left",
        "activities per year",
        "activities held per year from the donor's exit to the horizon",
        better=True,
        undefined_when="the donor leaves after the horizon",
    ),
    _share(
        "sustain.still_twinning",
        "Members still twinning at the horizon",
        "share of enrolled institutions still twinning at the horizon",
        better=True,
        undefined_when=NO_ENROLMENT,
    ),
    Outcome(
        "gains.institution_points",
        "Causal gain summed over members and topics",
        "institution-points",
        "amount",
        "causal gain at the horizon summed over members and topics: the gain that costs.total buys",
        higher_is_better=True,
    ),
)

COMPARISON_OUTCOMES: dict[str, Outcome] = {
    "costs.icer_vs_first": Outcome(
        "costs.icer_vs_first",
        "Extra cash per extra institution-point, against the first scenario",
        "RWF per institution-point",
        "amount",
        "tpn compare only: extra cash per extra institution-point against the first scenario, "
        "for a scenario that gains more; negative if also cheaper",
        higher_is_better=False,
        undefined_when="the scenario gains no more than the first (blank), or it is the first",
    )
}
