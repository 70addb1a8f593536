"""The report of a `tpn sweep` folder of an experiment with policies: how each policy holds up
across the uncertainty points (`tpn robust`) and where conditions hold (`tpn discover`).

It shows what those commands wrote into the folder; before `tpn robust` has run, the table is
computed here with its defaults (no thresholds), from the same functions.
"""

import json
from pathlib import Path

import pandas as pd

from analysis.discovery import factor_table
from analysis.printables import printable_robustness, robustness_meanings
from analysis.report.assumptions import factor_row
from analysis.report.elements import figures, glossary, section, table
from analysis.report.folder import ResultsFolder, read_csv, read_json
from analysis.report.provenance import synthetic_world
from experiments.robustness import (
    DISCOVERIES,
    ROBUSTNESS,
    read_folder,
    robustness_table,
)

SAMPLERS = {"latin_hypercube": "Latin hypercube", "sobol": "Sobol (Saltelli sampling)"}
DISCOVERY_KEYS = ("expression", "sentence", "boxes")


def robustness_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    experiment, paired = read_folder(folder)
    policies = experiment.policies
    points = len(paired.values)
    written = folder / ROBUSTNESS / "robustness.csv"
    if written.is_file():
        metrics = read_csv(written, ("outcome", "policy", "regret_max", "minimax_regret"))
        first = read_json(folder / ROBUSTNESS / "settings.json", ("first_policy",))
        first = first["first_policy"]
        note = "Thresholds and percentiles as `tpn robust` was given them."
    else:
        metrics, first = robustness_table(paired), policies[0].name
        note = "Default percentiles, no thresholds: `tpn robust DIR --threshold OUTCOME=VALUE`."
    robust = section(
        "How each policy holds up",
        intro=f"Every policy was run at each of {points} points of the uncertain context "
        f"assumptions, {experiment.replications} replications each on the same seeds, so at each "
        "point the policies are compared on the same context and the same chance (paired). "
        "Regret is a policy's shortfall from the best policy at the same point.",
        tables=[
            table(
                printable_robustness(metrics, first),
                caption=f"Robustness of {len(policies)} policies (* the minimax-regret choice)",
                left=2,
                notes=[note, *(f"{name}: {m}." for name, m in robustness_meanings(first).items())],
                glossary=glossary(dict.fromkeys(metrics["outcome"])),
                full=True,
            )
        ],
        figures=figures(folder / ROBUSTNESS, _regret_captions(metrics), prefix=f"{ROBUSTNESS}/"),
    )
    sampler = SAMPLERS.get(experiment.design, experiment.design)
    return {
        "title": f"Robustness: {experiment.name or folder.name}",
        "subtitle": experiment.description,
        "facts": [
            ("Kind", "tpn sweep of policies across uncertainties", False),
            ("Experiment", experiment.name or "-", False),
            ("Experiment file", manifest.experiment_file or "experiment.toml", True),
            ("Base scenario", experiment.base, False),
            ("Policies", ", ".join(p.name for p in policies), False),
            ("Uncertainty points", f"{points} ({sampler})", False),
            ("Replications per point", experiment.replications, False),
            *(
                [("Posterior", f"{experiment.posterior} (a parameter set per point)", True)]
                if experiment.posterior
                else []
            ),
            (
                "Runs",
                f"{manifest.runs_total} ({manifest.runs_ok} ok, {manifest.runs_failed or 0} "
                "failed)",
                False,
            ),
        ],
        "warnings": [
            f"{count} runs failed: {reason}" for reason, count in manifest.failure_reasons.items()
        ],
        "sections": [
            robust,
            *_discoveries(folder),
            _policies_section(experiment.policies),
            section(
                "Uncertainties sampled",
                intro="The context assumptions varied, with the range sampled; every other "
                "parameter keeps the base scenario's value.",
                tables=[
                    table(
                        pd.DataFrame(
                            [
                                factor_row(name, factor.model_dump())
                                for name, factor in experiment.uncertainties.items()
                            ]
                        ),
                        left=5,
                        full=True,
                    )
                ],
            ),
        ],
        "synthetic": synthetic_world(manifest, (manifest.base_scenario or {}).get("world")),
    }


def _regret_captions(metrics: pd.DataFrame) -> dict[str, str]:
    return {
        f"regret-{outcome}": f"Each policy's regret on {outcome} across the uncertainty points: "
        "box from the first to the third quartile, whiskers from the least to the most, diamond "
        "at the mean; the most robust policy (smallest largest regret) on top."
        for outcome in dict.fromkeys(metrics["outcome"])
    }


def _discoveries(folder: Path) -> list[dict]:
    """A section per condition `tpn discover` explored: its sentence, boxes and figures."""
    found = sorted((folder / DISCOVERIES).glob("*/discovery.json"))
    if not found:
        return [
            section(
                "Where conditions hold",
                intro='No condition explored yet: tpn discover DIR --where "EXPR" finds the '
                "boxes of uncertain factors where it holds (PRIM).",
            )
        ]
    parts = [
        section(
            "Where conditions hold",
            intro="Boxes of the uncertain factors found by PRIM (Friedman and Fisher 1999; EMA "
            "Workbench, as in Bryant and Lempert 2010). Coverage: share of the cases (points "
            "where the condition holds) inside the box; density: share of the box's points that "
            "are cases; qp value: how likely a limit this tight is by chance; reproduced: share "
            "of PRIM runs on random halves of the points that restrict the factor too, at the "
            "same density.",
        )
    ]
    for path in found:
        discovery = read_json(path, DISCOVERY_KEYS)
        tables = [
            table(
                factor_table(box),
                caption=f"Box {number}: coverage {box['coverage']:.0%}, density "
                f"{box['density']:.0%}, {box['mass']:.0%} of the points",
                left=2,
            )
            for number, box in enumerate(discovery["boxes"], 1)
        ]
        prefix = f"{DISCOVERIES}/{path.parent.name}/"
        parts.append(
            section(
                discovery["expression"],
                intro=discovery["sentence"],
                tables=tables,
                figures=figures(path.parent, _discovery_captions(len(tables)), prefix=prefix),
                level=3,
            )
        )
    return parts


def _discovery_captions(boxes: int) -> dict[str, str]:
    captions = {}
    for number in range(1, boxes + 1):
        captions[f"trajectory-{number}"] = (
            f"PRIM's peeling trajectory of box {number}: coverage against density at each "
            "step, coloured by the factors restricted; the box read is ringed."
        )
        captions[f"limits-{number}"] = (
            f"Limits of box {number} on each factor it restricts (blue) within the range "
            "sampled (grey)."
        )
    return captions


def _policies_section(policies) -> dict:
    rows = [
        {
            "policy": policy.name,
            "scenario": policy.scenario or "-",
            "levers it sets": json.dumps(policy.levers) if policy.levers else "the base's",
        }
        for policy in policies
    ]
    return section(
        "Policies compared",
        intro="Each policy sets levers only (design, schedule, funding); the context is the "
        "base scenario's, varied alike for every policy at each uncertainty point.",
        tables=[table(pd.DataFrame(rows), left=3, full=True)],
    )
