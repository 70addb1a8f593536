"""`tpn run` and `tpn compare`: replications, output folders, tables and figures."""

import sys
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import InputError


def simulate_command(args, references: list[str]) -> int:
    """Run the scenarios' replications, write their folders, print the table."""
    from tqdm import tqdm

    from analysis import reporting, tables
    from analysis.export import output_folder, write_manifest
    from sim.runner import replication_seeds, run_many
    from sim.scenario import load_scenario, parse_overrides
    from sim.world import cached_world

    overrides = parse_overrides(args.set)
    scenarios = [load_scenario(reference, overrides) for reference in references]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("tpn compare", "scenarios", " ".join(references), "different scenarios")
    replications = args.reps or scenarios[0].replications
    seed = scenarios[0].seed if args.seed is None else args.seed
    default = f"results/{names[0]}" if len(names) == 1 else f"results/compare-{'-'.join(names)}"
    started = datetime.now(UTC)
    with (
        output_folder(args.out or Path(default), args.force) as folder,
        tqdm(
            total=replications * len(scenarios),
            unit="run",
            disable=args.quiet,
            file=sys.stderr,
            desc="replications",
        ) as bar,
    ):
        all_results = [run_many(s, replications, seed, progress=bar.update) for s in scenarios]
        summaries = []
        for results in all_results:
            target = folder if len(scenarios) == 1 else folder / results.scenario.name
            summaries.append(reporting.write_results(target, results))
        topics = list(scenarios[0].evaluation.headline_topics)
        if len(scenarios) == 1:
            table = reporting.run_table(summaries[0], topics)
            printables = [reporting.printable_run_table(table)]
        else:
            import pandas as pd

            from analysis import figures
            from analysis.export import save_figure

            runs = pd.concat([r.runs for r in all_results], ignore_index=True)
            runs.to_csv(folder / "runs.csv", index=False)
            table = reporting.comparison_table(runs, names, topics)
            table.to_csv(folder / "comparison.csv", index=False)
            printables = reporting.printable_comparison(table, names)
            world = cached_world(scenarios[0].world)
            save_figure(
                figures.effects(
                    runs, [(s.name, s.design.design) for s in scenarios], topics, world
                ),
                folder / "figures" / "effects.png",
            )
            start = scenarios[0].design.programme_start_month
            save_figure(
                figures.compare_trajectories(
                    {r.scenario.name: r.series for r in all_results},
                    {s.name: s.design.design for s in scenarios},
                    world,
                    topics,
                    (start, start + scenarios[0].design.programme_months),
                ),
                folder / "figures" / "trajectories.png",
            )
            save_figure(
                figures.money(runs, [(s.name, s.design.design) for s in scenarios], topics, world),
                folder / "figures" / "costs.png",
            )
        write_manifest(
            folder,
            started,
            scenarios=names,
            replications=replications,
            root_seed=seed,
            replication_seeds=replication_seeds(seed, replications),
            overrides=overrides,
            synthetic_world=any(cached_world(s.world).synthetic for s in scenarios),
        )
    out = args.out or Path(default)
    if args.json:
        print(tables.to_json(table))
    else:
        titles = [
            f"{', '.join(names)}: mean [95% CI of the mean] over {replications} "
            f"replications, root seed {seed}",
            f"Difference to {names[0]}, paired by replication (common random numbers)",
        ]
        print("\n\n".join(tables.render(p, t) for p, t in zip(printables, titles, strict=False)))
        print(f"\nResults written to {out}/ (figures in {out}/figures/)")
    return 0
