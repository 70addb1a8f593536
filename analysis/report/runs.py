"""The report of replications of named scenarios: `tpn run` (one) and `tpn compare` (several)."""

import pandas as pd

from analysis import reporting
from analysis.report.assumptions import assumptions_section
from analysis.report.elements import figures, glossary, section, table
from analysis.report.folder import ResultsFolder, read_csv, read_json
from experiments.manifest import Manifest
from experiments.replicate import DRAW
from experiments.summary import interval_kind
from sim.errors import InputError

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
    return {
        "title": f"{scenario['name']}: {replications} replications",
        "subtitle": scenario.get("description", ""),
        "facts": [
            ("Kind", "tpn run: replications of one scenario", False),
            ("Scenario", scenario["name"], False),
            ("Description", scenario.get("description") or "-", False),
            ("Design", scenario["design"]["design"], False),
            ("Parameters", parameters_fact(manifest), False),
        ],
        "sections": [
            section(
                "Headline results",
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
                figures=figures(folder, run_captions(scenario["name"], _detailed(folder))),
            ),
            assumptions_section({scenario["name"]: folder / "scenario.json"}),
        ],
        "synthetic": manifest.synthetic_world,
    }


def compare_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    comparison = read_csv(folder / "comparison.csv", ("outcome", "scenario", "mean", "ci_low"))
    names = manifest.scenarios or list(dict.fromkeys(comparison["scenario"]))
    means, differences, *choice = reporting.printable_comparison(comparison, names)
    words = reporting.interval_words(comparison)
    replications = manifest.replications or "?"
    scenario_files = {n: folder / n / "scenario.json" for n in names}
    scenario_files = {n: path for n, path in scenario_files.items() if path.is_file()}
    described = {n: read_json(path, SCENARIO_KEYS) for n, path in scenario_files.items()}
    sections = [
        section(
            "Headline results",
            intro=f"{len(names)} scenarios, {replications} replications each; replication r of "
            "every scenario used the same seed"
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
                    caption=f"Difference to {names[0]}, paired by replication: mean [{words}]",
                    notes=[
                        "An interval that excludes 0 is a difference beyond "
                        + ("the parameters' uncertainty." if choice else "seed noise.")
                    ],
                ),
            ],
            figures=figures(folder, _compare_captions(_detailed(folder / names[0]), words)),
        )
    ]
    if choice:
        sections.append(decision_section(folder, names, described, *choice))
    for name in names:
        scenario = described.get(name, {})
        sections.append(
            section(
                f"Scenario {name} ({scenario.get('design', {}).get('design', '?')} design)",
                intro=scenario.get("description", ""),
                figures=figures(
                    folder / name, run_captions(name, _detailed(folder / name)), f"{name}/"
                ),
            )
        )
    sections.append(assumptions_section(scenario_files))
    return {
        "title": " vs ".join(names),
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


def run_captions(name: str, replications: int | str) -> dict[str, str]:
    """Captions of the figures `tpn run` draws of scenario ``name``."""
    return {
        "trajectories": f"{name}: measured indicator of the institutions that chose each "
        "headline topic and of the comparison group, and the choosers' true indicator without "
        f"twinning (dashed). Lines: mean over {replications} replications; bands: 95% of "
        "replications; shaded: the programme.",
        "network": f"{name}: the twinning ties formed at launch in replication 0, on a map of "
        "the provinces. Arrows run from the rising (learning) institution to its shining host, "
        "coloured by topic; node size: mentees hosted.",
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
    designs = [described.get(n, {}).get("design", {}).get("design", "?") for n in names]
    topics = described.get(names[0], {}).get("evaluation", {}).get("headline_topics", [])
    sentences = reporting.decision_sentences(runs, names, designs, list(topics))
    return section(
        "Which scenario to choose, over the plausible worlds",
        intro=" ".join(sentences),
        tables=[
            table(
                choice,
                caption=f"Probability that each scenario beats {names[0]} (share of posterior "
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
