"""The report of replications of named scenarios: `tpn run` (one) and `tpn compare` (several).

Page one is the conclusion in plain sentences (:mod:`analysis.conclusions`) with the chart that
carries it; then the headline results in words and units, the cost-effectiveness frontier, the
acceptability curve and the budget impact (:mod:`analysis.economics`); then the figures; the
full outcome tables under the files' names, the assumptions and the provenance are appendices.
"""

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from analysis import economics_figures, reporting, style
from analysis.conclusions import CHART
from analysis.printables import (
    printable_acceptability,
    printable_cost_effectiveness,
    printable_headline,
)
from analysis.report.assumptions import assumptions_section
from analysis.report.elements import figures, glossary, section, table
from analysis.report.folder import ResultsFolder, read_csv, read_json
from experiments.manifest import Manifest
from experiments.replicate import DRAW
from experiments.summary import interval_kind
from sim.errors import InputError
from sim.params import Scenario
from sim.world import cached_world

CHANCE_NOTE = (
    "Mean [95% CI of the mean, chance only]: where the average over replications lies, at the "
    "scenario's parameters; use it to compare designs. 95% of runs: where a single run (one "
    "possible history) falls; use it to judge whether an observed value is plausible."
)
POSTERIOR_NOTE = (
    "Mean [95% over plausible parameters]: where the expected outcome lies across the "
    "parameter sets the calibration leaves plausible (each draw's mean over its seeds); it does "
    "not shrink with more runs, because it is what the data do not pin down. 95% of runs: one "
    "possible history, with parameters and chance together. Variance from parameters: the "
    "share of one run's variance that comes from not knowing the parameters (law of total "
    "variance); the rest is chance."
)

INTERVALS_IN_WORDS = {
    False: "Each value is the mean over replications with, in brackets, its 95% interval: how "
    "far the mean could move with other random seeds (chance only, at the calibrated "
    "parameters). It is not where one evaluation's value would fall: single runs scatter more "
    "(the appendix gives 95% of runs).",
    True: "Each value is the mean with, in brackets, its 95% interval over the parameter sets "
    "the calibration leaves plausible (posterior draws): what is not known about the "
    "parameters, with chance. It is not where one evaluation's value would fall: single runs "
    "scatter more (the appendix gives 95% of runs).",
}
METHOD_NOTE = (
    "Intervals keep within each quantity's bounds: percentile bootstrap of the mean for "
    "shares, counts and money (never below 0, shares within 0-100%); t-interval for indicator "
    "points, which may fall. A P-value has no interval: power is the share of runs whose "
    "evaluation z-test is significant at 5%, with its Wilson interval."
)
FRONTIER_NOTE = (
    "Dominated: another design gains at least as much for no more money. Extendedly "
    "dominated: a mix of two other designs buys more gain for the same money. ICER: extra RWF "
    "per extra institution-point over the next cheaper design on the frontier; no twinning "
    "costs and gains nothing."
)
ACCEPTABILITY_NOTE = (
    "Net monetary benefit = willingness-to-pay per institution-point x causal gain - cash "
    "cost. * the highest mean net benefit at that price. The shares of a row add up to 100% "
    "(largest-remainder rounding). The prices are an assumption: Rwanda has no threshold per "
    "institution-point."
)
ACCEPTABILITY = economics_figures.STEM  # figures/acceptability.png, shown beside its table

# What the report reads of each scenario.json and summary.csv of a run.
SCENARIO_KEYS = ("name", "design.design", "evaluation.headline_topics")
RUN_SUMMARY_COLUMNS = ("outcome", "mean", "ci_low", "ci_high", "p2_5", "p97_5", "n")


