"""The network map a Ministry official reads in a minute, and figure titles in words.

The map is small multiples: one panel per most-used topic, each with exactly that topic's ties as
arrows from learner to host; province names sit in a key where no institution is drawn over
them; a design without ties says so. Every figure a run writes names its scenario in words.
"""

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from analysis import figures, results_folder
from analysis.cli.main import main
from sim.world import cached_world


def _captured_run(tmp_path_factory, args: list[str]) -> tuple[dict, object]:
    """Run the command, keeping every figure it saves (path -> Figure) before it is closed."""
    saved = {}
    original = results_folder.save_figure

    def keep(figure, path):  # the path inside the folder being written (a hidden sibling)
        parts = path.parts
        inside = next(i for i, part in enumerate(parts) if part.startswith(".out.partial"))
        saved["/".join(parts[inside + 1 :])] = figure
        original(figure, path)

    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(results_folder, "save_figure", keep)
        assert main([*args, "--out", str(out), "--quiet"]) == 0
    return saved, out


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    saved, out = _captured_run(tmp_path_factory, ["run", "tpn_2021", "--reps", "2"])
    scenario = pd.read_json(out / "scenario.json", typ="series")
    world = cached_world(str(scenario["world"]))
    ties = pd.read_csv(out / "ties.csv")
    launch = ties[(ties["replication"] == 0) & ties["formed_at_launch"]]
    series = pd.read_parquet(out / "series.parquet", columns=["institution", "member"])
    member = series.drop_duplicates("institution").set_index("institution")["member"]
    member = member.reindex(world.ids).to_numpy(dtype=bool)
    return {"figures": saved, "world": world, "ties": launch, "member": member}


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _panels(fig, world) -> dict[str, plt.Axes]:
    """The topic panels of a network figure, by topic, in the order drawn."""
    by_label = {
        label: name for name, label in zip(world.topics.names, world.topics.labels, strict=True)
    }
    panels = {}
    for ax in fig.axes:
        label = ax.get_title().replace("\n", " ").split(":")[0]
        if label in by_label:
            panels[by_label[label]] = ax
    return panels


def _arrows(ax) -> list[FancyArrowPatch]:
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def _check_panels(fig, world, ties, expected_topics):
    panels = _panels(fig, world)
    assert list(panels) == expected_topics
    x, y = figures.positions(world)
    where = {i: (x[k], y[k]) for k, i in enumerate(world.ids)}
    for topic, ax in panels.items():
        mine = ties[ties["topic"] == topic]
        arrows = _arrows(ax)
        assert len(arrows) == len(mine), topic
        assert f"{len(mine)} ties" in ax.get_title().replace("\n", " "), topic
        drawn = sorted(tuple(np.round(np.ravel(a._posA_posB), 6)) for a in arrows)
        wanted = sorted(
            tuple(np.round([*where[learner], *where[host]], 6))
            for learner, host in zip(mine["learner"], mine["host"], strict=True)
        )
        assert drawn == wanted, f"{topic}: every arrow runs from a learner to its host"
    others = [ax for ax in fig.axes if ax not in panels.values()]
    assert not any(_arrows(ax) for ax in others), "the key and the legend draw no ties"


def test_the_run_map_has_one_panel_per_most_used_topic_and_one_arrow_per_tie(run):
    fig, world, ties = run["figures"]["figures/network.png"], run["world"], run["ties"]
    counts = ties["topic"].value_counts()
    expected = sorted(counts.index, key=lambda t: (-counts[t], world.topics.index(t)))[:6]
    assert len(counts) > 6, "the shipped world has more topics than panels: a real test"
    _check_panels(fig, world, ties, expected)
    assert any(f"{len(ties) - counts[expected].sum()} ties" in t for t in _texts(fig))


def test_no_title_of_a_run_or_a_comparison_shows_an_identifier_or_replication_jargon(
    run, tmp_path_factory
):
    compared, _ = _captured_run(
        tmp_path_factory, ["compare", "tpn_2021", "no_twinning", "--reps", "2"]
    )
    written = {**run["figures"], **{f"compare/{k}": v for k, v in compared.items()}}
    assert {"figures/network.png", "figures/trajectories.png"} <= set(written)
    assert {"compare/tpn_2021/figures/network.png", "compare/figures/effects.png"} <= set(written)
    for name, fig in written.items():
        titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
        for title in filter(None, titles):
            assert "tpn_2021" not in title and "replication 0" not in title, (name, title)
        underscores = [t for t in _texts(fig) if "_" in t]
        assert not underscores, (name, underscores)
    network = run["figures"]["figures/network.png"].get_suptitle()
    assert network.startswith("The TPN as run") and "one simulated programme" in network


def test_a_scenario_without_a_description_is_named_in_words():
    class Plain:
        name, description = "donor_exit_no_followup", ""

    assert figures.scenario_title(Plain()) == "donor exit no followup"


def _province_labels(fig, world) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().replace("\n", " ") in world.provinces]


