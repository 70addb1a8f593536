"""`tpn report`: one self-contained HTML file describing a results folder written by tpn.

The report reads only the folder's files (tables, manifest, figures); it never reruns the model.
Figures are embedded as base64 PNG data URIs and the CSS is inline, so the file can be mailed,
archived or printed to PDF on its own. :func:`report_html` builds the text; :func:`report_command`
writes it, atomically and never over an existing report unless ``--force``.
"""

import base64
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import ValidationError

from analysis import reporting
from sim.errors import InputError

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The file that marks each kind of folder, checked in this order, and the files each kind needs
# (a name ending in "/" is a folder).
MARKERS = (
    ("validate", "targets.csv"),
    ("sensitivity", "indices.csv"),
    ("sweep", "points.parquet"),
    ("compare", "comparison.csv"),
    ("run", "scenario.json"),
)
REQUIRED = {
    "run": ("scenario.json", "summary.csv", "runs.csv", "series.parquet", "figures/"),
    "compare": ("manifest.json", "comparison.csv"),
    "sweep": ("manifest.json", "summary.csv", "points.parquet"),
    "sensitivity": ("manifest.json", "summary.csv", "indices.csv"),
    "validate": ("manifest.json", "targets.csv", "statistics.csv", "predictions.csv"),
}
KIND_LABELS = {
    "run": "tpn run: replications of one scenario",
    "compare": "tpn compare: several scenarios on common random numbers",
    "sweep": "tpn sweep: an experiment's design points",
    "sensitivity": "tpn sensitivity: global sensitivity analysis",
    "validate": "tpn validate: the model beside the evaluation's figures",
}
# What the report reads of each scenario.json and summary.csv of a run.
SCENARIO_KEYS = ("name", "design.design", "evaluation.headline_topics")
RUN_SUMMARY_COLUMNS = ("outcome", "mean", "ci_low", "ci_high", "p2_5", "p97_5", "n")
ALLOWED = "a folder written by tpn run, compare, sweep, sensitivity or validate"
MAX_POINTS = 100  # sweep points shown in the report; all are in summary.csv
SECTION_TITLES = {
    "": "General",
    "design": "Design levers: what a planner chooses",
    "schedule": "Activity schedule",
    "context": "Context assumptions: what nobody controls",
    "funding": "Funding",
    "evaluation": "Evaluation",
}


