"""`tpn optimize --budget RWF`: the best plans a fixed budget can buy, never one over budget."""

import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import tables
from analysis.cli.draws import replication_plan
from analysis.printables import format_share
from analysis.results_folder import output_folder
from experiments.executors import make_executor
from experiments.manifest import now, replications_manifest, write_manifest
from experiments.optimize import GAIN, LEVERS, budget_scenario, optimize
from experiments.policies import NO_EFFECT
from experiments.posterior import describe, posterior_details
from experiments.summary import interval_kind
from sim.errors import InputError
from sim.outcome_registry import outcome
from sim.scenario import load_scenario

REPLICATIONS = 8  # per plan, without a posterior


def optimize_command(args) -> int:
    if args.budget <= 0:
        raise InputError("--budget", "budget", args.budget, "a positive amount of RWF")
    if args.years is not None and not 1 <= args.years <= 10:
        raise InputError("--years", "years", args.years, "1 to 10")
    base = load_scenario(args.scenario)
    scenario = budget_scenario(base, args.budget, args.years)
    reps, draws = replication_plan(args, [base], args.seed, args.reps or REPLICATIONS)
    started = now()
    out = args.out or Path(f"results/optimize-{int(args.budget)}")
    with (
        output_folder(out, args.force) as folder,
        make_executor(args.scheduler, args.trials * reps) as executor,
        tqdm(total=args.trials, unit="plan", disable=args.quiet, file=sys.stderr) as bar,
    ):
        result = optimize(
            scenario,
            args.budget,
            args.trials,
            reps,
            args.seed,
            progress=bar.update,
            executor=executor,
            draws=draws,
        )
        if result.best.empty:
            cheapest = result.trials["cost_max"].min()
            raise InputError(
                "--budget",
                "budget",
                f"{args.budget:,.0f} RWF",
                f"at least {cheapest:,.0f} RWF: no plan tried fits within it",
            )
        result.trials.to_csv(folder / "trials.csv", index=False)
        result.best.to_csv(folder / "best.csv", index=False)
        write_manifest(
            folder,
            replications_manifest(
                "optimize",
                started,
                [base],
                reps,
                args.seed,
                scheduler=args.scheduler,
                details={
                    "budget_rwf": args.budget,
                    "years": args.years,
                    "trials": args.trials,
                    "levers": list(LEVERS),
                    **posterior_details(draws, [base]),
                },
            ),
        )
    if args.json:
        print(tables.to_json(result.best))
        return 0
    printable = result.best[list(LEVERS)].astype(str)
    printable["virtual_share"] = [
        value if value == NO_EFFECT else format_share(float(value))
        for value in result.best["virtual_share"]
    ]
    printable[f"gain [{interval_kind(bool(draws))}]"] = [
        tables.format_interval(m, lo, hi)
        for m, lo, hi in zip(
            result.best["gain_mean"],
            result.best["gain_ci_low"],
            result.best["gain_ci_high"],
            strict=True,
        )
    ]
    printable["mean cost"] = [tables.format_number(v) for v in result.best["cost_mean"]]
    printable["max cost"] = [tables.format_number(v) for v in result.best["cost_max"]]
    feasible = int(result.trials["feasible"].sum())
    gain = outcome(GAIN)
    print(
        tables.render(
            pd.DataFrame(printable),
            f"Best plans for {args.budget:,.0f} RWF ({feasible} of {args.trials} plans "
            f"fit; gain = {gain.label.lower()}, in {gain.unit}; "
            f"{reps} replications each" + (f": {describe(draws)})" if draws else ")"),
            left=len(LEVERS),
        )
    )
    print(
        f"\n{NO_EFFECT}: the lever changes nothing under that design (the provincial design is "
        "the RHSS sessions: no coaching or exchange visits; hub and provincial take the best "
        "measured peer, whatever the matching rule)."
    )
    print(
        "\nEvery plan listed stayed within the budget in all its replications"
        + (" (every plausible world). " if draws else ". ")
        + f"Results in {out}/ (best.csv, trials.csv)"
    )
    return 0