def run_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    scenario = read_json(folder / "scenario.json", SCENARIO_KEYS)
    topics = list(scenario["evaluation"]["headline_topics"])
    summary = read_csv(folder / "summary.csv", RUN_SUMMARY_COLUMNS)
    replications = manifest.replications or int(summary["n"].max())
    headline = reporting.run_table(summary, topics)
    posterior = reporting.interval_words(headline) == interval_kind(True)
    name, design = scenario["name"], scenario["design"]["design"]
    named = reporting.scenario_words([name], [design])[name]  # as people read it
    shown = figures(folder, run_captions(named, _detailed(folder)))
    sections, chart = [], []
    if design != "none" and {"costs.total", "gains.institution_points"} <= set(summary["outcome"]):
        runs = read_csv(folder / "runs.csv", ("replication",)).assign(scenario=name)
        sections += summary_sections(
            runs,
            summary.assign(scenario=name),
            [name],
            {name: scenario},
            {name: folder},
            chart := [f for f in shown if f["stem"] == "trajectories"],
        )
    sections += [
        section("Figures", figures=[f for f in shown if f not in chart]),
        section(
            "Every headline outcome",
            appendix=True,
            tables=[
                table(
                    reporting.printable_run_table(headline),
                    caption=f"Headline outcomes over {replications} replications",
                    notes=[
                        POSTERIOR_NOTE if posterior else CHANCE_NOTE,
                        "Every outcome with SD and n is in summary.csv; one row per "
                        "replication in runs.csv.",
                    ],
                    glossary=glossary(headline["outcome"]),
                )
            ],
        ),
        assumptions_section({name: folder / "scenario.json"}),
    ]
    return {
        "title": f"{named}: {replications} replications",
        "subtitle": scenario.get("description", ""),
        "facts": [
            ("Kind", "tpn run: replications of one scenario", False),
            ("Scenario", name, False),
            ("Description", scenario.get("description") or "-", False),
            ("Design", design, False),
            ("Parameters", parameters_fact(manifest), False),
        ],
        "sections": sections,
        "synthetic": manifest.synthetic_world,
    }


def compare_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    comparison = read_csv(folder / "comparison.csv", ("outcome", "scenario", "mean", "ci_low"))
    names = manifest.scenarios or list(dict.fromkeys(comparison["scenario"]))
    words = reporting.interval_words(comparison)
    replications = manifest.replications or "?"
    scenario_files = {n: folder / n / "scenario.json" for n in names}
    scenario_files = {n: path for n, path in scenario_files.items() if path.is_file()}
    described = {n: read_json(path, SCENARIO_KEYS) for n, path in scenario_files.items()}
    # What people read names the scenarios in words; the files (and provenance) keep the ids.
    named = reporting.scenario_words(names, _designs(names, described))
    means, differences, *choice = reporting.printable_comparison(comparison, names, named)
    runs = read_csv(folder / "runs.csv", ("scenario", "replication"))
    shown = figures(folder, _compare_captions(_detailed(folder / names[0]), words))
    sections = summary_sections(
        runs,
        comparison,
        names,
        described,
        {n: folder / n for n in names},
        [f for f in shown if f["stem"] == CHART],
        [f for f in shown if f["stem"] == ACCEPTABILITY],
    )
    sections.append(
        section("Figures", figures=[f for f in shown if f["stem"] not in (CHART, ACCEPTABILITY)])
    )
    for name in names:
        scenario = described.get(name, {})
        sections.append(
            section(
                f"Scenario {named[name]}",
                intro=scenario.get("description", ""),
                level=3,
                figures=figures(
                    folder / name,
                    run_captions(named[name], _detailed(folder / name)),
                    f"{name}/",
                ),
            )
        )
    sections.append(
        section(
            "Every outcome, under the names the files use",
            appendix=True,
            intro=f"{len(names)} scenarios, {replications} replications each; replication r "
            "of every scenario used the same seed"
            + (" and the same parameter set" if choice else "")
            + ", so differences between scenarios are not seed noise.",
            tables=[
                table(
                    means,
                    caption=f"Mean [{words}] per scenario",
                    notes=[POSTERIOR_NOTE if choice else CHANCE_NOTE],
                    glossary=glossary(means["outcome"]),
                ),
                table(
                    differences,
                    caption=f"Difference to {named[names[0]]}, paired by replication: "
                    f"mean [{words}]",
                    notes=[
                        "An interval that excludes 0 is a difference beyond "
                        + ("the parameters' uncertainty." if choice else "seed noise.")
                    ],
                ),
            ],
        )
    )
    if choice:
        sections.append(decision_section(folder, names, described, *choice))
    sections.append(assumptions_section(scenario_files))
    return {
        "title": " vs ".join(style.words(n) for n in names),
        "subtitle": f"Comparison of {len(names)} scenarios on common random numbers",
        "facts": [
            ("Kind", "tpn compare: several scenarios on common random numbers", False),
            ("Scenarios", ", ".join(names), False),
            *[(n, described[n].get("description") or "-", False) for n in names if n in described],
            ("Reference", f"{names[0]} (differences are to it)", False),
        ],
        "sections": sections,
        "synthetic": manifest.synthetic_world,
    }


