"""`tpn run` and `tpn compare`: replications on common seeds, their results folder and table."""

import sys
from pathlib import Path

from sim.errors import InputError


def simulate_command(args, references: list[str]) -> int:
    """Run the scenarios' replications, write their folder, print the table.

    A run that fails fails the command (one line, nothing written): a table over fewer
    replications than asked for would pass for the whole set."""
    from tqdm import tqdm

    from analysis import reporting, tables
    from analysis.cli.draws import DETAIL_REPLICATIONS, kept_values, replication_plan
    from analysis.results_folder import output_folder, write_results_folder
    from experiments.executors import make_executor
    from experiments.manifest import now
    from experiments.posterior import describe, posterior_details
    from experiments.replicate import replicate, require_success
    from sim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.set)
    scenarios = [load_scenario(reference, overrides) for reference in references]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("tpn compare", "scenarios", " ".join(references), "different scenarios")
    worlds = dict.fromkeys(str(Path(s.world).resolve()) for s in scenarios)
    if len(worlds) > 1:
        # Paired differences need the same institutions under every design.
        raise InputError(
            "tpn compare",
            "world",
            ", ".join(worlds),
            "one world for every scenario (compare designs on the same institutions)",
        )
    seed = scenarios[0].seed if args.seed is None else args.seed
    replications, draws = replication_plan(
        args, scenarios, seed, args.reps or scenarios[0].replications
    )
    default = f"results/{names[0]}" if len(names) == 1 else f"results/compare-{'-'.join(names)}"
    started = now()
    with (
        output_folder(args.out or Path(default), args.force) as folder,
        make_executor(args.scheduler, replications * len(scenarios)) as executor,
        tqdm(
            total=replications * len(scenarios),
            unit="run",
            disable=args.quiet,
            file=sys.stderr,
            desc="replications",
        ) as bar,
    ):
        results = replicate(
            scenarios,
            replications,
            seed,
            ensemble=draws or (),
            detail=True,
            detail_replications=DETAIL_REPLICATIONS if draws else None,
            executor=executor,
            progress=bar.update,
        )
        require_success(results)
        table = write_results_folder(
            folder,
            results,
            root_seed=seed,
            started=started,
            overrides=overrides,
            scheduler=args.scheduler,
            details=posterior_details(draws, scenarios),
        )
    # What people read names the scenarios in words; the files keep the identifiers.
    words = reporting.scenario_words(names, designs_of(scenarios))
    shown = [words[n] for n in names]
    if len(scenarios) == 1:
        printables = [reporting.printable_run_table(table)]
    else:
        printables = reporting.printable_comparison(table, names, words)
    out = args.out or Path(default)
    if args.json:
        print(tables.to_json(table))
        return 0
    counted = f"{replications} replications" + (f" ({describe(draws)})" if draws else "")
    titles = [
        f"Every outcome (named as tpn outcomes lists them), {', '.join(shown)}: "
        f"mean [{reporting.interval_words(table)}] over {counted}, "
        f"root seed {seed}",
        f"Difference to {shown[0]}, paired by replication (common random numbers"
        + (" and common parameter sets)" if draws else ")"),
    ]
    if draws:
        titles += [
            f"Probability over {len(draws.sets)} plausible worlds (posterior draws) that each "
            f"scenario beats {shown[0]}, and the expected loss of choosing each (its mean "
            "shortfall from the best scenario of each draw, in the outcome's unit)",
            "Share of one run's variance from the parameters (the rest is chance)",
        ]
    if len(scenarios) > 1:
        print(summary_text(results, table, names, draws is not None) + "\n")
    print("\n\n".join(tables.render(p, t) for p, t in zip(printables, titles, strict=False)))
    if draws:
        notes = kept_values(draws, scenarios)
        if len(scenarios) > 1:
            notes = (
                reporting.decision_sentences(
                    runs_of(results, names), names, designs_of(scenarios), topics_of(scenarios)
                )
                + notes
            )
        print("\n" + "\n".join(notes) if notes else "")
    print(f"\nResults written to {out}/ (figures in {out}/figures/)")
    return 0


def runs_of(results, names: list[str]):
    """Every scenario's runs in one table, named by ``scenario``."""
    import pandas as pd

    return pd.concat([r.runs.assign(scenario=n) for r, n in zip(results, names, strict=True)])


def designs_of(scenarios) -> list[str]:
    return [s.design.design for s in scenarios]


def topics_of(scenarios) -> list[str]:
    return list(scenarios[0].evaluation.headline_topics)


def summary_text(results, comparison, names: list[str], posterior: bool) -> str:
    """What `tpn compare` prints first: the conclusion in sentences, the headline outcomes in
    words, the cost-effectiveness frontier, the acceptability curve and each scenario's
    budget impact by funder and year."""
    from analysis import printables, reporting, tables
    from sim.world import cached_world

    scenarios = [r.scenario for r in results]
    world = cached_world(scenarios[0].world)
    runs = runs_of(results, names)
    found = reporting.conclusion(runs, comparison, names, designs_of(scenarios), world.topics)
    words = reporting.scenario_words(names, designs_of(scenarios))
    worlds = "plausible worlds (posterior draws)" if posterior else "replications"
    parts = [
        "Summary\n-------\n" + "\n".join(f"- {f.text}" for f in found.findings),
        tables.render(
            printables.printable_headline(comparison, names, world.topics, words),
            f"Headline results: mean [{reporting.interval_words(comparison)}]",
            left=2,
        ),
        tables.render(
            printables.printable_cost_effectiveness(found.frontier, words),
            "Cost-effectiveness frontier (cheapest first): causal gain against cash cost; ICER: "
            "extra RWF per extra institution-point over the next cheaper design on the frontier",
        ),
        tables.render(
            printables.printable_acceptability(found.acceptability, words),
            "Cost-effectiveness acceptability: share of "
            f"{worlds} in which each design has the highest net monetary benefit (gain x "
            "willingness-to-pay - cost); * the highest on average",
        ),
    ]
    for result, name in zip(results, names, strict=True):
        detailed = result.series["replication"].nunique()
        budget = reporting.budget_table(
            result.activities, detailed, result.scenario, len(world.provinces)
        )
        parts.append(
            tables.render(
                budget,
                f"Budget impact of {words[name]}: cash paid per budget year by each funder, mean over "
                f"{detailed} replications (RWF)",
                left=3,
            )
        )
    return "\n\n".join(parts)
