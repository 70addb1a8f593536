"""`tpn robust DIR` and `tpn discover DIR --where "EXPR"`: how each policy of an experiment holds
up across its uncertainty points, and where in the uncertainties a condition holds.

Both read a finished `tpn sweep` folder of an experiment with policies (kind "robustness"),
never rerun the model, and write into a subfolder of it, whole or not at all:
``robustness/`` (the table, the per-point values, the regret figures) and
``discoveries/NAME/`` (the boxes, their trajectories and figures). Running either again
replaces its subfolder.
"""

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from analysis import tables
from analysis.printables import printable_robustness, robustness_meanings
from analysis.results_folder import output_folder, save_figure
from experiments.robustness import (
    DISCOVERIES,
    METRICS,
    ROBUSTNESS,
    PairedValues,
    higher_is_better,
    per_point_table,
    read_folder,
    regret,
    robustness_table,
)
from sim.errors import InputError

DISCOVERY_NAME = re.compile(r"[A-Za-z0-9_-]+")


def robust_command(args) -> int:
    from analysis.robustness_figures import regret_figure

    experiment, paired = read_folder(args.results)
    percentiles = parse_percentiles(args.percentiles)
    thresholds = parse_thresholds(args.threshold, paired.outcomes)
    table = robustness_table(paired, percentiles, thresholds)
    if table.empty:
        raise InputError(
            args.results / "manifest.json",
            "outcomes",
            ", ".join(paired.outcomes),
            "at least one outcome where more, or less, is better (see `tpn outcomes`)",
        )
    first = paired.policies[0]
    with output_folder(Path(args.results) / ROBUSTNESS, force=True) as folder:
        table.to_csv(folder / "robustness.csv", index=False)
        per_point_table(paired).to_csv(folder / "per_point.csv")
        settings = {
            "percentiles": list(percentiles),
            "thresholds": thresholds,
            "first_policy": first,
            "points": len(paired.values),
            "metrics": METRICS,
        }
        (folder / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
        for outcome in dict.fromkeys(table["outcome"]):
            values = paired.of(outcome).dropna()
            save_figure(
                regret_figure(regret(values, higher_is_better(outcome)), outcome),
                folder / "figures" / f"regret-{outcome}.png",
            )
    if args.json:
        print(tables.to_json(table))
        return 0
    print(
        tables.render(
            printable_robustness(table, first),
            f"{experiment.name}: {len(paired.policies)} policies at {len(paired.values)} "
            "uncertainty points (* smallest largest regret: the minimax-regret choice)",
            left=2,
        )
    )
    meanings = robustness_meanings(first)
    print("\n" + "\n".join(f"  {name}: {meaning}" for name, meaning in meanings.items()))
    print(
        f"\nResults in {Path(args.results) / ROBUSTNESS}/: robustness.csv, per_point.csv, figures/"
    )
    return 0


def parse_percentiles(text: str) -> tuple[int, ...]:
    """``'10,50,90'`` -> ``(10, 50, 90)``; whole numbers from 0 to 100."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or any(not 0 <= v <= 100 for v in values):
        raise InputError(
            "--percentiles", "percentiles", text, "whole numbers from 0 to 100, comma-separated"
        )
    return tuple(dict.fromkeys(values))


def parse_thresholds(assignments: list[str], outcomes: tuple[str, ...]) -> dict[str, float]:
    """``OUTCOME=VALUE`` options: the level each outcome must reach (at least, if more is
    better; at most, if less is) for the domain criterion."""
    directed = [o for o in outcomes if higher_is_better(o) is not None]
    thresholds = {}
    for text in assignments:
        name, equals, raw = (part.strip() for part in text.partition("="))
        if not equals:
            raise InputError("--threshold", "threshold", text, "OUTCOME=VALUE")
        if name not in directed:
            raise InputError(
                "--threshold",
                "outcome",
                name,
                f"an outcome of the experiment where more or less is better: {', '.join(directed)}",
            )
        try:
            thresholds[name] = float(raw)
        except ValueError:
            raise InputError("--threshold", name, raw, "a number") from None
    return thresholds


def discover_command(args) -> int:
    from analysis import discovery
    from analysis.robustness_figures import limits_figure, trajectory_figure

    min_density = discovery.MIN_DENSITY if args.min_density is None else args.min_density
    if not 0 < min_density <= 1:
        raise InputError("--min-density", "density", min_density, "a share above 0, at most 1")
    name = discovery_name(args.where, args.name)
    _, paired = read_folder(args.results)
    holds = discovery.evaluate_condition(args.where, per_point_table(paired))
    if holds.empty:
        raise InputError(
            "--where", "expression", args.where, "a condition with a value at one point at least"
        )
    boxes, trajectories = discovery.discover(
        paired.factors,
        holds,
        min_density=min_density,
        max_boxes=args.boxes or discovery.MAX_BOXES,
        resamples=discovery.RESAMPLES if args.resamples is None else args.resamples,
    )
    label = args.label or f'"{args.where}" holds'
    found = discovery.Discovery(args.where, label, len(holds), int(holds.sum()), min_density, boxes)
    target = Path(args.results) / DISCOVERIES / name
    with output_folder(target, force=True) as folder:
        (folder / "discovery.json").write_text(json.dumps(found.record(), indent=1) + "\n")
        paired.factors.loc[holds.index].assign(holds=holds).to_csv(folder / "cases.csv")
        bounds = _bounds(paired)
        for number, (box, trajectory) in enumerate(zip(boxes, trajectories, strict=True), 1):
            trajectory.to_csv(folder / f"trajectory-{number}.csv", index=False)
            figures = folder / "figures"
            save_figure(trajectory_figure(trajectory, number), figures / f"trajectory-{number}.png")
            save_figure(limits_figure(box, bounds, number), figures / f"limits-{number}.png")
    if args.json:
        print(json.dumps(found.record(), indent=1))
        return 0
    print(found.sentence())
    for number, box in enumerate(boxes, 1):
        print()
        print(
            tables.render(
                discovery.factor_table(asdict(box)), f"Box {number}: which factors matter", left=2
            )
        )
    print(f"\nResults in {target}/: discovery.json, cases.csv, trajectory-N.csv, figures/")
    return 0


def discovery_name(expression: str, name: str | None) -> str:
    """The subfolder of a discovery: ``--name``, else ``where-`` and a digest of the condition
    (the same condition lands in the same place)."""
    if name is None:
        return "where-" + hashlib.sha256(expression.encode()).hexdigest()[:8]
    if not DISCOVERY_NAME.fullmatch(name):
        raise InputError("--name", "name", name, "letters, digits, _ and - only")
    return name


def _bounds(paired: PairedValues) -> pd.DataFrame:
    """Each factor's range over the points, which is where PRIM's first box starts."""
    numeric = paired.factors.select_dtypes("number")
    return numeric.agg(["min", "max"]).T.set_axis(["low", "high"], axis=1)