def summary_sections(
    runs: pd.DataFrame,
    comparison: pd.DataFrame,
    names: list[str],
    described: dict[str, dict],
    run_folders: dict[str, Path],
    chart: list[dict],
    acceptability: list[dict] = (),
) -> list[dict]:
    """Page one (the conclusion in sentences, with the chart that carries it), then the
    headline results in words: outcomes with units, the cost-effectiveness frontier, the
    acceptability curve (its table, and beside it ``acceptability``, the folder's figure of
    it, which tpn compare writes) and each
    scenario's budget impact by year and funder."""
    designs = _designs(names, described)
    named = reporting.scenario_words(names, designs)
    scenarios = {n: _scenario(d) for n, d in described.items()}
    first = scenarios.get(names[0])
    world = _world(first)
    topics = world.topics if world else None
    found = reporting.conclusion(runs, comparison, names, designs, topics)
    posterior = reporting.interval_words(comparison) == interval_kind(True)
    worlds = "plausible worlds (posterior draws)" if posterior else "replications"
    for figure in acceptability:
        figure["caption"] = economics_figures.caption(economics_figures.worlds_of(runs))
    budgets = []
    for name in names:
        scenario, path = scenarios.get(name), run_folders[name] / "activities.csv"
        if scenario is None or world is None or not path.is_file():
            continue
        activities = read_csv_any(path)
        budget = reporting.budget_table(
            activities, _detailed(run_folders[name]), scenario, len(world.provinces)
        )
        if len(budget):
            budgets.append(table(budget, heading=f"Budget impact of {named[name]}", left=3))
    return [
        section(
            "Summary",
            points=[f.text for f in found.findings],
            figures=chart,
            summary=True,
        ),
        section(
            "Headline results",
            intro=INTERVALS_IN_WORDS[posterior],
            tables=[
                table(
                    printable_headline(comparison, names, topics, named),
                    caption=f"Mean [{reporting.interval_words(comparison)}] per scenario",
                    left=2,
                    notes=[METHOD_NOTE],
                ),
                table(
                    printable_cost_effectiveness(found.frontier, named),
                    caption="Cost-effectiveness: cash cost against causal gain, cheapest first",
                    notes=[FRONTIER_NOTE],
                ),
            ],
        ),
        section(
            "Cost-effectiveness acceptability: which design is the best buy, by what a point "
            "is worth",
            level=3,
            tables=[
                table(
                    printable_acceptability(found.acceptability, named),
                    caption="Cost-effectiveness acceptability: share of "
                    f"{worlds} in which each design has the highest net monetary benefit",
                    notes=[ACCEPTABILITY_NOTE],
                ),
            ],
            figures=list(acceptability),
        ),
        section(
            "Budget impact: who pays, year by year",
            intro="Cash each funder pays in each budget year (model months 0-11, 12-23, ...), "
            "the mean over the replications whose activities were kept, in RWF; through the "
            "donor's exit and after.",
            tables=budgets,
        ),
    ]


def _designs(names: list[str], described: dict[str, dict]) -> list[str]:
    """Each scenario's design from its scenario.json ("?" for one the folder does not hold)."""
    return [described.get(n, {}).get("design", {}).get("design", "?") for n in names]


