"""`tpn calibrate`, `tpn validate` and `tpn decompose`.

Their replications run through :func:`experiments.replicate.replicate` on the ``--scheduler``'s
executor; a failed run fails the command with one line (a fit or a table over fewer runs than
asked for would mislead)."""

import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import evidence, tables
from analysis.printables import printable_summary, printable_validation
from analysis.results_folder import output_folder, save_figure
from experiments.calibration import (
    calibrate,
    calibrated_toml,
    ensemble_parameters,
    install_calibration,
    installed_ensemble,
    load_calibration,
)
from experiments.executors import make_executor
from experiments.manifest import now, replications_manifest, write_manifest
from experiments.replicate import Results, replicate, require_success
from sim.errors import InputError
from sim.scenario import load_scenario
from sim.world import cached_world

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_TARGETS = REPOSITORY / "experiments" / "calibration" / "tpn_2021.toml"


def calibrate_command(args) -> int:
    spec, base = load_calibration(args.calibration)
    if args.trials:
        spec = spec.model_copy(update={"trials": args.trials})
    started = now()
    command = " ".join(["tpn", *sys.argv[1:]]) if sys.argv[1:] else "tpn calibrate"
    with (
        output_folder(args.out, args.force) as folder,
        make_executor(args.scheduler, spec.trials * spec.replications) as executor,
        tqdm(total=spec.trials, unit="trial", disable=args.quiet, file=sys.stderr) as bar,
    ):
        result = calibrate(spec, base, progress=bar.update, executor=executor)
        result.trials.to_csv(folder / "trials.csv", index=False)
        result.ensemble.to_csv(folder / "ensemble.csv", index=False)
        (folder / "calibrated.toml").write_text(calibrated_toml(spec, result, command))
        save_figure(
            evidence.validation_figure(result.best_runs, spec.target_list()),
            folder / "figures" / "targets.png",
        )
        write_manifest(
            folder,
            replications_manifest(
                "calibrate",
                started,
                [base],
                spec.replications,
                spec.seed,
                scheduler=args.scheduler,
                details={
                    "calibration": spec.model_dump(mode="json"),
                    "best": result.best,
                    "optimiser": "optuna TPESampler",
                },
            ),
        )
    installed = install_calibration(args.out, spec.base) if args.install else None
    best = pd.DataFrame({"parameter": list(result.best), "value": list(result.best.values())})
    table = evidence.validation_table(result.best_runs, spec.target_list())
    if args.json:
        print(tables.to_json(best))
        return 0
    print(
        tables.render(
            best,
            f"Best of {spec.trials} trials (log likelihood "
            f"{result.trials['loglik.total'].iloc[0]:.2f})",
            left=1,
        )
    )
    print()
    print(tables.render(printable_validation(table), "Targets at the best parameters", left=2))
    where = (
        f"installed in {installed}/"
        if installed
        else "rerun with --install to make it the shipped scenarios' default"
    )
    print(
        f"\nResults in {args.out}/ (calibrated.toml, ensemble.csv, trials.csv, figures/); {where}"
    )
    return 0


def validate_command(args) -> int:
    spec, _ = load_calibration(args.targets or DEFAULT_TARGETS)
    base = load_scenario(args.scenario)
    ensemble_file = installed_ensemble(base.name)
    ensemble = (
        ensemble_parameters(ensemble_file)
        if ensemble_file.is_file() and not args.no_ensemble
        else None
    )
    seed = base.seed if args.seed is None else args.seed
    started = now()
    with (
        output_folder(args.out or Path(f"results/validate-{base.name}"), args.force) as folder,
        make_executor(args.scheduler, args.reps) as executor,
        tqdm(total=args.reps, unit="run", disable=args.quiet, file=sys.stderr) as bar,
    ):
        (results,) = replicate(
            [base],
            args.reps,
            seed,
            ensemble=ensemble or (),
            executor=executor,
            progress=bar.update,
        )
        runs = outcome_table(results)
        targets = spec.target_list()
        fitted = evidence.validation_table(runs, targets)
        statistics = evidence.statistics_table(runs, list(base.evaluation.headline_topics))
        predictions = evidence.predictions_table(runs, list(spec.predictions.outcomes))
        runs.to_csv(folder / "runs.csv", index=False)
        fitted.to_csv(folder / "targets.csv", index=False)
        statistics.to_csv(folder / "statistics.csv", index=False)
        predictions.to_csv(folder / "predictions.csv", index=False)
        save_figure(evidence.validation_figure(runs, targets), folder / "figures" / "targets.png")
        details = {
            "ensemble": str(ensemble_file) if ensemble else None,
            "targets": str(args.targets or DEFAULT_TARGETS),
        }
        manifest = replications_manifest(
            "validate", started, [base], args.reps, seed, scheduler=args.scheduler, details=details
        )
        write_manifest(folder, manifest)
    if args.json:
        print(
            tables.to_json(
                pd.concat(
                    [
                        fitted.assign(kind="target"),
                        statistics.assign(kind="statistic"),
                        predictions.assign(kind="prediction"),
                    ]
                )
            )
        )
        return 0
    source = (
        f"over the {len(ensemble)}-member calibrated ensemble"
        if ensemble
        else "at the scenario's parameters"
    )
    print(
        tables.render(
            printable_validation(fitted),
            f"{base.name}: {args.reps} replications {source}. Interval: 95% of "
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
    inside = int(fitted["inside"].sum())
    print(
        f"\n{inside} of {len(fitted)} fitted targets inside the model's 95% interval. "
        f"Results in {args.out or 'results/validate-' + base.name}/"
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
    runs_total = args.reps * len(designs)
    with (
        output_folder(out, args.force) as folder,
        make_executor(args.scheduler, runs_total) as executor,
        tqdm(total=runs_total, unit="run", disable=args.quiet, file=sys.stderr) as bar,
    ):
        replicated = replicate(
            [scenario for _, scenario in designs],
            args.reps,
            seed,
            executor=executor,
            progress=bar.update,
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
        }
        manifest = replications_manifest(
            "decompose", started, [base], args.reps, seed, scheduler=args.scheduler, details=details
        )
        write_manifest(folder, manifest)
    if args.json:
        print(tables.to_json(table))
        return 0
    printable = pd.DataFrame(
        {
            "design": table["design"],
            "part": table["label"],
            "mean [95% CI]": [
                tables.format_interval(m, lo, hi)
                for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
            ],
        }
    )
    print(
        tables.render(
            printable,
            f"{base.name}, {args.topic}: {args.reps} replications; the "
            "four parts add up to the measured difference",
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
