"""The evaluation: how the result is measured, matching the TPN evaluation's design."""

from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.params.fields import PUBLICATION, Section, param


class Evaluation(Section):
    """How the result is measured, matching the TPN evaluation's design."""

    endline_month: int = param(
        24,
        "model month",
        PUBLICATION + ": March 2023 (CBHI), April-May 2023 (accreditation survey)",
        "Month of the endline measurement; the baseline is model month 0 (baseline.csv).",
        ge=1,
        le=600,
    )
    headline_topics: tuple[str, ...] = param(
        ("accreditation", "cbhi"),
        "topics",
        PUBLICATION,
        "Topics shown in tables and figures (at least one, each once).",
        min_length=1,
    )
    comparison: Literal["auto", "non_members", "non_choosers"] = param(
        "auto",
        "-",
        PUBLICATION,
        "Comparison group of the choosers: non-members of the topic's kind, members that did "
        "not choose it, or 'auto' (non-members where there are at least two, as the evaluation).",
    )
    pinned_choosers: dict[str, Annotated[int, Field(ge=0, le=100_000)]] = param(
        {},
        "institutions per topic",
        PUBLICATION + ": 19 member hospitals chose accreditation",
        "Exact number of members choosing a topic, to match an evaluation's group size; the "
        "institutions most drawn to the topic take it. Empty: numbers vary by replication.",
    )

    @field_validator("headline_topics")
    @classmethod
    def _each_topic_once(cls, topics: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({t for t in topics if topics.count(t) > 1})
        if repeated:
            raise ValueError(f"each topic once ({', '.join(repeated)} repeated)")
        return topics