def _scenario(data: dict) -> Scenario | None:
    try:
        return Scenario.model_validate(data)
    except ValidationError:
        return None


def _world(scenario: Scenario | None):
    if scenario is None:
        return None
    try:
        return cached_world(scenario.world)
    except (InputError, OSError):
        return None


def read_csv_any(path: Path) -> pd.DataFrame:
    """A table written by tpn that may have no rows (a scenario that held no activities)."""
    try:
        return pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(path, "content", type(error).__name__, "a table written by tpn") from None


def run_captions(name: str, replications: int | str) -> dict[str, str]:
    """Captions of the figures `tpn run` draws of a scenario, ``name`` the scenario as people
    read it (:func:`analysis.reporting.scenario_words`), not its identifier."""
    return {
        "trajectories": f"{name}: measured indicator of the institutions that chose each "
        "headline topic and of the comparison group, and the choosers' true indicator without "
        f"twinning (dashed). Lines: mean over {replications} replications; bands: 95% of "
        "replications; shaded: the programme.",
        "network": f"{name}: the twinning ties formed at launch in one simulated programme, one "
        "map per most-used topic. Arrows run from the rising (learning) institution to its "
        "shining host; marker size: learners hosted in that topic.",
    }


def _compare_captions(replications: int | str, interval: str) -> dict[str, str]:
    return {
        "effects": "Causal effect of each design on the choosers' indicator at endline (bars: "
        f"mean with {interval}), against the same world without twinning; diamonds: the "
        "chooser-minus-comparison difference the evaluation would have measured.",
        "trajectories": "True indicator of the institutions that chose each headline topic, one "
        f"line per scenario: mean over {replications} replications, band: 95% of replications; "
        "shaded: the programme.",
        "costs": "Who pays (cash by funder over the horizon) and what lasts after the donor "
        f"leaves (causal gain of members at exit, 2 and 5 years on; {interval}).",
    }


def _detailed(folder) -> int:
    """How many replications the monthly series holds (with a posterior, the first few of
    hundreds): what the trajectories figure averages over. A damaged file is a one-line error."""
    path = folder / "series.parquet"
    try:
        return pd.read_parquet(path, columns=["replication"])["replication"].nunique()
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise InputError(path, "content", type(error).__name__, "a series written by tpn") from None


def parameters_fact(manifest: Manifest) -> str:
    """Where the runs' parameters came from: the scenario's, or a posterior's draws."""
    drawn = manifest.details.get("posterior")
    if not drawn:
        return "the scenario's (one parameter set)"
    return f"{drawn['draws']} sets drawn from {drawn['file']}, {drawn['seeds_per_draw']} seeds each"


def decision_section(folder, names: list[str], described: dict, choice, shares) -> dict:
    """With a posterior: how often each scenario beats the first over the plausible worlds,
    the expected loss of choosing each, and where each outcome's uncertainty comes from."""
    runs = read_csv(folder / "runs.csv", ("scenario", DRAW))
    designs = _designs(names, described)
    topics = described.get(names[0], {}).get("evaluation", {}).get("headline_topics", [])
    sentences = reporting.decision_sentences(runs, names, designs, list(topics))
    return section(
        "Which scenario to choose, over the plausible worlds",
        intro=" ".join(sentences),
        tables=[
            table(
                choice,
                caption="Probability that each scenario beats "
                f"{reporting.scenario_words(names, designs)[names[0]]} (share of posterior "
                "draws in which its mean is better) and expected loss of choosing each",
                notes=[
                    "Expected loss: the mean over draws of how far a scenario falls short of the "
                    "best scenario of that draw, in the outcome's unit (0: the best in every "
                    "plausible world). Better means more, or less for costs, as the outcome "
                    "registry says."
                ],
            ),
            table(
                shares,
                caption="Share of one run's variance from the parameters (the rest is chance)",
            ),
        ],
    )
