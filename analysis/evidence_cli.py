"""`tpn calibrate`, `tpn validate` and `tpn decompose`."""

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import evidence, tables
from analysis.export import output_folder, save_figure, write_manifest
from experiments.calibration import (
    calibrate,
    calibrated_toml,
    ensemble_parameters,
    load_calibration,
)
from sim.errors import InputError
from sim.scenario import SCENARIO_DIR, load_scenario
from sim.world import cached_world

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_TARGETS = REPOSITORY / "experiments" / "calibration" / "tpn_2021.toml"
CALIBRATION_DIR = SCENARIO_DIR / "calibration"


def calibrate_command(args) -> int:
    spec, base = load_calibration(args.calibration)
    if args.trials:
        spec = spec.model_copy(update={"trials": args.trials})
    started = datetime.now(UTC)
    command = " ".join(["tpn", *sys.argv[1:]]) if sys.argv[1:] else "tpn calibrate"
    with (
        output_folder(args.out, args.force) as folder,
        tqdm(total=spec.trials, unit="trial", disable=args.quiet, file=sys.stderr) as bar,
    ):
        result = calibrate(spec, base, progress=bar.update, workers=args.workers)
        result.trials.to_csv(folder / "trials.csv", index=False)
        result.ensemble.to_csv(folder / "ensemble.csv", index=False)
        (folder / "calibrated.toml").write_text(calibrated_toml(spec, result, command))
        save_figure(
            evidence.validation_figure(result.best_runs, spec.target_list()),
            folder / "figures" / "targets.png",
        )
        write_manifest(
            folder,
            started,
            calibration=spec.model_dump(mode="json"),
            best=result.best,
            optimiser="optuna TPESampler",
        )
    if args.install:
        CALIBRATION_DIR.mkdir(exist_ok=True)
        shutil.copy(args.out / "calibrated.toml", CALIBRATION_DIR / f"{spec.base}.toml")
        shutil.copy(args.out / "ensemble.csv", CALIBRATION_DIR / f"{spec.base}-ensemble.csv")
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
        f"installed in {CALIBRATION_DIR}/"
        if args.install
        else ("rerun with --install to make it the shipped scenarios' default")
    )
    print(
        f"\nResults in {args.out}/ (calibrated.toml, ensemble.csv, trials.csv, figures/); {where}"
    )
    return 0


def validate_command(args) -> int:
    spec, _ = load_calibration(args.targets or DEFAULT_TARGETS)
    base = load_scenario(args.scenario)
    ensemble_file = CALIBRATION_DIR / f"{base.name}-ensemble.csv"
    ensemble = (
        ensemble_parameters(ensemble_file)
        if ensemble_file.is_file() and not args.no_ensemble
        else None
    )
    seed = base.seed if args.seed is None else args.seed
    started = datetime.now(UTC)
    with (
        output_folder(args.out or Path(f"results/validate-{base.name}"), args.force) as folder,
        tqdm(total=args.reps, unit="run", disable=args.quiet, file=sys.stderr) as bar,
    ):
        runs = evidence.replicate(base, args.reps, seed, ensemble, progress=bar.update)
        targets = spec.target_list()
        fitted = evidence.validation_table(runs, targets)
        statistics = evidence.statistics_table(runs, list(base.evaluation.headline_topics))
        predictions = evidence.predictions_table(runs, list(spec.predictions.outcomes))
        runs.to_csv(folder / "runs.csv", index=False)
        fitted.to_csv(folder / "targets.csv", index=False)
        statistics.to_csv(folder / "statistics.csv", index=False)
        predictions.to_csv(folder / "predictions.csv", index=False)
        save_figure(evidence.validation_figure(runs, targets), folder / "figures" / "targets.png")
        write_manifest(
            folder,
            started,
            scenario=base.name,
            replications=args.reps,
            root_seed=seed,
            ensemble=str(ensemble_file) if ensemble else None,
            synthetic_world=cached_world(base.world).synthetic,
        )
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
        from sim.model import resolve_scenario

        # A trial randomises who takes the topic and compares with randomised controls.
        trial = {"topic_assignment": "random", "comparison": "non_choosers"}
        designs.append(("randomised trial", resolve_scenario(base, trial)))
    started = datetime.now(UTC)
    out = args.out or Path(f"results/decompose-{base.name}-{args.topic}")
    with (
        output_folder(out, args.force) as folder,
        tqdm(
            total=args.reps * len(designs), unit="run", disable=args.quiet, file=sys.stderr
        ) as bar,
    ):
        results = []
        for label, scenario in designs:
            runs = evidence.replicate(scenario, args.reps, seed, progress=bar.update)
            parts = evidence.decomposition_parts(runs, args.topic)
            parts.assign(design=label).to_csv(
                folder / f"parts-{label.replace(' ', '_')}.csv", index=False
            )
            results.append(evidence.decomposition_table(parts, label))
        table = pd.concat(results, ignore_index=True)
        table.to_csv(folder / "decomposition.csv", index=False)
        t = world.topics.index(args.topic)
        save_figure(
            evidence.decomposition_figure(results, args.topic, world.topics.units[t]),
            folder / "figures" / "decomposition.png",
        )
        write_manifest(
            folder,
            started,
            scenario=base.name,
            topic=args.topic,
            replications=args.reps,
            root_seed=seed,
            randomised=args.randomised,
        )
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


def printable_validation(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "target": table["target"],
            "outcome": table["outcome"],
            "observed": [tables.format_number(v) for v in table["observed"]],
            "model mean": [tables.format_number(v) for v in table["model_mean"]],
            "95% of runs": [
                f"{tables.format_number(lo)} to {tables.format_number(hi)}"
                for lo, hi in zip(table["interval_low"], table["interval_high"], strict=True)
            ],
            "inside": ["yes" if v else "NO" for v in table["inside"]],
        }
    )


def printable_summary(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    printable = table[keys].copy()
    printable["model mean"] = [tables.format_number(v) for v in table["model_mean"]]
    printable["95% of runs"] = [
        f"{tables.format_number(lo)} to {tables.format_number(hi)}"
        for lo, hi in zip(table["interval_low"], table["interval_high"], strict=True)
    ]
    return printable