def report_command(args) -> int:
    folder = Path(args.results)
    out = Path(args.out) if args.out else folder / "report.html"
    detect_kind(folder)  # a bad folder is refused before anything else is looked at
    if out.is_dir():
        raise InputError("--out", "file", str(out), "an HTML file, not a folder")
    if out.exists() and not args.force:
        raise InputError("--out", "file", str(out), "already exists; pass --force to replace it")
    html = report_html(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(f"Report written to {out}")
    return 0


def detect_kind(folder: Path) -> str:
    """Which command wrote ``folder``; an InputError when none did or files are missing."""
    if not folder.is_dir():
        raise InputError("tpn report", "RESULT_DIR", str(folder), f"does not exist; give {ALLOWED}")
    kind = next((k for k, marker in MARKERS if (folder / marker).is_file()), None)
    if kind is None:
        raise InputError(
            folder, "files", ", ".join(sorted(p.name for p in folder.iterdir())) or "none", ALLOWED
        )
    missing = [
        name
        for name in REQUIRED[kind]
        if not ((folder / name).is_dir() if name.endswith("/") else (folder / name).is_file())
    ]
    if missing:
        raise InputError(
            folder, "missing files", ", ".join(missing), f"a complete `tpn {kind}` folder"
        )
    if kind == "run" and _manifest_path(folder) is None:
        raise InputError(folder, "missing files", "manifest.json", "a complete `tpn run` folder")
    if kind == "compare":  # each scenario's subfolder must be a complete run folder
        names = _read_json(folder / "manifest.json").get("scenarios") or []
        absent = [name for name in names if not (folder / name).is_dir()]
        if absent:
            raise InputError(
                folder, "missing folders", ", ".join(absent), "a complete `tpn compare` folder"
            )
        for name in names:
            detect_kind(folder / name)
    if kind in ("sweep", "sensitivity"):
        manifest = _read_json(folder / "manifest.json")
        if manifest.get("status") != "complete":
            # an unfinished sensitivity has no indices.csv yet, so it is detected as a sweep
            design = (manifest.get("experiment") or {}).get("design")
            command = "sensitivity" if design in ("sobol", "morris") else "sweep"
            raise InputError(
                folder / "manifest.json",
                "status",
                manifest.get("status"),
                f"'complete'; finish the {command} first with "
                f"`tpn {command} FILE --out {folder} --resume`",
            )
    return kind


def report_html(folder: Path) -> str:
    """The whole report as one HTML string (reads ``folder``, writes nothing)."""
    folder = Path(folder)
    kind = detect_kind(folder)
    manifest = _read_json(_manifest_path(folder) if kind == "run" else folder / "manifest.json")
    content = BUILDERS[kind](folder, manifest)
    figures = [figure for section in content["sections"] for figure in section["figures"]]
    for number, figure in enumerate(figures, 1):
        figure["number"] = number
    environment = manifest.get("environment", {})
    synthetic = content.pop("synthetic")
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["breakable"] = _breakable
    return templates.get_template("report.html.j2").render(
        kind=kind,
        synthetic=synthetic,
        synthetic_text=_synthetic_text(synthetic),
        facts=[*content.pop("facts"), *_provenance(manifest)],
        warnings=content.pop("warnings", []),
        folder=folder.resolve().name,
        version=environment.get("tpn-sim", "unknown"),
        **content,
    )


# --- one builder per kind: title, facts, sections (tables and figures), synthetic flag ---------


def _run(folder: Path, manifest: dict) -> dict:
    scenario = _read_json(folder / "scenario.json", SCENARIO_KEYS)
    topics = list(scenario["evaluation"]["headline_topics"])
    summary = _read_csv(folder / "summary.csv", RUN_SUMMARY_COLUMNS)
    replications = manifest.get("replications", int(summary["n"].max()))
    table = reporting.run_table(summary, topics)
    headline = _table(
        reporting.printable_run_table(table),
        caption=f"Headline outcomes over {replications} replications",
        notes=[
            "Mean [95% CI of the mean]: where the average over replications lies; use it to "
            "compare designs. 95% of runs: where a single run (one possible history) falls; use "
            "it to judge whether an observed value is plausible.",
            "Every outcome with SD and n is in summary.csv; one row per replication in runs.csv.",
        ],
        glossary=_glossary(table["outcome"]),
    )
    figures = _figures(folder, _run_captions(scenario["name"], replications))
    return {
        "title": f"{scenario['name']}: {replications} replications",
        "subtitle": scenario.get("description", ""),
        "facts": [
            ("Kind", KIND_LABELS["run"], False),
            ("Scenario", scenario["name"], False),
            ("Description", scenario.get("description") or "-", False),
            ("Design", scenario["design"]["design"], False),
        ],
        "sections": [
            _section("Headline results", tables=[headline], figures=figures),
            _assumptions_section({scenario["name"]: folder / "scenario.json"}),
        ],
        "synthetic": manifest.get("synthetic_world"),
    }


def _compare(folder: Path, manifest: dict) -> dict:
    table = _read_csv(folder / "comparison.csv", ("outcome", "scenario", "mean", "ci_low"))
    names = list(manifest.get("scenarios") or dict.fromkeys(table["scenario"]))
    means, differences = reporting.printable_comparison(table, names)
    replications = manifest.get("replications", "?")
    scenario_files = {n: folder / n / "scenario.json" for n in names}
    described = {n: _read_json(p, SCENARIO_KEYS) for n, p in scenario_files.items() if p.is_file()}
    sections = [
        _section(
            "Headline results",
            intro=f"{len(names)} scenarios, {replications} replications each; replication r of "
            "every scenario used the same seed, so differences between scenarios are not seed "
            "noise.",
            tables=[
                _table(
                    means,
                    caption="Mean [95% CI of the mean] per scenario",
                    glossary=_glossary(means["outcome"]),
                ),
                _table(
                    differences,
                    caption=f"Difference to {names[0]}, paired by replication: mean [95% CI]",
                    notes=["An interval that excludes 0 is a difference beyond seed noise."],
                ),
            ],
            figures=_figures(folder, _compare_captions(replications)),
        )
    ]
    for name in names:
        if (folder / name).is_dir():
            design = described.get(name, {}).get("design", {}).get("design", "?")
            sections.append(
                _section(
                    f"Scenario {name} ({design} design)",
                    intro=described.get(name, {}).get("description", ""),
                    figures=_figures(
                        folder / name, _run_captions(name, replications), prefix=f"{name}/"
                    ),
                )
            )
    sections.append(_assumptions_section({n: p for n, p in scenario_files.items() if p.is_file()}))
    return {
        "title": " vs ".join(names),
        "subtitle": f"Comparison of {len(names)} scenarios on common random numbers",
        "facts": [
            ("Kind", KIND_LABELS["compare"], False),
            ("Scenarios", ", ".join(names), False),
            *[(n, described[n].get("description") or "-", False) for n in names if n in described],
            ("Reference", f"{names[0]} (differences are to it)", False),
        ],
        "sections": sections,
        "synthetic": manifest.get("synthetic_world"),
    }


def _sweep(folder: Path, manifest: dict) -> dict:
    from experiments.runner_cli import printable_points

    experiment = manifest["experiment"]
    summary = _read_csv(folder / "summary.csv", ("point",))
    points = printable_points(summary, list(experiment["outcomes"]))
    shown = points.head(MAX_POINTS)
    notes = [
        "Each cell: mean [95% CI of the mean] over the point's replications "
        "(common seeds across points)."
    ]
    if len(points) > len(shown):
        notes.append(f"First {len(shown)} of {len(points)} points; all are in summary.csv.")
    table = _table(
        shown,
        caption=f"Per design point: {len(points)} points",
        left=1,
        notes=notes,
        glossary=_glossary(experiment["outcomes"]),
    )
    return _experiment_content(
        folder,
        manifest,
        "sweep",
        title=f"Sweep: {experiment.get('name') or folder.name}",
        results=[
            _section("Results per design point", tables=[table], figures=_figures(folder, {}))
        ],
    )


def _sensitivity(folder: Path, manifest: dict) -> dict:
    from experiments.runner_cli import headline_indices
    from experiments.sensitivity import stability_warnings
    from experiments.spec import Experiment

    experiment = manifest["experiment"]
    design = experiment["design"]
    indices = _read_csv(folder / "indices.csv", ("outcome", "index", "factor", "value", "conf"))
    headline = headline_indices(indices, design)
    meaning = (
        "S1: share of the outcome's variance due to the factor alone; ST: including its "
        "interactions (95% CI half-width in brackets). Factors sorted by ST."
        if design == "sobol"
        else "mu*: mean absolute elementary effect (importance); sigma: spread of the effects "
        "(non-linearity or interactions); 95% CI half-width of mu* in brackets. Factors sorted "
        "by mu*."
    )
    figures = {figure["stem"]: figure for figure in _figures(folder, {})}
    sections = [_section("Which factors matter", intro=meaning)]
    for outcome, group in headline.groupby("outcome", sort=False):
        table = _table(
            group.drop(columns="outcome"),
            caption=f"{design.capitalize()} indices of {outcome}, most important first",
        )
        figure = figures.pop(f"{design}-{outcome}", None)
        sections.append(
            _section(outcome, tables=[table], figures=[figure] if figure else [], level=3)
        )
    sections[-1]["figures"] += list(figures.values())  # any other figure in the folder
    if "S2" in set(indices["index"]):
        sections[0]["intro"] += " Second-order indices (S2) of every pair are in indices.csv."
    try:
        warnings = stability_warnings(indices, Experiment.model_validate(experiment))
    except ValidationError:
        warnings = []
    content = _experiment_content(
        folder,
        manifest,
        "sensitivity",
        title=f"Sensitivity analysis ({design}): {experiment.get('name') or folder.name}",
        results=sections,
    )
    content["warnings"] += [f"{w} (indices may not be stable)." for w in warnings]
    return content


def _experiment_content(
    folder: Path, manifest: dict, kind: str, title: str, results: list[dict]
) -> dict:
    experiment = manifest["experiment"]
    base = manifest.get("base_scenario", {})
    runs = manifest.get("runs_total")
    factors = pd.DataFrame(
        [_factor_row(name, factor) for name, factor in experiment["factors"].items()]
    )
    warnings = [
        f"{count} runs failed: {reason}"
        for reason, count in (manifest.get("failure_reasons") or {}).items()
    ]
    facts = [
        ("Kind", KIND_LABELS[kind], False),
        ("Experiment", experiment.get("name") or "-", False),
        ("Description", experiment.get("description") or "-", False),
        ("Experiment file", manifest.get("experiment_file", "experiment.toml"), True),
        (
            "Base scenario",
            f"{base.get('name', experiment['base'])}: {base.get('description', '')}",
            False,
        ),
        ("Sampling design", _design_text(experiment), False),
        ("Design points", manifest.get("points", "-"), False),
        ("Replications per point", experiment.get("replications", "-"), False),
        (
            "Runs",
            f"{runs} ({manifest.get('runs_ok', '?')} ok, {manifest.get('runs_failed', 0)} failed)",
            False,
        ),
        (
            "Executor",
            f"{manifest.get('executor', '-')} ({manifest.get('workers', '?')} workers)",
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
        "warnings": warnings,
        "sections": [
            *results,
            _section(
                "Factors varied",
                intro="The parameters the experiment varies, with the range sampled; every "
                "other parameter keeps the base scenario's value.",
                tables=[_table(factors, left=5, full=True)],
            ),
        ],
        "synthetic": _synthetic(manifest, base.get("world")),
    }


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


def _validate(folder: Path, manifest: dict) -> dict:
    from analysis.evidence_cli import printable_summary, printable_validation

    targets = _read_csv(folder / "targets.csv", ("target", "outcome", "observed"))
    statistics = _read_csv(folder / "statistics.csv", ("topic", "statistic", "model_mean"))
    predictions = _read_csv(folder / "predictions.csv", ("prediction", "model_mean"))
    name = manifest.get("scenario", "?")
    scenario = _shipped(name)
    inside = int(targets["inside"].astype(bool).sum())
    replications = manifest.get("replications", "?")
    ensemble = manifest.get("ensemble")
    source = (
        f"over the calibrated ensemble ({Path(ensemble).name})"
        if ensemble
        else "at the scenario's parameters"
    )
    labelled = printable_summary(predictions, ["prediction"])
    if "status" in predictions:
        labelled["status"] = predictions["status"]
    return {
        "title": f"Validation of {name} against the evaluation",
        "subtitle": f"{inside} of {len(targets)} fitted targets inside the model's 95% interval",
        "facts": [
            ("Kind", KIND_LABELS["validate"], False),
            ("Scenario", name, False),
            ("Description", scenario.description if scenario else "-", False),
            ("Parameters", source, False),
        ],
        "sections": [
            _section(
                "Fitted targets",
                intro=f"{replications} replications {source}. The interval holds 95% of single "
                "runs: where one evaluation's value should fall if the model is right.",
                tables=[
                    _table(
                        printable_validation(targets),
                        caption=f"{inside} of {len(targets)} targets inside the interval",
                        left=2,
                        notes=[
                            f"{t}: {d}"
                            for t, d in zip(targets["target"], targets["description"], strict=True)
                        ]
                        if "description" in targets
                        else [],
                    )
                ],
                figures=_figures(
                    folder,
                    {
                        "targets": "Each fitted target: the evaluation's observed value (black "
                        f"line) against the model's values over {replications} runs (histogram; "
                        "shaded: 95% of runs)."
                    },
                ),
            ),
            _section(
                "The evaluation's statistics, as the paper computed them (model)",
                tables=[_table(printable_summary(statistics, ["topic", "statistic"]), left=2)],
            ),
            _section(
                "Predictions (not fitted)",
                intro="Predictions: quantities the model was never fitted to. They are the "
                "model's forecasts, not observations, and can be checked against new data.",
                tables=[
                    _table(labelled, caption="Predictions: model mean and 95% of runs", left=1)
                ],
            ),
        ],
        "synthetic": _synthetic(manifest, scenario.world if scenario else None),
    }


BUILDERS = {
    "run": _run,
    "compare": _compare,
    "sweep": _sweep,
    "sensitivity": _sensitivity,
    "validate": _validate,
}


# --- figures ------------------------------------------------------------------------------------


def _figures(folder: Path, captions: dict[str, str], prefix: str = "") -> list[dict]:
    """Every PNG in ``folder/figures``, embedded, with its caption (a generic one if unknown)."""
    found = sorted(
        (folder / "figures").glob("*.png") if (folder / "figures").is_dir() else [],
        key=lambda path: (list(captions).index(path.stem) if path.stem in captions else 99, path),
    )
    return [
        {
            "uri": "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii"),
            "caption": _caption(path.stem, captions),
            "stem": path.stem,
            "alt": path.stem.replace("_", " ").replace("-", " "),
            "path": f"{prefix}figures/{path.name}",
        }
        for path in found
    ]


def _caption(stem: str, captions: dict[str, str]) -> str:
    if stem in captions:
        return captions[stem]
    kind, _, outcome = stem.partition("-")
    if kind == "sobol":
        return (
            f"What drives {outcome}: first-order (S1) and total (ST) Sobol indices per factor "
            "with 95% intervals, factors sorted by total index."
        )
    if kind == "morris":
        return (
            f"Morris screening of {outcome}: mu* (importance) against sigma (non-linearity or "
            "interactions). Factors far to the right matter most; those above the dashed line "
            "act mostly through interactions or non-linearly."
        )
    return stem.replace("_", " ").replace("-", " ").capitalize() + "."


def _run_captions(name: str, replications) -> dict[str, str]:
    return {
        "trajectories": f"{name}: measured indicator of the institutions that chose each "
        "headline topic and of the comparison group, and the choosers' true indicator without "
        f"twinning (dashed). Lines: mean over {replications} replications; bands: 95% of "
        "replications; shaded: the programme.",
        "network": f"{name}: the twinning ties formed at launch in replication 0, on a map of "
        "the provinces. Arrows run from the rising (learning) institution to its shining host, "
        "coloured by topic; node size: mentees hosted.",
    }


def _compare_captions(replications) -> dict[str, str]:
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


# --- assumptions in plain language --------------------------------------------------------------


def _assumptions_section(scenario_files: dict[str, Path]) -> dict:
    """Parameters whose source is an assumption (or a fit), grouped by section, one value column
    per scenario."""
    frames = {name: _parameters(path) for name, path in scenario_files.items()}
    frames = {name: frame for name, frame in frames.items() if frame is not None}
    intro = (
        "Values nobody measured: assumptions, some of them fitted so that the model reproduces "
        "the evaluation's figures. Published values (the programme's calendar, group sizes, "
        "the evaluation's design) are not listed; the command tpn show SCENARIO prints every "
        "parameter with its source."
    )
    if not frames:
        return _section(
            "Assumptions in plain language",
            intro="scenario.json could not be read by this version of tpn-sim; "
            "the command tpn show SCENARIO lists the assumptions.",
        )
    names = list(frames)
    first = frames[names[0]]
    chosen = first[first["source"].map(_is_assumption) & (first["parameter"] != "replications")]
    groups = []
    for section, rows in chosen.groupby(
        chosen["parameter"].map(lambda p: p.split(".", 1)[0] if "." in p else ""), sort=False
    ):
        records, strong = [], []
        for row in rows.itertuples(index=False):
            unit = {"-": "", "0-1": " (0-1 scale)"}.get(row.unit, f" {row.unit}")
            values = [_plain_value(_lookup(frames[n], row.parameter, row.value)) for n in names]
            values = [v if v == "not set" else v + unit for v in values]
            strong.append(len(set(values)) > 1)
            records.append(
                {
                    "parameter": row.parameter.split(".", 1)[-1].replace("_", " "),
                    **{
                        (n if len(names) > 1 else "value"): v
                        for n, v in zip(names, values, strict=True)
                    },
                    "what it means": row.description,
                    "basis": _plain_source(row.source),
                }
            )
        groups.append(
            _table(
                pd.DataFrame(records),
                heading=SECTION_TITLES.get(section, section.capitalize()),
                left=len(records[0]),
                strong=strong if any(strong) else None,
                full=True,
            )
        )
    if len(names) > 1:
        intro += " Bold rows differ between scenarios."
    return _section("Assumptions in plain language", intro=intro, tables=groups)


def _parameters(path: Path) -> pd.DataFrame | None:
    """``tpn show``'s table for a scenario.json, keeping only the fields it holds; parameters
    the shipped scenario of that name took from a calibration keep that source when the value
    is the same."""
    from sim.paramdoc import parameter_table
    from sim.params import SECTIONS, Scenario

    data = _read_json(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError:
        return None
    shipped = _shipped(scenario.name)
    if shipped is not None:
        for key, setter in shipped.origin.items():
            if "calibration" in Path(setter).parts and _value(shipped, key) == _value(
                scenario, key
            ):
                scenario.origin[key] = setter
    table = parameter_table(scenario)
    present = set()  # a scenario.json from an older tpn-sim lacks newer fields: leave them out
    for key, value in data.items():
        if isinstance(value, dict) and key in SECTIONS:
            present |= {f"{key}.{field}" for field in value}
        else:
            present.add(key)
    return table[table["parameter"].isin(present)].reset_index(drop=True)


def _value(scenario, key: str) -> Any:
    section, _, field = key.rpartition(".")
    return getattr(getattr(scenario, section) if section else scenario, field, None)


def _lookup(frame: pd.DataFrame, parameter: str, default: Any) -> Any:
    match = frame.loc[frame["parameter"] == parameter, "value"]
    return match.iloc[0] if len(match) else default


def _is_assumption(source: str) -> bool:
    return source.lower().startswith(("assumption", "fitted"))


def _plain_source(source: str) -> str:
    text = re.sub(r"\s*\(DOMAIN\.md\)|DOMAIN\.md: ", "", source)
    return text[:1].upper() + text[1:]


def _plain_value(value: Any) -> str:
    """A value as a reader says it: an unset optional parameter is "not set" (not "None RWF"),
    large numbers are written out with thousands separators (250,000,000, not 2.5e+08)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and abs(value) >= 1e4:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain_value(v)}" for k, v in value.items()) or "none"
    return str(value)


def _factor_row(name: str, factor: dict) -> dict:
    from sim.params import SECTIONS, Scenario
    from sim.scenario import split_key

    try:
        section, field = split_key(name, "experiment")
    except InputError:
        section, field = "", ""
    model = SECTIONS[section] if section else Scenario
    info = model.model_fields.get(field)
    extra = (info.json_schema_extra or {}) if info else {}
    if factor.get("range") is not None:
        varied = f"{_plain_value(factor['range'][0])} to {_plain_value(factor['range'][1])}"
        if factor.get("points"):
            varied += f" ({factor['points']} points)"
    elif factor.get("levels") is not None:
        varied = "levels " + _plain_value(list(factor["levels"]))
    else:
        varied = (
            f"normal, mean {_plain_value(factor.get('mean'))}, SD {_plain_value(factor.get('sd'))}"
        )
    return {
        "factor": name,
        "values sampled": varied,
        "unit": "" if extra.get("unit", "-") == "-" else extra["unit"],
        "what it means": info.description if info else "",
        "basis": _plain_source(extra.get("source", "-")),
    }


# --- provenance ---------------------------------------------------------------------------------


def _provenance(manifest: dict) -> list[tuple[str, Any, bool]]:
    """Command, seeds, versions and times from manifest.json."""
    facts: list[tuple[str, Any, bool]] = []
    if manifest.get("command"):
        facts.append(("Command", manifest["command"], True))
    if manifest.get("replications") is not None and "experiment" not in manifest:
        facts.append(("Replications", manifest["replications"], False))
    if manifest.get("root_seed") is not None:
        seeds = manifest.get("replication_seeds") or []
        shown = ", ".join(str(s) for s in seeds[:3]) + (", ..." if len(seeds) > 3 else "")
        text = f"root seed {manifest['root_seed']}"
        if seeds:
            text += (
                f"; replication seeds (numpy SeedSequence): {shown} ({len(seeds)} in manifest.json)"
            )
        facts.append(("Seeds", text, False))
    if manifest.get("overrides"):
        facts.append(
            (
                "Overrides (--set)",
                ", ".join(f"{k}={v}" for k, v in manifest["overrides"].items()),
                True,
            )
        )
    environment = manifest.get("environment", {})
    facts.append(
        (
            "tpn-sim",
            f"{environment.get('tpn-sim', 'unknown')}, git commit {environment.get('git_commit', 'unknown')}",
            False,
        )
    )
    facts.append(
        (
            "Python, Mesa, NumPy",
            ", ".join(environment.get(k, "?") for k in ("python", "mesa", "numpy")),
            False,
        )
    )
    others = {
        k: v
        for k, v in environment.items()
        if k not in ("tpn-sim", "git_commit", "python", "mesa", "numpy")
    }
    if others:
        facts.append(("Other packages", ", ".join(f"{k} {v}" for k, v in others.items()), False))
    started, finished = manifest.get("started"), manifest.get("finished")
    if started or finished:
        facts.append(
            (
                "Started, finished",
                f"{_time(started)} to {_time(finished)}{_duration(started, finished)}",
                False,
            )
        )
    return facts


def _time(text: str | None) -> str:
    if not text:
        return "?"
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return text


def _duration(started: str | None, finished: str | None) -> str:
    try:
        seconds = (
            datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        ).total_seconds()
    except (TypeError, ValueError):
        return ""
    return f" ({seconds:,.0f} s)" if seconds < 120 else f" ({seconds / 60:,.1f} min)"


def _synthetic(manifest: dict, world: str | None) -> bool | None:
    """``synthetic_world`` from the manifest, else read from the world folder if it still exists."""
    if "synthetic_world" in manifest:
        return bool(manifest["synthetic_world"])
    if not world:
        return None
    from sim.world import cached_world

    try:
        return cached_world(world).synthetic
    except (InputError, OSError):
        return None


def _synthetic_text(synthetic: bool | None) -> str:
    if synthetic:
        return (
            "The world's baseline data (hospital scores, leadership, staff turnover) are "
            "synthetic: generated to resemble Rwanda, not measured. Read every number here as "
            "what the model does under plausible conditions, not as a forecast for real "
            "institutions."
        )
    if synthetic is False:
        return "The world's baseline data were supplied by the user (not synthetic)."
    return (
        "The results folder does not record whether the world's baseline data were synthetic; "
        "the shipped Rwanda world is synthetic."
    )


# --- small helpers ------------------------------------------------------------------------------


def _table(
    frame: pd.DataFrame,
    caption: str = "",
    heading: str = "",
    left: int = 1,
    notes: list[str] | None = None,
    glossary: list[tuple[str, str]] | None = None,
    strong: list[bool] | None = None,
    full: bool = False,
) -> dict:
    """A table for the template: text cells; the first ``left`` columns left-aligned."""
    return {
        "heading": heading,
        "caption": caption,
        "columns": [str(c) for c in frame.columns],
        "rows": [
            ["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)
        ],
        "left": left,
        "notes": notes or [],
        "glossary": glossary or [],
        "strong": strong,
        "full": full,
    }


def _breakable(name: str) -> Markup:
    """A column name that may wrap after its dots and underscores (long outcome names)."""
    return Markup(re.sub(r"([._])", r"\1<wbr>", str(escape(name))))


def _section(
    heading: str,
    intro: str = "",
    tables: list | None = None,
    figures: list | None = None,
    level: int = 2,
) -> dict:
    return {
        "heading": heading,
        "intro": intro,
        "tables": tables or [],
        "figures": figures or [],
        "level": level,
    }


def _glossary(outcomes) -> list[tuple[str, str]]:
    """The definition of each outcome's measure, once per measure (``tpn outcomes``)."""
    from sim.outcomes import OUTCOME_DEFINITIONS

    seen: dict[str, str] = {}
    for outcome in outcomes:
        if outcome in OUTCOME_DEFINITIONS:
            seen.setdefault(outcome, OUTCOME_DEFINITIONS[outcome])
            continue
        measure = outcome.split(".", 1)[-1]
        key = f"<topic>.{measure}"
        if key in OUTCOME_DEFINITIONS:
            seen.setdefault(key, OUTCOME_DEFINITIONS[key])
    return list(seen.items())


def _shipped(name: str):
    """The scenario of that name as tpn-sim ships it today, or None."""
    from sim.scenario import load_scenario

    try:
        return load_scenario(name)
    except (InputError, OSError):
        return None


def _manifest_path(folder: Path) -> Path | None:
    """A run's manifest: its own, or its compare folder's for a per-scenario subfolder."""
    if (folder / "manifest.json").is_file():
        return folder / "manifest.json"
    if (folder.parent / "comparison.csv").is_file() and (folder.parent / "manifest.json").is_file():
        return folder.parent / "manifest.json"
    return None


def _read_json(path: Path, keys: tuple[str, ...] = ()) -> dict:
    """A JSON object, with the dotted ``keys`` the report reads checked up front, so a damaged
    file is a one-line error naming it rather than a traceback halfway through the report."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            path, "content", type(error).__name__, "a JSON file written by tpn"
        ) from None
    if not isinstance(data, dict):
        raise InputError(path, "content", type(data).__name__, "a JSON object written by tpn")
    for key in keys:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            raise InputError(path, key, "missing", f"a {path.name} written by tpn")
    return data


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A table written by tpn with at least ``columns``; anything else (empty, garbled, another
    table) is a one-line error naming the file, not a traceback."""
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(path, "content", type(error).__name__, "a table written by tpn") from None
    missing = [column for column in columns if column not in table.columns]
    if missing or table.empty:
        raise InputError(
            path,
            "columns",
            ", ".join(missing) or "no rows",
            f"a table written by tpn with columns {', '.join(columns)} and at least one row",
        )
    return table
