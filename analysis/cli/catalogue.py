"""The commands that describe what tpn-sim holds: scenarios, parameters, outcomes, worlds."""

from sim.errors import InputError

# The smallest generated world every shipped scenario runs on: its districts must include the
# facilitation base (Nyarugenge) and the province Kigali City joins for provincial events.
MIN_INSTITUTIONS = 10


def scenarios_command(args) -> int:
    import pandas as pd

    from analysis import tables
    from sim.scenario import load_scenario, shipped_scenarios

    rows = []
    for path in shipped_scenarios():
        scenario = load_scenario(path)
        rows.append(
            {
                "scenario": scenario.name,
                "design": scenario.design.design,
                "description": scenario.description,
            }
        )
    frame = pd.DataFrame(rows)
    print(tables.to_json(frame) if args.json else tables.render(frame, left=3))
    return 0


def show_command(args) -> int:
    from analysis import tables
    from analysis.paramdoc import parameter_table
    from sim.scenario import load_scenario, parse_overrides

    scenario = load_scenario(args.scenario, parse_overrides(args.set))
    frame = parameter_table(scenario)
    if args.json:
        print(tables.to_json(frame))
    elif args.markdown:
        print(frame.to_markdown(index=False))
    else:
        frame["value"] = [tables.shorten(str(v), 40) for v in frame["value"]]
        frame["source"] = [tables.shorten(str(v), 50) for v in frame["source"]]
        title = (
            f"{scenario.name}: {scenario.description}\n"
            "(full sources and meanings: tpn show SCENARIO --markdown, or --json)"
        )
        print(tables.render(frame[["parameter", "value", "unit", "source"]], title, left=4))
    return 0


def outcomes_command(args) -> int:
    """Every outcome a run computes, then those only ``tpn compare`` computes, from the registry."""
    from dataclasses import asdict

    import pandas as pd

    from analysis import tables
    from sim.outcome_registry import COMPARISON_OUTCOMES, registry

    records = [
        *({**asdict(r), "computed_by": "every run"} for r in registry().values()),
        *({**asdict(r), "computed_by": "tpn compare"} for r in COMPARISON_OUTCOMES.values()),
    ]
    frame = pd.DataFrame(records).drop(columns="topic")
    if args.json:
        print(tables.to_json(frame))
    else:
        shown = frame[["name", "label", "unit", "kind", "description"]]
        print(tables.render(shown, left=len(shown.columns)))
    return 0


def world_command(args) -> int:
    from analysis.results_folder import output_folder
    from sim.scenario import SCENARIO_DIR
    from sim.synthetic import rwanda_frames, synthetic_frames, write_world
    from sim.topics import load_topics

    if args.out.exists():
        raise InputError("--out", "folder", str(args.out), "a folder that does not exist yet")
    topics = load_topics(SCENARIO_DIR / "worlds" / "rwanda" / "topics.csv")
    if args.institutions is None:
        institutions, baseline = rwanda_frames(topics, args.seed)
    else:
        if args.institutions < MIN_INSTITUTIONS:
            raise InputError(
                "--institutions",
                "institutions",
                args.institutions,
                f"at least {MIN_INSTITUTIONS} (DHMTs and hospitals of Kigali City and the Eastern "
                "province, which the shipped scenarios name)",
            )
        institutions, baseline = synthetic_frames(topics, args.institutions, args.seed)
    with output_folder(args.out, force=False) as folder:  # whole or not at all
        write_world(
            folder,
            institutions,
            baseline,
            topics,
            costs=SCENARIO_DIR / "worlds" / "rwanda" / "costs.csv",
        )
    print(f"Wrote a synthetic world of {len(institutions)} institutions to {args.out}/")
    return 0
