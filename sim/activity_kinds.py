"""The kinds of activity a twinning programme holds, each declared once.

Everything the model knows about a kind lives in its :class:`ActivityKind` record: its name in
outcomes and logs, a label a person reads, whether it can be held virtually, who may pay for it,
how it is priced (the formulas are in :mod:`sim.pricing`) and which efficacy parameter of
:class:`sim.params.Context` says how much one of them teaches. The calendar plans them
(:mod:`sim.calendar`), delivery holds them (:mod:`sim.delivery`), payers pay for them
(:mod:`sim.payers`) and outcomes count them (:mod:`sim.outcomes`), all from these records.

Four kinds move know-how (Gasana et al. 2024): coaching visits by facilitators to each rising
team, exchange visits of a rising team to its shining host, network-wide virtual learning events
and provincial learning events. Launch workshop sessions teach only through the self-analysis
they prompt (``self_analysis_gain``), so they have no efficacy parameter; co-design workshops,
where the Ministry, DHMTs and hospitals adapt the approach before the launch, teach nothing
directly (their worth is the programme they shape, which the model takes as given), so they
only cost: the donor pays for both.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sim import pricing

# "either": held virtually with probability ``design.virtual_share``; "scheduled": virtually
# where the schedule says (coaching: ``schedule.virtual_coaching_months``).
Delivery = Literal["in_person", "either", "scheduled", "virtual"]
Trip = Literal["learner_to_host", "base_to_learner"]
Payer = Literal["donor", "moh", "own"]


@dataclass(frozen=True)
class ActivityKind:
    """One kind of activity. ``code`` is its index in count arrays and in the log's ``kind``
    column; kinds are listed in :data:`ACTIVITY_KINDS` in code order."""

    code: int
    name: str  # in outcome names (``activities.<name>``) and the activity log
    label: str  # what a person reads, plural: "Coaching visits"
    delivery: Delivery  # in person, virtually, or either way (see ``Delivery``)
    payers: tuple[Payer, ...]  # who may pay, in the order asked; "own": the learner's institution
    efficacy: str | None  # the Context field: share of the gap one held in person closes
    in_person_price: Callable[..., object] | None  # RWF, formula in sim.pricing
    online_price: Callable[..., object] | None  # RWF when held virtually
    trip: Trip | None = None  # road travel priced per km, there and back
    hosted: bool = False  # a host institution gives staff time (``host_staff_days``)

    @property
    def can_be_virtual(self) -> bool:
        return self.delivery != "in_person"

    @property
    def moh_may_pay(self) -> bool:
        """Whether the Ministry's budget line may pay (``funding.moh_pays_for`` picks among these)."""
        return "moh" in self.payers


ACTIVITY_KINDS: tuple[ActivityKind, ...] = (
    ActivityKind(
        code=0,
        name="coaching_visit",
        label="Coaching visits",
        delivery="scheduled",
        payers=("donor", "moh", "own"),
        efficacy="efficacy_coaching",
        in_person_price=pricing.coaching_visit_in_person,
        online_price=pricing.online_meeting,
        trip="base_to_learner",
    ),
    ActivityKind(
        code=1,
        name="exchange_visit",
        label="Exchange visits",
        delivery="either",
        payers=("donor", "moh", "own"),
        efficacy="efficacy_exchange_visit",
        in_person_price=pricing.exchange_visit_in_person,
        online_price=pricing.online_meeting,
        trip="learner_to_host",
        hosted=True,
    ),
    ActivityKind(
        code=2,
        name="virtual_event",
        label="Virtual learning events",
        delivery="virtual",
        payers=("donor", "moh"),
        efficacy="efficacy_virtual_event",
        in_person_price=None,
        online_price=pricing.online_event,
    ),
    ActivityKind(
        code=3,
        name="provincial_event",
        label="Provincial learning events",
        delivery="either",
        payers=("donor", "moh"),
        efficacy="efficacy_provincial_event",
        in_person_price=pricing.provincial_event_in_person,
        online_price=pricing.online_event,
    ),
    ActivityKind(
        code=4,
        name="launch_workshop",
        label="Launch workshop sessions",
        delivery="in_person",
        payers=("donor",),
        efficacy=None,
        in_person_price=pricing.workshop_in_person,
        online_price=None,
    ),
    ActivityKind(
        code=5,
        name="co_design_workshop",
        label="Co-design workshops",
        delivery="in_person",
        payers=("donor",),
        efficacy=None,
        in_person_price=pricing.workshop_in_person,
        online_price=None,
    ),
)
KINDS_BY_NAME: dict[str, ActivityKind] = {kind.name: kind for kind in ACTIVITY_KINDS}
ACTIVITY_NAMES: tuple[str, ...] = tuple(kind.name for kind in ACTIVITY_KINDS)
VIRTUAL_CAPABLE: tuple[ActivityKind, ...] = tuple(k for k in ACTIVITY_KINDS if k.can_be_virtual)
MOH_PAYABLE: tuple[str, ...] = tuple(kind.name for kind in ACTIVITY_KINDS if kind.moh_may_pay)

# Codes, for the integer ``kind`` column of plans and logs.
COACHING = KINDS_BY_NAME["coaching_visit"].code
EXCHANGE_VISIT = KINDS_BY_NAME["exchange_visit"].code
VIRTUAL_EVENT = KINDS_BY_NAME["virtual_event"].code
PROVINCIAL_EVENT = KINDS_BY_NAME["provincial_event"].code
LAUNCH_WORKSHOP = KINDS_BY_NAME["launch_workshop"].code
CO_DESIGN_WORKSHOP = KINDS_BY_NAME["co_design_workshop"].code
