"""The report of replications of named scenarios: `tpn run` (one) and `tpn compare` (several)."""

from analysis import reporting
from analysis.report.assumptions import assumptions_section
from analysis.report.elements import figures, glossary, section, table
from analysis.report.folder import ResultsFolder, read_csv, read_json

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
    return {
        "title": f"{scenario['name']}: {replications} replications",
        "subtitle": scenario.get("description", ""),
        "facts": [
            ("Kind", "tpn run: replications of one scenario", False),
            ("Scenario", scenario["name"], False),
            ("Description", scenario.get("description") or "-", False),
            ("Design", scenario["design"]["design"], False),
        ],
        "sections": [
            section(
                "Headline results",
                tables=[
                    table(
                        reporting.printable_run_table(headline),
                        caption=f"Headline outcomes over {replications} replications",
                        notes=[
                            "Mean [95% CI of the mean]: where the average over replications "
                            "lies; use it to compare designs. 95% of runs: where a single run "
                            "(one possible history) falls; use it to judge whether an observed "
                            "value is plausible.",
                            "Every outcome with SD and n is in summary.csv; one row per "
                            "replication in runs.csv.",
                        ],
                        glossary=glossary(headline["outcome"]),
                    )
                ],
                figures=figures(folder, run_captions(scenario["name"], replications)),
            ),
            assumptions_section({scenario["name"]: folder / "scenario.json"}),
        ],
        "synthetic": manifest.synthetic_world,
    }


def compare_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    comparison = read_csv(folder / "comparison.csv", ("outcome", "scenario", "mean", "ci_low"))
    names = manifest.scenarios or list(dict.fromkeys(comparison["scenario"]))
    means, differences = reporting.printable_comparison(comparison, names)
    replications = manifest.replications or "?"
    scenario_files = {n: folder / n / "scenario.json" for n in names}
    scenario_files = {n: path for n, path in scenario_files.items() if path.is_file()}
    described = {n: read_json(path, SCENARIO_KEYS) for n, path in scenario_files.items()}
    sections = [
        section(
            "Headline results",
            intro=f"{len(names)} scenarios, {replications} replications each; replication r of "
            "every scenario used the same seed, so differences between scenarios are not seed "
            "noise.",
            tables=[
                table(
                    means,
                    caption="Mean [95% CI of the mean] per scenario",
                    glossary=glossary(means["outcome"]),
                ),
                table(
                    differences,
                    caption=f"Difference to {names[0]}, paired by replication: mean [95% CI]",
                    notes=["An interval that excludes 0 is a difference beyond seed noise."],
                ),
            ],
            figures=figures(folder, _compare_captions(replications)),
        )
    ]
    for name in names:
        scenario = described.get(name, {})
        sections.append(
            section(
                f"Scenario {name} ({scenario.get('design', {}).get('design', '?')} design)",
                intro=scenario.get("description", ""),
                figures=figures(folder / name, run_captions(name, replications), f"{name}/"),
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


def _compare_captions(replications: int | str) -> dict[str, str]:
    return {
        "effects": "Causal effect of each design on the choosers' indicator at endline (bars: "
        "mean with 95% CI), against the same world without twinning; diamonds: the "
        "chooser-minus-comparison difference the evaluation would have measured.",
        "trajectories": "True indicator of the institutions that chose each headline topic, one "
        f"line per scenario: mean over {replications} replications, band: 95% of replications; "
        "shaded: the programme.",
        "costs": "Who pays (cash by funder over the horizon) and what lasts after the donor "
        "leaves (causal gain of members at exit, 2 and 5 years on; 95% CI of the mean).",
    }
