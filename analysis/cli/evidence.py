"""`tpn validate` and `tpn decompose` (`tpn calibrate` is :mod:`analysis.cli.calibrate`).

Their replications run through :func:`experiments.replicate.replicate` on the ``--scheduler``'s
executor; a failed run fails the command with one line (a fit or a table over fewer runs than
asked for would mislead)."""

import sys
import textwrap
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import evidence, tables
from analysis.cli.draws import replication_plan
from analysis.predictive_check import HOW_TO_READ, patterns_table, predictive_table
from analysis.printables import (
    format_share,
    printable_patterns,
    printable_predictive,
    printable_summary,
    printable_validation,
)
from analysis.results_folder import output_folder, save_figure
from experiments.calibration import ensemble_parameters, installed_ensemble, load_calibration
from experiments.executors import make_executor
from experiments.manifest import now, replications_manifest, write_manifest
from experiments.posterior import describe, posterior_details
from experiments.replicate import Results, replicate, require_success
from sim.errors import InputError
from sim.scenario import load_scenario
from sim.world import cached_world

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_TARGETS = REPOSITORY / "experiments" / "calibration" / "tpn_2021.toml"
VALIDATE_REPLICATIONS = 200
DECOMPOSE_REPLICATIONS = 100


def validate_command(args) -> int:
    """The model beside the evaluation's figures; with a posterior, a posterior predictive
    check (:mod:`analysis.predictive_check`)."""
    spec, _ = load_calibration(args.targets or DEFAULT_TARGETS)
    base = load_scenario(args.scenario)
    seed = base.seed if args.seed is None else args.seed
    reps, draws = replication_plan(args, [base], seed, args.reps or VALIDATE_REPLICATIONS)
    ensemble_file = installed_ensemble(base.name)
    ensemble = (
        ensemble_parameters(ensemble_file)
        if draws is None and ensemble_file.is_file() and not args.no_ensemble
        else None
    )
    topics = list(base.evaluation.headline_topics)
    started = now()
    with (
        output_folder(args.out or Path(f"results/validate-{base.name}"), args.force) as folder,
        make_executor(args.scheduler, reps) as executor,
        tqdm(total=reps, unit="run", disable=args.quiet, file=sys.stderr) as bar,
    ):
        (results,) = replicate(
            [base],
            reps,
            seed,
            ensemble=draws or ensemble or (),
            executor=executor,
            progress=bar.update,
        )
        runs = outcome_table(results)
        targets = spec.target_list()
        fitted = evidence.validation_table(runs, targets)
        statistics = evidence.statistics_table(runs, topics)
        predictions = evidence.predictions_table(runs, list(spec.predictions.outcomes))
        patterns = patterns_table(runs, topics)
        runs.to_csv(folder / "runs.csv", index=False)
        fitted.to_csv(folder / "targets.csv", index=False)
        statistics.to_csv(folder / "statistics.csv", index=False)
        predictions.to_csv(folder / "predictions.csv", index=False)
        patterns.to_csv(folder / "patterns.csv", index=False)
        check = None
        if draws:
            check = predictive_table(runs, targets, list(spec.predictions.outcomes), seed)
            check.to_csv(folder / "predictive_check.csv", index=False)
        save_figure(evidence.validation_figure(runs, targets), folder / "figures" / "targets.png")
        details = {
            "ensemble": str(ensemble_file) if ensemble else None,
            "targets": str(args.targets or DEFAULT_TARGETS),
            **posterior_details(draws, [base]),
        }
        manifest = replications_manifest(
            "validate", started, [base], reps, seed, scheduler=args.scheduler, details=details
        )
        write_manifest(folder, manifest)
    out = args.out or f"results/validate-{base.name}"
    if args.json:
        frames = [
            fitted.assign(kind="target"),
            statistics.assign(kind="statistic"),
            predictions.assign(kind="prediction"),
            patterns.assign(kind="pattern"),
        ]
        if check is not None:
            frames.append(check.rename(columns={"kind": "role"}).assign(kind="predictive"))
        print(tables.to_json(pd.concat(frames)))
        return 0
    if check is not None:
        return _print_predictive_check(base.name, reps, draws, check, patterns, out)
    source = (
        f"over the {len(ensemble)}-member calibrated ensemble"
        if ensemble
        else "at the scenario's parameters"
    )
    print(
        tables.render(
            printable_validation(fitted),
            f"{base.name}: {reps} replications {source}. Interval: 95% of "
            "runs (where one evaluation's value should fall)",
            left=2,
        )
    )
    print()
    print(
        tables.render(
            printable_summary(statistics, ["topic", "statistic"]),
            "The evaluation's statistics as the paper computed them (model)",
            left=2,
        )
    )
    print()
    print(
        tables.render(
            printable_summary(predictions, ["prediction"]),
            "Predictions: quantities the model was not fitted to",
            left=1,
        )
    )
    print()
    print(tables.render(printable_patterns(patterns), PATTERNS_TITLE, left=2))
    inside = int(fitted["inside"].sum())
    print(
        f"\n{inside} of {len(fitted)} fitted targets inside the model's 95% interval. "
        f"Results in {out}/"
    )
    return 0


