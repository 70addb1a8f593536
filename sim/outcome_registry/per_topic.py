"""Outcomes every run reports for each topic (declared once, as ``<topic>.<measure>``)."""

from dataclasses import replace

from sim.outcome_registry.record import (
    NO_CHOOSERS,
    NO_COMPARISON,
    NO_MEMBERS,
    TOPIC,
    Outcome,
    _cash,
    _count,
    _points,
    _share,
)

_TOPIC_DECLARATIONS = (
    _count(
        "choosers",
        "Institutions that chose the topic",
        "institutions",
        "institutions that chose the topic as a priority at launch",
    ),
    _count(
        "comparison",
        "Institutions in the comparison group",
        "institutions",
        "institutions in the comparison group: non-members, else members that did not choose it",
    ),
    _count(
        "other_members",
        "Members that chose other topics",
        "institutions",
        "member institutions the topic applies to that did not choose it (they chose others)",
    ),
    _points(
        "chooser_change",
        "Change of the choosers, as measured",
        "mean change of the measured indicator of choosers, baseline to endline",
        undefined_when=NO_CHOOSERS,
    ),
    _points(
        "comparison_change",
        "Change of the comparison group, as measured",
        "mean change of the measured indicator of the comparison group, baseline to endline",
        undefined_when="the comparison group is empty",
    ),
    _points(
        "other_members_change",
        "Change of members that chose other topics, as measured",
        "mean change of the measured indicator of members the topic applies to that did not "
        "choose it, baseline to endline",
        undefined_when="every member the topic applies to chose it",
    ),
    _points(
        "difference",
        "Measured difference, choosers - comparison",
        "chooser_change minus comparison_change: what the evaluation measured",
        undefined_when=NO_COMPARISON,
    ),
    Outcome(
        "z",
        "Test statistic z of the difference (one-sided)",
        "standard errors",
        "statistic",
        "right-tailed two-sample z statistic of the difference (unequal variances)",
        undefined_when="either group has fewer than two institutions, or no spread",
    ),
    Outcome(
        "p_value",
        "P-value of the difference (one-sided z-test)",
        "probability",
        "probability",
        "P-value of the right-tailed z-test: chance of a difference this large without an effect",
        0.0,
        1.0,
        undefined_when="either group has fewer than two institutions, or no spread",
    ),
    _share(
        "share_improved",
        "Choosers whose measured indicator rose",
        "share of choosers whose measured indicator rose",
        undefined_when=NO_CHOOSERS,
    ),
    _share(
        "share_declined",
        "Choosers whose measured indicator fell",
        "share of choosers whose measured indicator fell",
        undefined_when=NO_CHOOSERS,
    ),
    _share(
        "comparison_share_improved",
        "Comparison institutions whose measured indicator rose",
        "share of the comparison group whose measured indicator rose",
        undefined_when="the comparison group is empty",
    ),
    _share(
        "comparison_share_declined",
        "Comparison institutions whose measured indicator fell",
        "share of the comparison group whose measured indicator fell",
        undefined_when="the comparison group is empty",
    ),
    _points(
        "causal_effect",
        "Causal effect of twinning on choosers",
        "mean endline true indicator of choosers minus the same without twinning",
        better=True,
        undefined_when=NO_CHOOSERS,
    ),
    _points(
        "causal_effect_members",
        "Causal effect of twinning on members",
        "causal effect over every member the topic applies to, hosts included",
        better=True,
        undefined_when=NO_MEMBERS,
    ),
    _points(
        "comparison_effect",
        "Spillover to the comparison group",
        "causal effect on the comparison group: a spillover, 0 for non-members",
        undefined_when="the comparison group is empty",
    ),
    _points(
        "selection",
        "Selection: who chooses the topic",
        "choosers' minus comparison's true change without twinning: who chooses",
        undefined_when=NO_COMPARISON,
    ),
    _points(
        "regression_to_mean",
        "Regression to the mean (measurement noise)",
        "choosers' minus comparison's change in measurement error",
        undefined_when=NO_COMPARISON,
    ),
    _points(
        "spread_change",
        "Change of the spread across institutions",
        "change of the standard deviation of the true indicator across institutions",
        undefined_when="the topic applies to no institution",
    ),
    Outcome(
        "institution_points",
        "Causal gain summed over members",
        "institution-points",
        "amount",
        "causal gain of members at the horizon, summed over them (one point at one institution "
        "is one institution-point)",
        higher_is_better=True,
        undefined_when=NO_MEMBERS,
    ),
    _cash(
        "cost_per_point",
        "Cash cost per institution-point",
        "cash cost of the whole programme up to the horizon per institution-point of this topic "
        "at the horizon",
        unit="RWF per institution-point",
        better=False,
        undefined_when="the topic gains no institution-points",
    ),
    _points(
        "effect_at_exit",
        "Causal effect on members at donor exit",
        "causal effect on members when the donor leaves",
        better=True,
        undefined_when=NO_MEMBERS,
    ),
    _points(
        "effect_2y_after_exit",
        "Causal effect on members 2 years after donor exit",
        "causal effect on members two years after the donor leaves",
        better=True,
        undefined_when=f"{NO_MEMBERS}, or two years after exit is beyond the horizon",
    ),
    _points(
        "effect_5y_after_exit",
        "Causal effect on members 5 years after donor exit",
        "causal effect on members five years after the donor leaves",
        better=True,
        undefined_when=f"{NO_MEMBERS}, or five years after exit is beyond the horizon",
    ),
    Outcome(
        "gain_retained",
        "Gain kept after donor exit",
        "ratio",
        "amount",
        "effect at the horizon over effect at donor exit: gains kept (1) versus lost (0), above 1 "
        "if they still grow",
        higher_is_better=True,
        undefined_when="there is no positive effect at donor exit",
    ),
)

TOPIC_OUTCOMES: tuple[Outcome, ...] = tuple(
    replace(r, name=f"{TOPIC}.{r.name}", topic=TOPIC) for r in _TOPIC_DECLARATIONS
)
