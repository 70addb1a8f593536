"""Every outcome a run reports, declared once as a record: name, label, unit, kind and bounds.

Tables, figures, reports, the dashboard, the optimiser and experiment validation all read these
records (as Starsim results and EMA Workbench outcomes carry their own metadata); none of them
keeps a label or a unit of its own, and none parses a unit out of a description.

Per-topic outcomes are declared once for every topic (``<topic>.<measure>``); their unit
"indicator points" takes the topic's own unit from ``topics.csv`` when the topics are given
(a change of a percentage is in "% points"). Activity and payer outcomes are generated from the
activity kinds and the payers, so a new kind or payer cannot be left out.

API:
- ``Outcome``: the record.
- ``outcome_names(topic_names) -> list[str]``: every outcome a run computes, in table order.
- ``registry(topics=None) -> dict[str, Outcome]``: the records by full name for a world's
  topics; without topics, per-topic records are keyed ``<topic>.<measure>`` (what
  ``tpn outcomes`` lists).
- ``outcome(name, topics=None) -> Outcome``: one record (``KeyError`` for an unknown name);
  without topics a per-topic name is accepted for any topic, with its unit unresolved.
- ``COMPARISON_OUTCOMES``: outcomes ``tpn compare`` computes across scenarios; no run does.
"""

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from sim.outcome_registry.per_run import COMPARISON_OUTCOMES, RUN_OUTCOMES
from sim.outcome_registry.per_topic import TOPIC_OUTCOMES
from sim.outcome_registry.record import INDICATOR_POINTS, TOPIC, Outcome, OutcomeKind
from sim.topics import Topics

__all__ = [
    "COMPARISON_OUTCOMES",
    "INDICATOR_POINTS",
    "RUN_OUTCOMES",
    "TOPIC",
    "TOPIC_OUTCOMES",
    "Outcome",
    "OutcomeKind",
    "outcome",
    "outcome_names",
    "registry",
]

_MEASURES = {record.name.split(".", 1)[1]: record for record in TOPIC_OUTCOMES}
_RUN = {record.name: record for record in RUN_OUTCOMES}


def outcome_names(topic_names: Sequence[str]) -> list[str]:
    """Every outcome a run computes, for a world with these topics, in table order."""
    return [f"{t}.{m}" for t in topic_names for m in _MEASURES] + list(_RUN)


def registry(topics: Topics | None = None) -> dict[str, Outcome]:
    """The records by full name for a world's topics; without topics, the declared ones."""
    return dict(_records(topics))


def outcome(name: str, topics: Topics | None = None) -> Outcome:
    """One record; ``KeyError`` for a name no run computes. Without ``topics`` any
    ``<topic>.<measure>`` is taken for a topic, and its unit stays "indicator points"."""
    if topics is not None:
        return _records(topics)[name]
    if name in _RUN:
        return _RUN[name]
    head, _, measure = name.partition(".")
    if measure not in _MEASURES:
        raise KeyError(name)
    return replace(_MEASURES[measure], name=name, topic=head)


@lru_cache(maxsize=8)
def _records(topics: Topics | None) -> dict[str, Outcome]:
    if topics is None:
        return {**{r.name: r for r in TOPIC_OUTCOMES}, **_RUN}
    records = {}
    for topic, unit in zip(topics.names, topics.units, strict=True):
        # A change of a percentage is in percentage points; of any other unit, in that unit.
        points = "% points" if unit == "%" else unit
        for measure, record in _MEASURES.items():
            records[f"{topic}.{measure}"] = replace(
                record,
                name=f"{topic}.{measure}",
                topic=topic,
                unit=points if record.unit == INDICATOR_POINTS else record.unit,
            )
    return {**records, **_RUN}
