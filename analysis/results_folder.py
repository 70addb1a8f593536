"""The one writer of a results folder of replications: `tpn run`, `tpn compare` and the
dashboard's downloads all write through :func:`write_results_folder`, so the same runs give the
same files. :mod:`analysis.report.folder` reads them back.

A run folder (one scenario)::

    runs.csv  summary.csv  series.parquet  ties.csv  activities.csv  scenario.json
    figures/trajectories.png  figures/network.png  manifest.json (kind "run")

A compare folder (several scenarios on common seeds): a run folder per scenario, named as the
scenario, without a manifest of its own, and beside them::

    runs.csv  comparison.csv  figures/effects.png  figures/trajectories.png  figures/costs.png
    figures/acceptability.png
    manifest.json (kind "compare")

Every folder is written whole or not at all (:func:`output_folder`), in open formats readable
without tpn-sim.
"""

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from analysis import economics_figures, figures, reporting, style
from analysis.data_dictionary import write_dictionary
from analysis.stats import summarise
from experiments.folders import FolderLock, remove_dead_partials
from experiments.manifest import replications_manifest, write_manifest
from experiments.replicate import Results
from sim.errors import InputError
from sim.world import cached_world


@contextmanager
def output_folder(path: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``path`` only if the block finishes.

    Everything is first written into a hidden sibling folder and renamed into place at the end,
    so an error or Ctrl-C never leaves a half-written result behind, and an existing folder is
    replaced only when the user asked for it (``--force``). The folder is locked for the whole
    block (a second command writing it is refused), and the hidden folders of commands that were
    killed on the way are removed."""
    path = Path(path)
    with FolderLock(path):
        remove_dead_partials(path)
        yield from _written_whole(path, force)


def _written_whole(path: Path, force: bool) -> Iterator[Path]:
    if path.exists() and not force:
        raise InputError("--out", "folder", str(path), "already exists; pass --force to replace it")
    if path.exists() and not path.is_dir():
        raise InputError("--out", "folder", str(path), "a folder, not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if path.exists():
        shutil.rmtree(path)
    partial.rename(path)


def save_figure(figure: plt.Figure, path: Path) -> None:
    """A PNG without a timestamp or software tag, so the same figure gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)


def write_results_folder(
    folder: Path,
    results: Sequence[Results],
    *,
    root_seed: int,
    started: str,
    names: Sequence[str] | None = None,
    **manifest: Any,
) -> pd.DataFrame:
    """Write one scenario's replications as a run folder, or several as a compare folder, and
    return the table to print: the headline outcomes of a run (:func:`reporting.run_table`), or
    the comparison (:func:`reporting.comparison_table`).

    ``results`` must hold only successful runs (:func:`experiments.replicate.require_success`),
    ``root_seed`` is the seed their replication seeds came from; ``names`` (default: the
    scenarios' names) name the scenarios in the tables and their subfolders. ``manifest``:
    further fields of the manifest (overrides, scheduler, command, details).
    """
    names = list(names or [r.scenario.name for r in results])
    if len(set(names)) != len(names):
        raise InputError("tpn compare", "scenarios", " ".join(names), "different scenarios")
    topics = list(results[0].scenario.evaluation.headline_topics)
    replications = len(results[0].runs)
    if len(results) == 1:
        summary = _write_run(folder, results[0], names[0])
        table = reporting.run_table(summary, topics)
    else:
        for result, name in zip(results, names, strict=True):
            _write_run(folder / name, result, name)
        table = _write_comparison(folder, results, names, topics)
    write_dictionary(folder)
    write_manifest(
        folder,
        replications_manifest(
            "run" if len(results) == 1 else "compare",
            started,
            [r.scenario for r in results],
            replications,
            root_seed,
            names=names,
            **manifest,
        ),
    )
    return table


def _write_run(folder: Path, results: Results, name: str) -> pd.DataFrame:
    """Tables, tidy series and figures of one scenario; returns its summary."""
    scenario = results.scenario
    world = cached_world(scenario.world)
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarise(results.runs, results.outcome_columns)
    results.runs.assign(scenario=name).to_csv(folder / "runs.csv", index=False)
    summary.to_csv(folder / "summary.csv", index=False)
    results.series.to_parquet(folder / "series.parquet", index=False)
    results.ties.to_csv(folder / "ties.csv", index=False)
    results.activities.to_csv(folder / "activities.csv", index=False)
    (folder / "scenario.json").write_text(json.dumps(scenario.model_dump(mode="json"), indent=2))
    levers = scenario.design
    start = levers.programme_start_month
    title = figures.scenario_title(scenario)
    synthetic = " (synthetic baseline data)" if world.synthetic else ""
    save_figure(
        figures.trajectories(
            results.series,
            world,
            list(scenario.evaluation.headline_topics),
            f"{title}{synthetic}\nmean of {results.series['replication'].nunique()} simulated "
            "programmes, band: 95% of them",
            (start, start + levers.programme_months),
            scenario.evaluation.comparison,
        ),
        folder / "figures" / "trajectories.png",
    )
    first = results.ties[results.ties["replication"] == 0]
    member = results.series.drop_duplicates("institution").set_index("institution")["member"]
    save_figure(
        figures.network(
            first[first["formed_at_launch"]],
            world,
            member.reindex(world.ids).to_numpy(dtype=bool),
            f"{title}\nTwinning ties at launch, by topic, in one simulated programme of the "
            f"{style.words(levers.design)} design{synthetic}",
        ),
        folder / "figures" / "network.png",
    )
    return summary


def _write_comparison(
    folder: Path, results: Sequence[Results], names: list[str], topics: list[str]
) -> pd.DataFrame:
    """The runs of every scenario, their comparison and its figures; returns the comparison."""
    runs = pd.concat(
        [r.runs.assign(scenario=name) for r, name in zip(results, names, strict=True)],
        ignore_index=True,
    )
    runs.to_csv(folder / "runs.csv", index=False)
    table = reporting.comparison_table(runs, names, topics)
    table.to_csv(folder / "comparison.csv", index=False)
    first = results[0].scenario
    world = cached_world(first.world)
    designs = [(n, r.scenario.design.design) for n, r in zip(names, results, strict=True)]
    save_figure(figures.effects(runs, designs, topics, world), folder / "figures" / "effects.png")
    start = first.design.programme_start_month
    save_figure(
        figures.compare_trajectories(
            {n: r.series for n, r in zip(names, results, strict=True)},
            dict(designs),
            world,
            topics,
            (start, start + first.design.programme_months),
        ),
        folder / "figures" / "trajectories.png",
    )
    save_figure(figures.money(runs, designs, topics, world), folder / "figures" / "costs.png")
    save_figure(
        economics_figures.acceptability_of_runs(runs, names, [d for _, d in designs]),
        folder / "figures" / f"{economics_figures.STEM}.png",
    )
    return table
