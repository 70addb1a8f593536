"""`tpn sweep`, `tpn sensitivity` and `tpn frontier`: validate, count, run (resumably),
summarise, analyse, report.

Nothing runs before the whole experiment is checked, and the run count is known: an experiment
above :data:`MAX_RUNS` is refused unless ``--max-runs`` raises the limit, and the count is printed
(on stderr) before the first run.
"""

import sys

import pandas as pd
from tqdm import tqdm

from analysis import tables
from analysis.cli.draws import replication_plan
from analysis.printables import headline_indices, printable_points
from analysis.results_folder import save_figure
from experiments.design import make_design, point_count
from experiments.executors import make_executor, parse_scheduler
from experiments.folders import FolderLock
from experiments.manifest import new_manifest, now
from experiments.optimize import COST, GAIN
from experiments.policies import DESIGN_DEPENDENT, NO_EFFECT, has_effect
from experiments.posterior import describe, for_scenario, posterior_details
from experiments.replicate import ScenarioModel
from experiments.sensitivity import analyse as analyse_indices
from experiments.spec import load_experiment
from experiments.store import SweepStore
from experiments.summary import interval_kind
from experiments.sweep import fingerprint, point_means, run_sweep
from sim.errors import InputError
from sim.scenario import with_overrides
from sim.world import cached_world

EXIT_INTERRUPTED = 130
# Runs an experiment may have unless --max-runs allows more. Why this many: at the ~80 runs/s
# of 2 cores (measured for issue #14) 100,000 runs take about 20 minutes, 16 times the largest
# shipped experiment (robust_designs.toml, 6,144 runs); a slip of a zero in samples, points or
# levels beyond it would run for hours and fill gigabytes before anyone noticed.
MAX_RUNS = 100_000


def run_experiment_command(args, mode: str) -> int:
    """``mode``: ``sweep``, ``sensitivity`` (then SALib) or ``frontier`` (then the frontier).

    The output folder is this command's alone from start to finish (:class:`FolderLock`)."""
    with FolderLock(args.out):
        return _run_experiment(args, mode)


