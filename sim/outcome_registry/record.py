"""The outcome record, and the constructors the declarations use for each kind."""

from dataclasses import dataclass
from typing import Literal

OutcomeKind = Literal["count", "share", "amount", "probability", "statistic"]
# count: how many things, or a mean number of them; share: a part of a whole; amount: a
# quantity in its unit (money, time, indicator points, a ratio); probability; statistic: a test
# statistic.
TOPIC = "<topic>"  # stands for every topic in the declared name of a per-topic outcome
INDICATOR_POINTS = "indicator points"  # a per-topic unit, resolved to the topic's own unit


@dataclass(frozen=True)
class Outcome:
    """One outcome: what a person reads (label, unit) and what code checks (kind, bounds)."""

    name: str  # "network.ties", or for a per-topic outcome "accreditation.causal_effect"
    label: str  # words a person reads: "Causal effect of twinning on choosers"
    unit: str  # "institutions", "RWF", "indicator points", "% points", ...
    kind: OutcomeKind
    description: str
    low: float | None = None  # lower bound of any value (0 for counts, shares and money)
    high: float | None = None  # upper bound (1 for shares and probabilities)
    higher_is_better: bool | None = None  # None: neither (a count of choosers)
    undefined_when: str = ""  # when a run gives NaN instead of a value; "" if never
    topic: str | None = None  # a per-topic outcome's topic (TOPIC if any); None: run-wide

    @property
    def declared_name(self) -> str:
        """The name it is declared under: ``<topic>.causal_effect`` for every topic's."""
        if self.topic is None:
            return self.name
        return f"{TOPIC}.{self.name.split('.', 1)[1]}"


def _count(name, label, unit, description, better=None, undefined_when="") -> Outcome:
    return Outcome(name, label, unit, "count", description, 0.0, None, better, undefined_when)


def _share(name, label, description, better=None, undefined_when="") -> Outcome:
    return Outcome(name, label, "share", "share", description, 0.0, 1.0, better, undefined_when)


def _cash(name, label, description, unit="RWF", better=None, undefined_when="") -> Outcome:
    return Outcome(name, label, unit, "amount", description, 0.0, None, better, undefined_when)


def _points(name, label, description, better=None, undefined_when="") -> Outcome:
    """A per-topic amount in points of the topic's indicator; no bounds (it may fall)."""
    return Outcome(
        name, label, INDICATOR_POINTS, "amount", description, None, None, better, undefined_when
    )


NO_CHOOSERS = "no institution chose the topic"
NO_COMPARISON = "no institution chose the topic, or the comparison group is empty"
NO_MEMBERS = "no member institution has the topic"
NO_COSTS = "the world has no costs.csv"
NO_ENROLMENT = "no institution enrolled"