def _marker_boxes(fig, renderer) -> list:
    """Display-space boxes of every institution marker of every axes."""
    boxes = []
    for ax in fig.axes:
        for points in ax.collections:
            if not isinstance(points, PathCollection) or not len(points.get_offsets()):
                continue
            centres = ax.transData.transform(points.get_offsets())
            sizes = np.broadcast_to(points.get_sizes(), len(centres))
            radii = np.sqrt(sizes) / 2 * fig.dpi / 72
            boxes += [
                (cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii, strict=True)
            ]
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _check_province_labels(fig, world, drawn: int | None = None):
    """Every province named once, inside its panel, over no institution of any panel (at least
    ``drawn`` of them, default all) and over no other name."""
    canvas = FigureCanvasAgg(fig)  # a saved figure is closed: draw it on a canvas of its own
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = _province_labels(fig, world)
    assert sorted(t.get_text().replace("\n", " ") for t in labels) == sorted(world.provinces)
    boxes = [t.get_window_extent(renderer).extents for t in labels]
    markers = _marker_boxes(fig, renderer)
    assert len(markers) >= (len(world) if drawn is None else drawn), "institutions are drawn"
    for text, box in zip(labels, boxes, strict=True):
        clashing = [m for m in markers if _overlap(box, m)]
        assert not clashing, f"{text.get_text()!r} lies over {len(clashing)} institution(s)"
        axes = text.axes.get_window_extent(renderer).extents
        inside = axes[0] <= box[0] and box[2] <= axes[2] and axes[1] <= box[1] and box[3] <= axes[3]
        assert inside, f"{text.get_text()!r} is cut off at its panel's edge"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), "two province names overlap"


def test_province_names_lie_over_no_institution_and_over_one_another(run):
    _check_province_labels(run["figures"]["figures/network.png"], run["world"])


def test_a_world_without_coordinates_gets_the_same_readable_map(run):
    world = run["world"]
    flat = dataclasses.replace(
        world, lon=np.full(len(world), np.nan), lat=np.full(len(world), np.nan)
    )
    fig = figures.network(run["ties"], flat, run["member"], "A world without coordinates")
    expected = figures.mapped_topics(run["ties"], flat)
    _check_panels(fig, flat, run["ties"], expected)
    _check_province_labels(fig, flat)
    assert any("one column per province" in t for t in _texts(fig))
    plt.close(fig)


def test_a_design_without_ties_draws_one_map_of_its_institutions_that_says_so(run):
    world = run["world"]
    fig = figures.network(run["ties"].iloc[:0], world, run["member"], "No twinning")
    assert "No twinning ties in this design" in [ax.get_title() for ax in fig.axes]
    assert not any(_arrows(ax) for ax in fig.axes)
    drawn = sum(
        len(c.get_offsets())
        for ax in fig.axes
        for c in ax.collections
        if isinstance(c, PathCollection)
    )
    assert drawn == len(world)
    assert not [t for t in _texts(fig) if "learner" in t.lower()], "no key to ties never drawn"
    _check_province_labels(fig, world)
    plt.close(fig)


def test_a_chosen_topic_without_ties_says_so_in_its_panel(run):
    world, ties = run["world"], run["ties"]
    fig = figures.network(
        ties[ties["topic"] != "anc"], world, run["member"], "t", ["accreditation", "anc"]
    )
    panels = _panels(fig, world)
    assert list(panels) == ["accreditation", "anc"]
    assert panels["anc"].get_title().endswith("no ties") and not _arrows(panels["anc"])
    assert len(_arrows(panels["accreditation"])) == (ties["topic"] == "accreditation").sum()
    plt.close(fig)


def _member(outcome) -> np.ndarray:
    series = outcome.arms[0].results.series.drop_duplicates("institution")
    return series.set_index("institution")["member"].reindex(outcome.world.ids).to_numpy(bool)


def test_the_dashboard_map_shows_the_chosen_topic_with_members_coloured(tpn):
    from analysis import dashboard_data as data
    from analysis import dashboard_figures as dfig

    outcome = data.run_designs([tpn], 2)
    ties = outcome.arms[0].results.ties
    launch = ties[(ties["replication"] == 0) & ties["formed_at_launch"]]
    fig = dfig.network(outcome, 0, "accreditation")
    world = outcome.world
    _check_panels(fig, world, launch, ["accreditation"])
    _check_province_labels(fig, world, (world.kind == "hospital").sum())  # mapped when drawn
    (panel,) = _panels(fig, world).values()
    members = world.kind == "hospital"
    coloured = [c for c in panel.collections if c.get_array() is not None]
    assert sum(len(c.get_offsets()) for c in coloured) == (members & _member(outcome)).sum()
    faces = np.concatenate([c.get_facecolors()[:, :3] for c in coloured])
    assert (faces.min(axis=1) < 0.9).all(), "members are filled with their gain's colour"
    assert any("gain from twinning" in t for t in _texts(fig))  # the colour bar's label
    title = fig.get_suptitle()
    assert title.startswith("Design A: tpn 2021") and "one simulated programme" in title
