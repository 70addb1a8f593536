"""The cost-effectiveness acceptability curve as a figure: the table's values, drawn."""

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analysis import economics, economics_figures, style
from analysis.printables import printable_acceptability, whole_percentages
from analysis.results_folder import save_figure
from analysis.tables import format_value
from sim.outcome_registry import outcome

NAMES, DESIGNS = ["tpn_2021", "dyad", "covid_virtual"], ["network", "dyad", "network"]


def noisy_runs(replications: int = 60, seed: int = 3) -> pd.DataFrame:
    """Three designs whose ICERs (about 80,000 to 120,000 RWF a point) overlap across
    replications, so the curve crosses between 0% and 100%."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, gain, cost in zip(NAMES, (700, 550, 620), (62e6, 57e6, 50e6), strict=True):
        for r in range(replications):
            rows.append(
                {
                    "scenario": name,
                    "replication": r,
                    economics.GAIN: gain + 120 * rng.standard_normal(),
                    economics.COST: cost + 4e6 * rng.standard_normal(),
                }
            )
    return pd.DataFrame(rows)


def curve_lines(fig):
    """The figure's lines that carry a design (in the legend), by their label."""
    return {line.get_label(): line for line in fig.axes[0].get_lines()}


def test_the_figure_draws_the_tables_shares_in_percent_one_line_per_design():
    runs = noisy_runs()
    fig = economics_figures.acceptability_of_runs(runs, NAMES, DESIGNS)
    options = economics.with_no_twinning(NAMES, DESIGNS)
    table_curve = economics.acceptability_curve(runs, options)  # the table's prices
    printed = printable_acceptability(table_curve).set_index("RWF per institution-point")
    lines = curve_lines(fig)
    words = {n: economics_figures.option_words(n, d) for n, d in zip(NAMES, DESIGNS, strict=True)}
    words[economics.NO_TWINNING] = "no twinning"
    assert sorted(lines) == sorted(words.values())  # one line per option, named in words
    assert not [label for label in lines if "_" in label]
    crossing = False
    for wtp in economics.WTP_RWF_PER_POINT:
        drawn = {}
        for name in options:
            line = lines[words[name]]
            x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
            assert ((y >= 0) & (y <= 100)).all()  # percent, within 0-100
            (at,) = np.flatnonzero(np.isclose(x, wtp))
            expected = table_curve[(table_curve["wtp"] == wtp) & (table_curve["scenario"] == name)]
            assert y[at] == pytest.approx(100 * expected["probability_best"].iloc[0], abs=1e-9)
            assert at in line.get_markevery()  # the table's prices are marked
            drawn[name] = y[at]
        crossing |= 0 < max(drawn.values()) < 100
        # The table shows the same shares, in whole percentages adding up to 100.
        row = printed.loc[format_value(wtp, outcome(economics.COST))]
        cells = [int(str(row[name]).split("%")[0]) for name in options]
        assert cells == whole_percentages([drawn[n] / 100 for n in options])
        assert sum(cells) == 100
    assert crossing, "the case should have a price at which no design wins in every world"


def test_each_design_has_its_colour_and_two_of_one_design_a_different_dash():
    fig = economics_figures.acceptability_of_runs(noisy_runs(10), NAMES, DESIGNS)
    lines = curve_lines(fig)
    network = [lines["tpn 2021 (network design)"], lines["covid virtual (network design)"]]
    for line in network:
        assert to_hex(line.get_color()) == style.DESIGN_COLOURS["network"].lower()
    assert network[0].get_linestyle() != network[1].get_linestyle()
    assert to_hex(lines["dyad (dyad design)"].get_color()) == style.DESIGN_COLOURS["dyad"].lower()
    assert to_hex(lines["no twinning"].get_color()) == style.GREY.lower()
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "Willingness to pay per institution-point (RWF)" in texts
    assert "A point (x, y)" in texts and "10 replications (chance only)" in texts
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "100,000" in ticks and "500,000" in ticks  # thousands separators, no 1e5
    low, high = fig.axes[0].get_ylim()
    shown = [
        t.get_text() for t in fig.axes[0].get_yticklabels() if low <= t.get_position()[1] <= high
    ]
    assert shown[0] == "0%" and shown[-1] == "100%"  # the shares, in percent


def test_over_a_posterior_the_figure_counts_plausible_worlds():
    runs = noisy_runs(8).assign(draw=lambda f: f["replication"] // 2)
    fig = economics_figures.acceptability_of_runs(runs, NAMES, DESIGNS)
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "4 plausible worlds (posterior draws)" in texts


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory):
    from analysis.cli.main import main

    out = tmp_path_factory.mktemp("ceac") / "compare"
    args = ["compare", "tpn_2021", "dyad", "no_twinning", "--reps", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    return out


def _report(folder) -> str:
    from analysis.report.render import report_html

    return report_html(folder)


def _acceptability_part(html: str) -> str:
    start = html.index("Cost-effectiveness acceptability: which design is the best buy")
    return html[start : html.index("Budget impact: who pays", start)]


def test_the_compare_report_shows_the_curve_beside_its_table(compare_folder):
    part = _acceptability_part(_report(compare_folder))
    assert part.index("<table") < part.index('<img src="data:image/png;base64,')
    assert part.count("<img") == 1
    assert "Cost-effectiveness acceptability curve" in part and "A point (x, y)" in part
    assert "(figures/acceptability.png)" in part  # the folder's own figure


def test_a_folders_acceptability_png_is_shown_beside_the_table_and_only_there(
    compare_folder, tmp_path
):
    """Once tpn compare writes figures/acceptability.png, the report embeds that file (every
    figure of the folder once, as the report's tests ask) beside the table."""
    import shutil

    folder = tmp_path / "compare"
    shutil.copytree(compare_folder, folder)
    runs = pd.read_csv(folder / "runs.csv")
    designs = ["network", "dyad", "none"]
    names = ["tpn_2021", "dyad", "no_twinning"]
    path = folder / "figures" / f"{economics_figures.STEM}.png"
    save_figure(economics_figures.acceptability_of_runs(runs, names, designs), path)
    html = _report(folder)
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    assert html.count(encoded) == 1 and encoded in _acceptability_part(html)
    files = list(folder.glob("figures/*.png")) + list(folder.glob("*/figures/*.png"))
    assert html.count("data:image/png;base64,") == len(files)
    assert "(figures/acceptability.png)" in _acceptability_part(html)
    assert not re.search(r"no_twinning|tpn_2021", _acceptability_part(html).split("<img")[1])
