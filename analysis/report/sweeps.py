"""The report of an experiment over design points: `tpn sweep` and `tpn sensitivity`."""

import pandas as pd
from pydantic import ValidationError

from analysis.printables import headline_indices, printable_points
from analysis.report.assumptions import factor_row
from analysis.report.elements import figures, glossary, section, table
from analysis.report.folder import ResultsFolder, read_csv
from analysis.report.provenance import synthetic_world
from experiments.sensitivity import stability_warnings
from experiments.spec import Experiment

MAX_POINTS = 100  # sweep points shown in the report; all are in summary.csv
KIND_LABELS = {
    "sweep": "tpn sweep: an experiment's design points",
    "sensitivity": "tpn sensitivity: global sensitivity analysis",
}
INDEX_MEANINGS = {
    "sobol": "S1: share of the outcome's variance due to the factor alone; ST: including its "
    "interactions (95% CI half-width in brackets). Factors sorted by ST.",
    "morris": "mu*: mean absolute elementary effect (importance); sigma: spread of the effects "
    "(non-linearity or interactions); 95% CI half-width of mu* in brackets. Factors sorted by "
    "mu*.",
}


def sweep_content(results: ResultsFolder) -> dict:
    experiment = results.manifest.experiment or {}
    summary = read_csv(results.path / "summary.csv", ("point",))
    points = printable_points(summary, list(experiment["outcomes"]))
    shown = points.head(MAX_POINTS)
    notes = [
        "Each cell: mean [95% CI of the mean] over the point's replications "
        "(common seeds across points)."
    ]
    if len(points) > len(shown):
        notes.append(f"First {len(shown)} of {len(points)} points; all are in summary.csv.")
    per_point = table(
        shown,
        caption=f"Per design point: {len(points)} points",
        left=1,
        notes=notes,
        glossary=glossary(experiment["outcomes"]),
    )
    return _experiment_content(
        results,
        title=f"Sweep: {experiment.get('name') or results.path.name}",
        sections=[
            section(
                "Results per design point",
                tables=[per_point],
                figures=figures(results.path, {}),
            )
        ],
    )


def sensitivity_content(results: ResultsFolder) -> dict:
    experiment = results.manifest.experiment or {}
    design = experiment["design"]
    indices = read_csv(
        results.path / "indices.csv", ("outcome", "index", "factor", "value", "conf")
    )
    headline = headline_indices(indices, design)
    drawn = {
        figure["stem"]: figure
        for figure in figures(results.path, _index_captions(design, indices["outcome"]))
    }
    sections = [section("Which factors matter", intro=INDEX_MEANINGS.get(design, ""))]
    for outcome, group in headline.groupby("outcome", sort=False):
        ranked = table(
            group.drop(columns="outcome"),
            caption=f"{design.capitalize()} indices of {outcome}, most important first",
        )
        figure = drawn.pop(f"{design}-{outcome}", None)
        sections.append(
            section(outcome, tables=[ranked], figures=[figure] if figure else [], level=3)
        )
    sections[-1]["figures"] += list(drawn.values())  # any other figure in the folder
    if "S2" in set(indices["index"]):
        sections[0]["intro"] += " Second-order indices (S2) of every pair are in indices.csv."
    try:
        warnings = stability_warnings(indices, Experiment.model_validate(experiment))
    except ValidationError:
        warnings = []
    content = _experiment_content(
        results,
        title=f"Sensitivity analysis ({design}): {experiment.get('name') or results.path.name}",
        sections=sections,
    )
    content["warnings"] += [f"{w} (indices may not be stable)." for w in warnings]
    return content


def _index_captions(design: str, outcomes: pd.Series) -> dict[str, str]:
    """Captions of the figure `tpn sensitivity` draws for each outcome."""
    if design == "sobol":
        return {
            f"sobol-{o}": f"What drives {o}: first-order (S1) and total (ST) Sobol indices per "
            "factor with 95% intervals, factors sorted by total index."
            for o in dict.fromkeys(outcomes)
        }
    return {
        f"morris-{o}": f"Morris screening of {o}: mu* (importance) against sigma (non-linearity "
        "or interactions). Factors far to the right matter most; those above the dashed line "
        "act mostly through interactions or non-linearly."
        for o in dict.fromkeys(outcomes)
    }


def _experiment_content(results: ResultsFolder, title: str, sections: list[dict]) -> dict:
    """What every experiment's report shows around its results: facts, failures, factors."""
    manifest = results.manifest
    experiment = manifest.experiment or {}
    base = manifest.base_scenario or {}
    factors = pd.DataFrame([factor_row(n, f) for n, f in experiment["factors"].items()])
    facts = [
        ("Kind", KIND_LABELS[results.kind], False),
        ("Experiment", experiment.get("name") or "-", False),
        ("Description", experiment.get("description") or "-", False),
        ("Experiment file", manifest.experiment_file or "experiment.toml", True),
        (
            "Base scenario",
            f"{base.get('name', experiment['base'])}: {base.get('description', '')}",
            False,
        ),
        ("Sampling design", _design_text(experiment), False),
        ("Design points", _known(manifest.points, "-"), False),
        ("Replications per point", experiment.get("replications", "-"), False),
        (
            "Runs",
            f"{manifest.runs_total} ({_known(manifest.runs_ok)} ok, "
            f"{manifest.runs_failed or 0} failed)",
            False,
        ),
        (
            "Executor",
            f"{manifest.executor or '-'} ({_known(manifest.workers)} workers)",
            False,
        ),
    ]
    if experiment.get("seed") is not None:
        facts.append(
            ("Seed", f"{experiment['seed']} (replication r of every point shares its seed)", False)
        )
    return {
        "title": title,
        "subtitle": experiment.get("description", ""),
        "facts": facts,
        "warnings": [
            f"{count} runs failed: {reason}" for reason, count in manifest.failure_reasons.items()
        ],
        "sections": [
            *sections,
            section(
                "Factors varied",
                intro="The parameters the experiment varies, with the range sampled; every "
                "other parameter keeps the base scenario's value.",
                tables=[table(factors, left=5, full=True)],
            ),
        ],
        "synthetic": synthetic_world(manifest, base.get("world")),
    }


def _known(value: int | None, missing: str = "?") -> int | str:
    return missing if value is None else value


def _design_text(experiment: dict) -> str:
    design, samples = experiment["design"], experiment.get("samples")
    if design == "sobol":
        order = "with" if experiment.get("second_order") else "without"
        return f"Sobol (Saltelli sampling), N = {samples}, {order} second-order indices"
    if design == "morris":
        return f"Morris, {samples} trajectories on {experiment.get('morris_levels')} levels"
    if design == "latin_hypercube":
        return f"Latin hypercube, {samples} points"
    return "full factorial"