def _run_experiment(args, mode: str) -> int:
    analyse = mode == "sensitivity"
    experiment, base = load_experiment(args.experiment)
    if experiment.has_policies and mode == "sensitivity":
        raise InputError(
            args.experiment,
            "policies",
            ", ".join(p.name for p in experiment.policies),
            "an experiment without policies for `tpn sensitivity` (run policies with `tpn "
            "sweep`, then `tpn robust` and `tpn discover`)",
        )
    if experiment.has_policies and mode == "frontier" and experiment.uncertainties:
        raise InputError(
            args.experiment,
            "uncertainties",
            ", ".join(experiment.uncertainties),
            "none for `tpn frontier` of policies: every policy runs once in the base's context "
            "(design = 'full_factorial'; across uncertainties, `tpn sweep` then `tpn robust`)",
        )
    if mode == "frontier":
        for outcome in (COST, args.gain):
            if outcome not in experiment.outcomes:
                raise InputError(
                    args.experiment,
                    "outcomes",
                    ", ".join(experiment.outcomes),
                    f"a list including {outcome} for `tpn frontier`",
                )
    if analyse and experiment.design not in ("sobol", "morris"):
        raise InputError(
            args.experiment,
            "design",
            experiment.design,
            "sobol or morris for `tpn sensitivity` (use `tpn sweep` for others)",
        )
    parse_scheduler(args.scheduler)
    replications, draws = experiment.replications, None
    if mode == "frontier":  # with a posterior: replications = draws x seeds, at every point
        replications, draws = replication_plan(args, [base], experiment.seed, replications)
        draws = draws and for_scenario(draws, base)
    points = point_count(experiment)
    limit = MAX_RUNS if args.max_runs is None else args.max_runs
    if points * replications > limit:
        raise InputError(
            args.experiment,
            "runs",
            f"{points:,} points x {replications:,} replications = {points * replications:,}",
            f"at most {limit:,} runs (pass --max-runs N to allow more; the default limit "
            f"{MAX_RUNS:,} is about 20 minutes on 2 cores)",
        )
    design = make_design(experiment, base)
    runs_fingerprint = fingerprint(
        design,
        replications,
        experiment.seed,
        {
            "base": base.model_dump(mode="json"),
            "outcomes": experiment.outcomes,
            "series": experiment.series,
            # Policies are named in each run's row, so their names are part of the runs.
            **({"policies": [p.name for p in experiment.policies]} if experiment.policies else {}),
        },
        draws,
    )
    runs_total = len(design.values) * replications
    # The executor first: a scheduler nobody answers at is an error before anything is written.
    executor = make_executor(args.scheduler, runs_total, args.worker_timeout)
    try:
        store = SweepStore.open(
            args.out, resume=args.resume, force=args.force, fingerprint=runs_fingerprint
        )
    except BaseException:
        executor.close()
        raise
    (store.folder / "experiment.toml").write_text(args.experiment.read_text())
    design.table().rename_axis("point").reset_index().to_parquet(
        store.folder / "points.parquet", index=False
    )
    model = ScenarioModel(base, experiment.outcomes, experiment.series)
    manifest = new_manifest(
        "robustness" if experiment.has_policies and mode == "sweep" else mode,
        now(),
        experiment=experiment.model_dump(mode="json"),
        experiment_file=str(args.experiment),
        synthetic_world=cached_world(base.world).synthetic,
        base_scenario=base.model_dump(mode="json"),
        points=len(design.values),
        replications=replications,
        root_seed=experiment.seed,
        fingerprint=runs_fingerprint,
        scheduler=args.scheduler,
        details=posterior_details(draws, [base]),
    )
    finished = len(store.finished_run_ids())
    print(
        f"tpn {mode}: {len(design.values):,} points x {replications:,} replications = "
        f"{runs_total:,} runs" + (f" ({finished:,} already done)" if finished else ""),
        file=sys.stderr,
    )
    try:
        with (
            executor,
            tqdm(
                total=runs_total,
                initial=finished,
                unit="run",
                disable=args.quiet,
                desc="runs",
                smoothing=0.1,
            ) as bar,
        ):
            result = run_sweep(
                model,
                design,
                replications,
                experiment.seed,
                store,
                executor,
                manifest=manifest,
                progress=bar.update,
                batch_size=args.batch_size,
                chunk_runs=args.chunk_runs,
                draws=draws,
            )
    except KeyboardInterrupt:
        print(
            f"tpn: interrupted; finished runs are saved in {args.out}/. Finish with:\n"
            f"  tpn {mode} {args.experiment} "
            f"--out {args.out} --resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    ok = len(result.runs) - result.failed
    info = sys.stderr if args.json else sys.stdout  # with --json, stdout is JSON only
    print(
        f"{experiment.name}: {len(design.values)} points x {replications} replications"
        + (f" ({describe(draws)})" if draws else "")
        + f" = {len(result.runs)} runs; {ok} ok, {result.failed} failed",
        file=info,
    )
    for reason, count in result.failure_reasons.items():
        print(f"  failed {count}x: {reason}", file=info)
    if ok == 0:
        raise InputError(
            args.experiment,
            "runs",
            f"{result.failed} failed",
            "at least one successful run (see failures above and runs.parquet)",
        )
    if mode == "frontier":
        return _frontier(args, experiment, base, result, store, info, interval_kind(bool(draws)))
    if not analyse:
        table = result.summary
        print(
            tables.to_json(table)
            if args.json
            else tables.render(
                printable_points(table, list(experiment.outcomes)).head(30),
                "Per point: mean [95% CI] over replications (first 30 points; all in summary.csv)",
            )
        )
        print(
            f"\nResults in {args.out}/: runs.parquet, summary.csv, points.parquet, manifest.json",
            file=info,
        )
        if experiment.has_policies:
            print(
                f"Next: tpn robust {args.out} (robustness of each policy), "
                f'tpn discover {args.out} --where "CONDITION" (where it holds)',
                file=info,
            )
        return 0
    means = point_means(result.runs, len(design.values), list(experiment.outcomes))
    sensitivity = analyse_indices(experiment, design, means)
    sensitivity.indices.to_csv(store.folder / "indices.csv", index=False)
    _figures(store.folder, experiment, sensitivity.indices)
    for warning in sensitivity.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    headline = headline_indices(sensitivity.indices, experiment.design)
    print(
        tables.to_json(headline)
        if args.json
        else tables.render(
            headline,
            f"{experiment.design.capitalize()} indices (95% CI half-width in brackets)",
            left=2,
        )
    )
    print(f"\nResults in {args.out}/: indices.csv, figures/, runs.parquet, summary.csv", file=info)
    return 0


def _frontier(args, experiment, base, result, store, info, interval: str) -> int:
    from analysis.frontier import frontier_figure, frontier_table
    from analysis.printables import printable_frontier

    summary, factors = result.summary, list(experiment.factors)
    if experiment.has_policies:  # designs compared: each policy's design and levers
        levers = _policy_levers(experiment.policies, base)
        summary = summary.merge(levers, on="policy", how="left")
        factors = list(levers.columns.drop("policy"))
    table = frontier_table(summary, factors, COST, args.gain)
    table.to_csv(store.folder / "frontier.csv", index=False)
    save_figure(
        frontier_figure(table, factors, COST, args.gain, interval),
        store.folder / "figures" / "frontier.png",
    )
    if args.json:
        print(tables.to_json(table))
        return 0
    printable = printable_frontier(table, factors, args.gain)
    print(
        tables.render(
            printable,
            f"Cost-effectiveness frontier: mean [{interval}] (frontier points first, by cost;"
            " ICER against the next cheaper frontier point; extendedly dominated: a mix of two"
            " other points buys more for the same cost)",
            left=len(factors),
        )
    )
    written = "frontier.csv, figures/frontier.png"
    if args.gain == GAIN:  # willingness to pay is per institution-point
        _frontier_acceptability(result.runs, table, factors, base, store.folder)
        written += ", acceptability.csv, figures/acceptability.png"
    else:
        print(
            f"(No acceptability curve: willingness to pay is per institution-point, the gain "
            f"{GAIN}; this frontier's gain is {args.gain}.)"
        )
    print(f"\nResults in {args.out}/: {written}, runs.parquet", file=info)
    return 0


def _frontier_acceptability(runs, table, factors, base, folder) -> None:
    """The acceptability curve of the frontier's points and no programme: table, file and
    figure (:mod:`analysis.economics`)."""
    from analysis import economics, economics_figures
    from analysis.frontier import frontier_options
    from analysis.printables import printable_acceptability

    named, names, designs = frontier_options(runs, table, factors, base.design.design)
    curve = economics.acceptability_curve(named, economics.with_no_twinning(names, designs))
    curve.to_csv(folder / "acceptability.csv", index=False)
    save_figure(
        economics_figures.acceptability_of_runs(named, names, designs),
        folder / "figures" / f"{economics_figures.STEM}.png",
    )
    worlds = economics_figures.worlds_of(named)
    print(
        tables.render(
            printable_acceptability(curve),
            "Cost-effectiveness acceptability of the frontier's points: share of the "
            f"{worlds} in which each is the best buy, by what an institution-point is worth "
            "(* the highest mean net benefit at that price)",
        )
    )


def _policy_levers(policies, base) -> pd.DataFrame:
    """Per policy of a frontier: its design and the design-dependent levers that differ between
    policies, each as the policy runs it, or :data:`NO_EFFECT` where it has none on that
    policy's design (the frontier never reports a lever that changes nothing)."""
    scenarios = {p.name: with_overrides(base, p.levers) for p in policies}
    dumped = {name: s.design.model_dump() | s.funding.model_dump() for name, s in scenarios.items()}
    varying = [
        lever for lever in DESIGN_DEPENDENT if len({str(d.get(lever)) for d in dumped.values()}) > 1
    ]
    rows = [
        {
            "policy": name,
            "design": scenario.design.design,
            **{
                lever: dumped[name][lever] if has_effect(lever, scenario) else NO_EFFECT
                for lever in varying
            },
        }
        for name, scenario in scenarios.items()
    ]
    return pd.DataFrame(rows)


def _figures(folder, experiment, indices: pd.DataFrame) -> None:
    from analysis import sensitivity_figures

    for outcome in experiment.outcomes:
        figure = (
            sensitivity_figures.sobol_bars(indices, outcome)
            if experiment.design == "sobol"
            else sensitivity_figures.morris_plane(indices, outcome)
        )
        save_figure(figure, folder / "figures" / f"{experiment.design}-{outcome}.png")