PATTERNS_TITLE = (
    "Patterns the evaluation reported, beside the model's runs (90% of runs; a pattern: the "
    "share of runs in which it holds)"
)


def _print_predictive_check(name, reps, draws, check, patterns, out) -> int:
    print(
        tables.render(
            printable_predictive(check),
            f"Posterior predictive check of {name}: {reps} replications ({describe(draws)}); "
            "each run is one draw of what the evaluation could have observed",
            left=3,
        )
    )
    print(textwrap.fill(HOW_TO_READ, 100))
    print()
    print(tables.render(printable_patterns(patterns), PATTERNS_TITLE, left=2))
    fitted = check[check["kind"] == "fitted target"]
    observed = fitted["observed"]
    inside = int(((fitted["low_95"] <= observed) & (observed <= fitted["high_95"])).sum())
    print(
        f"\n{inside} of {len(fitted)} fitted targets inside their 95% posterior predictive "
        f"interval. Results in {out}/ (predictive_check.csv, patterns.csv)"
    )
    return 0


def decompose_command(args) -> int:
    base = load_scenario(args.scenario)
    world = cached_world(base.world)
    if args.topic not in world.topics.names:
        raise InputError(
            "--topic",
            "topic",
            args.topic,
            f"a topic of the world ({', '.join(world.topics.names)})",
        )
    seed = base.seed if args.seed is None else args.seed
    designs = [("as chosen", base)]
    if args.randomised:
        from sim.scenario import with_overrides

        # A trial randomises who takes the topic and compares with randomised controls.
        trial = {"topic_assignment": "random", "comparison": "non_choosers"}
        designs.append(("randomised trial", with_overrides(base, trial)))
    started = now()
    out = args.out or Path(f"results/decompose-{base.name}-{args.topic}")
    scenarios = [scenario for _, scenario in designs]
    reps, draws = replication_plan(args, scenarios, seed, args.reps or DECOMPOSE_REPLICATIONS)
    runs_total = reps * len(designs)
    with (
        output_folder(out, args.force) as folder,
        make_executor(args.scheduler, runs_total) as executor,
        tqdm(total=runs_total, unit="run", disable=args.quiet, file=sys.stderr) as bar,
    ):
        replicated = replicate(
            scenarios, reps, seed, ensemble=draws or (), executor=executor, progress=bar.update
        )
        parts_tables = []
        for (label, _), results in zip(designs, replicated, strict=True):
            parts = evidence.decomposition_parts(outcome_table(results), args.topic)
            parts.assign(design=label).to_csv(
                folder / f"parts-{label.replace(' ', '_')}.csv", index=False
            )
            parts_tables.append(evidence.decomposition_table(parts, label))
        table = pd.concat(parts_tables, ignore_index=True)
        table.to_csv(folder / "decomposition.csv", index=False)
        t = world.topics.index(args.topic)
        save_figure(
            evidence.decomposition_figure(parts_tables, args.topic, world.topics.units[t]),
            folder / "figures" / "decomposition.png",
        )
        details = {
            "topic": args.topic,
            "randomised": args.randomised,
            "designs": [label for label, _ in designs],
            **posterior_details(draws, scenarios),
        }
        manifest = replications_manifest(
            "decompose", started, [base], reps, seed, scheduler=args.scheduler, details=details
        )
        write_manifest(folder, manifest)
    if args.json:
        print(tables.to_json(table))
        return 0
    printable = pd.DataFrame(
        {
            "design": table["design"],
            "part": table["label"],
            f"mean [{table['interval'].iloc[0]}]": [
                tables.format_interval(m, lo, hi)
                for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
            ],
        }
    )
    if draws:
        printable["variance from parameters"] = [format_share(v) for v in table["share_parameters"]]
    runs = f"{reps} replications" + (f" ({describe(draws)})" if draws else "")
    print(
        tables.render(
            printable,
            f"{base.name}, {args.topic}: {runs}; the four parts add up to the measured difference",
            left=2,
        )
    )
    print(f"\nResults in {out}/ (decomposition.csv, figures/decomposition.png)")
    return 0


def outcome_table(results: Results) -> pd.DataFrame:
    """One row per replication (replication, seed, outcomes), after refusing a set with failed
    runs: the tables of validate and decompose."""
    require_success([results])
    return results.runs.drop(columns="scenario")
