"""The report of `tpn validate`: the model beside the evaluation's figures.

Fitted targets come first, then the evaluation's statistics as the paper computed them, then
the predictions the model was never fitted to, labelled apart so nobody reads a forecast as an
observation, then the patterns the evaluation reported beside its means. A validation whose runs
drew their parameters from a posterior adds its posterior predictive check
(:mod:`analysis.predictive_check`).
"""

from pathlib import Path

from analysis.predictive_check import HOW_TO_READ
from analysis.printables import (
    printable_patterns,
    printable_predictive,
    printable_summary,
    printable_validation,
)
from analysis.report.assumptions import shipped_scenario
from analysis.report.elements import figures, section, table
from analysis.report.folder import ResultsFolder, read_csv
from analysis.report.provenance import synthetic_world


def validate_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    targets = read_csv(folder / "targets.csv", ("target", "outcome", "observed"))
    statistics = read_csv(folder / "statistics.csv", ("topic", "statistic", "model_mean"))
    predictions = read_csv(folder / "predictions.csv", ("prediction", "model_mean"))
    name = manifest.scenarios[0] if manifest.scenarios else "?"
    scenario = shipped_scenario(name)
    inside = int(targets["inside"].astype(bool).sum())
    replications = manifest.replications or "?"
    ensemble = manifest.details.get("ensemble")
    drawn = manifest.details.get("posterior")
    source = (
        f"drawing their parameters from {Path(drawn['file']).name} ({drawn['draws']} sets x "
        f"{drawn['seeds_per_draw']} seeds)"
        if drawn
        else f"over the calibrated ensemble ({Path(ensemble).name})"
        if ensemble
        else "at the scenario's parameters"
    )
    labelled = printable_summary(predictions, ["prediction"])
    if "status" in predictions:
        labelled["status"] = predictions["status"]
    target_notes = (
        [f"{t}: {d}" for t, d in zip(targets["target"], targets["description"], strict=True)]
        if "description" in targets
        else []
    )
    return {
        "title": f"Validation of {name} against the evaluation",
        "subtitle": f"{inside} of {len(targets)} fitted targets inside the model's 95% interval",
        "facts": [
            ("Kind", "tpn validate: the model beside the evaluation's figures", False),
            ("Scenario", name, False),
            ("Description", scenario.description if scenario else "-", False),
            ("Parameters", source, False),
        ],
        "sections": [
            section(
                "Fitted targets",
                intro=f"{replications} replications {source}. The interval holds 95% of single "
                "runs: where one evaluation's value should fall if the model is right.",
                tables=[
                    table(
                        printable_validation(targets),
                        caption=f"{inside} of {len(targets)} targets inside the interval",
                        left=2,
                        notes=target_notes,
                    )
                ],
                figures=figures(
                    folder,
                    {
                        "targets": "Each fitted target: the evaluation's observed value (black "
                        f"line) against the model's values over {replications} runs (histogram; "
                        "shaded: 95% of runs)."
                    },
                ),
            ),
            section(
                "The evaluation's statistics, as the paper computed them (model)",
                tables=[table(printable_summary(statistics, ["topic", "statistic"]), left=2)],
            ),
            section(
                "Predictions (not fitted)",
                intro="Predictions: quantities the model was never fitted to. They are the "
                "model's forecasts, not observations, and can be checked against new data.",
                tables=[table(labelled, caption="Predictions: model mean and 95% of runs")],
            ),
            *extra_sections(folder),
        ],
        "synthetic": synthetic_world(manifest, scenario.world if scenario else None),
    }


def extra_sections(folder: Path) -> list[dict]:
    """The evaluation's patterns, and the posterior predictive check when there is one (folders
    written before either existed have neither)."""
    sections = []
    if (folder / "predictive_check.csv").is_file():
        check = read_csv(folder / "predictive_check.csv", ("kind", "name", "observed", "p_value"))
        sections.append(
            section(
                "Posterior predictive check",
                intro=HOW_TO_READ,
                tables=[table(printable_predictive(check), left=2)],
            )
        )
    if (folder / "patterns.csv").is_file():
        patterns = read_csv(folder / "patterns.csv", ("topic", "pattern", "kind", "observed"))
        sections.append(
            section(
                "Patterns the evaluation reported",
                intro="Group sizes, the shares that improved and declined, how often the "
                "paper's z-test is significant at 5%, and how members that chose other topics "
                "fared: the distribution, not only the means.",
                tables=[table(printable_patterns(patterns), left=2)],
            )
        )
    return sections
