"""`tpn calibrate`: a posterior by ABC-SMC, or a point estimate by Optuna.

``--method`` (default: the file's ``method``) picks one: ``abc`` writes the weighted posterior,
pyabc's history, per-generation diagnostics, a per-parameter summary, a posterior predictive
check and their figures; ``optuna`` writes its trials and the best ones' ensemble. Both write
``calibrated.toml``. ``--install`` copies it with the posterior (or the ensemble) to
``scenarios/calibration/``, and refuses, in one line, a calibration that stopped short: a smaller
budget than the file's (checked before any run) or, for ABC, a last generation above
temperature 1 (checked at the end; the results folder is kept). ``--install-anyway`` overrides.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import calibration_figures, evidence, tables
from analysis.predictive_check import predictive_table
from analysis.printables import printable_posterior, printable_predictive, printable_validation
from analysis.results_folder import output_folder, save_figure
from experiments.calibration import (
    CHECK_FILE,
    ENSEMBLE_FILE,
    GENERATIONS_FILE,
    POSTERIOR_FILE,
    PREDICTIVE_RUNS_FILE,
    SUMMARY_FILE,
    CalibrationSpec,
    calibrated_toml,
    install_calibration,
    install_shortfalls,
    load_calibration,
)
from experiments.executors import make_executor
from experiments.manifest import now, replications_manifest, write_manifest
from sim.errors import InputError
from sim.params import Scenario


@dataclass
class Fitted:
    """What a method leaves for the manifest and the printed summary."""

    replications: int  # runs on common seeds the folder's tables rest on
    root_seed: int
    details: dict
    printed: list[str] = field(default_factory=list)
    records: pd.DataFrame = field(default_factory=pd.DataFrame)  # --json
    final_temperature: float | None = None


def calibrate_command(args) -> int:
    declared, base = load_calibration(args.calibration)
    spec = declared.with_budget(args.method, args.population, args.trials)
    if args.install and not args.install_anyway:
        early = install_shortfalls(spec, declared)
        if early:
            raise InputError(
                "--install",
                "budget",
                "; ".join(early),
                "the file's budget or more to install (or pass --install-anyway)",
            )
    started = now()
    command = " ".join(["tpn", *sys.argv[1:]]) if sys.argv[1:] else "tpn calibrate"
    runs = [0]

    def progress(count: int) -> None:
        runs[0] += count
        bar.update(count)

    unit, total = ("run", None) if spec.method == "abc" else ("trial", spec.optuna.trials)
    with (
        output_folder(args.out, args.force) as folder,
        make_executor(args.scheduler) as executor,
        tqdm(total=total, unit=unit, disable=args.quiet, file=sys.stderr) as bar,
    ):
        fit = _posterior if spec.method == "abc" else _point_estimate
        fitted = fit(spec, base, executor, folder, progress, command)
        details = {
            "method": spec.method,
            "calibration_file": str(args.calibration),
            "calibration": spec.model_dump(mode="json"),
            **fitted.details,
        }
        if spec.method == "abc":
            details["runs"] = runs[0]
        manifest = replications_manifest(
            "calibrate",
            started,
            [base],
            fitted.replications,
            fitted.root_seed,
            scheduler=args.scheduler,
            details=details,
        )
        write_manifest(folder, manifest)
    shortfalls = install_shortfalls(spec, declared, fitted.final_temperature)
    installed = None
    if args.install:
        if shortfalls and not args.install_anyway:
            raise InputError(
                args.out,
                "install",
                "; ".join(shortfalls),
                "a complete calibration: the results are kept there but not installed "
                "(rerun with more generations, or pass --install-anyway)",
            )
        installed = install_calibration(args.out, spec.base, spec.method)
    if args.json:
        print(tables.to_json(fitted.records))
        return 0
    print("\n\n".join(fitted.printed))
    where = (
        f"installed in {installed}/"
        if installed
        else "rerun with --install to make it the shipped scenarios' default"
    )
    if shortfalls:
        where = f"not a complete calibration ({'; '.join(shortfalls)}); {where}"
    print(f"\nResults in {args.out}/; {where}")
    return 0


def _posterior(spec: CalibrationSpec, base: Scenario, executor, folder: Path, progress, command):
    """ABC-SMC: the posterior, its diagnostics and figures, written into ``folder``."""
    from experiments.fit_abc import fit_posterior

    fit = fit_posterior(spec, base, executor, folder, progress)
    targets = spec.target_list()
    check = predictive_table(fit.predictive_runs, targets, [], spec.seed + 1)
    generations = fit.abc.generations
    fit.abc.posterior.to_parquet(folder / POSTERIOR_FILE, index=False)
    generations.to_csv(folder / GENERATIONS_FILE, index=False)
    fit.summary.to_csv(folder / SUMMARY_FILE, index=False)
    check.to_csv(folder / CHECK_FILE, index=False)
    fit.predictive_runs.to_csv(folder / PREDICTIVE_RUNS_FILE, index=False)
    last = generations.iloc[-1]
    how = (
        f"ABC-SMC posterior median of {spec.abc.population} particles "
        f"({len(generations)} generations to temperature {last['temperature']:.3g})"
    )
    (folder / "calibrated.toml").write_text(calibrated_toml(spec, fit.median, command, how))
    figures = folder / "figures"
    posterior, priors = fit.abc.posterior, dict(spec.parameters)
    save_figure(
        calibration_figures.marginals(posterior, priors, fit.summary), figures / "marginals.png"
    )
    save_figure(calibration_figures.corner(posterior, priors), figures / "pairs.png")
    save_figure(
        calibration_figures.generations(generations, spec.abc.population),
        figures / "generations.png",
    )
    save_figure(
        evidence.validation_figure(fit.predictive_runs, targets), figures / "predictive.png"
    )
    title = (
        f"Posterior of {len(priors)} parameters: {spec.abc.population} particles, "
        f"{len(generations)} generations, temperature {last['temperature']:.3g}, effective "
        f"sample {last['effective_sample_size']:.0f}"
    )
    printable_check = printable_predictive(check.assign(kind="target")).drop(
        columns=["kind", "variance from parameters"]
    )
    return Fitted(
        replications=spec.abc.predictive_draws,
        root_seed=spec.seed + 1,
        details={
            "final_temperature": float(last["temperature"]),
            "generations": len(generations),
            "effective_sample_size": float(last["effective_sample_size"]),
            "posterior_median": fit.median,
            "constrained": fit.summary.loc[fit.summary["constrained"], "parameter"].tolist(),
        },
        printed=[
            tables.render(printable_posterior(fit.summary), title, left=2),
            tables.render(
                printable_check,
                f"Posterior predictive check: {spec.abc.predictive_draws} runs at posterior "
                "draws, each plus the target's error; p = P(predicted >= observed)",
                left=1,
            ),
        ],
        records=pd.concat(
            [fit.summary.assign(kind="parameter"), check.assign(kind="target")],
            ignore_index=True,
        ),
        final_temperature=float(last["temperature"]),
    )


def _point_estimate(spec, base: Scenario, executor, folder: Path, progress, command):
    """Optuna: the trials, the best ones' ensemble and the targets at the best parameters."""
    from experiments.fit_optuna import calibrate

    budget = spec.optuna
    result = calibrate(spec, base, progress=progress, executor=executor)
    result.trials.to_csv(folder / "trials.csv", index=False)
    result.ensemble.to_csv(folder / ENSEMBLE_FILE, index=False)
    how = f"{budget.trials} Optuna trials x {budget.replications} replications"
    (folder / "calibrated.toml").write_text(calibrated_toml(spec, result.best, command, how))
    targets = spec.target_list()
    save_figure(
        evidence.validation_figure(result.best_runs, targets), folder / "figures" / "targets.png"
    )
    best = pd.DataFrame({"parameter": list(result.best), "value": list(result.best.values())})
    table = evidence.validation_table(result.best_runs, targets)
    title = (
        f"Best of {budget.trials} trials (log likelihood "
        f"{result.trials['loglik.total'].iloc[0]:.2f})"
    )
    return Fitted(
        replications=budget.replications,
        root_seed=spec.seed,
        details={"best": result.best, "optimiser": "optuna TPESampler"},
        printed=[
            tables.render(best, title, left=1),
            tables.render(printable_validation(table), "Targets at the best parameters", left=2),
        ],
        records=best,
    )
