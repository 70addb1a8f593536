"""The planners' dashboard without a browser: Solara components rendered in-process
(``solara.render``, as Mesa tests ``SolaraViz``), and the computations behind them."""

import io
import json
import re
import socket
import time
import zipfile
from types import SimpleNamespace

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from solara.components.file_drop import FileDropZone

from analysis import dashboard_data as data
from analysis import dashboard_figures as dfig
from analysis import dashboard_tables as tab
from analysis.dashboard import Page, dashboard_command
from sim.errors import InputError

NUMBER_WITH_INTERVAL = re.compile(r"-?\d[\d,]*\.?\d* \[-?\d[\d,.e-]*, -?\d[\d,.e-]*\]")


@solara.component
def App():
    """The page in the app layout the Solara server gives it (sidebar, app bar)."""
    with solara.AppLayout():
        Page()


def _render():
    return solara.render(App(), handle_error=False)[1]


def _html(rc, ref: str, timeout: float = 60) -> str:
    found = rc.find(solara.widgets.HTML, meta_ref=ref).wait_for(timeout=timeout)
    return found.widget.unsafe_innerHTML


def _slider(rc, ref: str):
    return rc.find(v.Slider, meta_ref=ref).widget


def _wait(condition, timeout: float = 10) -> None:
    """The upload is handled in a thread: wait (bounded) until the page shows its effect."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not update in time"
        time.sleep(0.05)


def _drop(rc, name: str, content: bytes) -> None:
    """What the browser does when a file is dropped: announce it, then hand over its bytes."""
    zone = rc.find(FileDropZone).widget
    zone.get_files = lambda: [
        {"name": name, "size": len(content), "file_obj": io.BytesIO(content), "data": None}
    ]
    zone.file_info = [{"name": name, "size": len(content)}]


def test_page_renders_levers_with_units_and_ranges():
    rc = _render()
    rc.find(v.Btn, meta_ref="run").assert_single()
    assert rc.find(v.Select, meta_ref="a-design").widget.v_model == "network"
    virtual = _slider(rc, "a-virtual_share")
    assert (virtual.min, virtual.max, virtual.v_model) == (0, 1, 0.3)
    priorities = _slider(rc, "a-priorities_per_institution")
    assert (priorities.min, priorities.max) == (2, 5)
    captions = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "Share run virtually (share, 0–1)" in captions
    assert "Exchange-visit budget (visits/year" in captions
    rc.find(v.Alert, children=["Choose a scenario and levers on the left, then press Run."])


def test_changing_a_lever_and_running_gives_tables_with_numbers():
    rc = _render()
    _slider(rc, "run-replications").v_model = 3
    rc.find(v.Checkbox, meta_ref="compare").widget.v_model = True
    rc.find(v.Slider, meta_ref="b-virtual_share").wait_for(timeout=5)
    _slider(rc, "b-virtual_share").v_model = 0.8
    button = rc.find(v.Btn, meta_ref="run").widget
    assert "Run 3 replications of designs A and B" in button.children
    button.click()
    comparison = _html(rc, "tpn-comparison")
    assert "B − A [paired, 95% CI of the mean, chance only]" in comparison
    assert "design B is dyad with share run virtually 0.3 → 0.8" in _html(rc, "tpn-comparison-note")
    assert NUMBER_WITH_INTERVAL.search(comparison)
    assert "B − A:" in _html(rc, "tpn-keys")
    title = _html(rc, "tpn-results-title")  # designs named in words, not identifiers
    assert "A: tpn 2021 and B: dyad, changed" in title and "tpn_2021" not in title
    assert "acceptability curve" in _html(rc, "tpn-acceptability-note")
    rc.find(v.Tabs).widget.v_model = 2  # design B's own results, not only B − A
    headline = _html(rc, "tpn-headline-b")
    assert "Hospital accreditation" in headline
    assert NUMBER_WITH_INTERVAL.search(headline)
    assert "B: dyad, changed: share run virtually 0.3 → 0.8" in _html(rc, "tpn-design-b")
    activities = _html(rc, "tpn-activities-b")
    assert "Exchange visits" in activities and "Travel (person-days)" in activities


def _design_drawn(rc, letter: str) -> bool:
    """Whether a design's tab shows its figures (its heading then says where it starts from)."""
    found = rc.find(solara.widgets.HTML, meta_ref=f"tpn-design-{letter}").widgets
    return any("scenario" in w.unsafe_innerHTML for w in found)


def test_going_from_one_designs_tab_to_the_other_draws_the_other_and_a_new_run_redraws():
    """Tab A, then straight to tab B, then Run again on tab B: each time the page draws that
    design's figures. (A design's thread state is still FINISHED, for the design or outcome
    before, on the first render after a change: reading figures by it failed with a KeyError,
    and Chromium then waited for a trajectories figure that never came.)"""
    rc = _render()
    _slider(rc, "run-replications").v_model = 2
    rc.find(v.Checkbox, meta_ref="compare").widget.v_model = True
    rc.find(v.Slider, meta_ref="b-virtual_share").wait_for(timeout=5)
    run = rc.find(v.Btn, meta_ref="run").widget
    run.click()
    _html(rc, "tpn-comparison")
    rc.find(v.Tabs).widget.v_model = 1
    _wait(lambda: _design_drawn(rc, "a"), timeout=60)
    rc.find(v.Tabs).widget.v_model = 2
    _wait(lambda: _design_drawn(rc, "b"), timeout=60)
    first = rc.find(solara.widgets.HTML, meta_ref="tpn-results-note").widget.unsafe_innerHTML
    _slider(rc, "run-replications").v_model = 3
    run.click()
    _wait(lambda: "3 replications" in _html(rc, "tpn-results-note"), timeout=60)
    assert _html(rc, "tpn-results-note") != first
    _wait(lambda: _design_drawn(rc, "b"), timeout=60)


def test_invalid_uploaded_scenario_shows_one_line_error():
    rc = _render()
    _drop(rc, "my_rollout.toml", b'extends = "tpn_2021"\n[design]\nmatching_rule = "closest"\n')
    alert = rc.find(v.Alert, meta_ref="upload-error").wait_for(timeout=10).widget
    (message,) = alert.children
    assert message.startswith("my_rollout.toml: design.matching_rule = 'closest': must be")
    assert "\n" not in message and "Traceback" not in message and "tpn-upload-" not in message


def test_valid_upload_becomes_design_a():
    rc = _render()
    _drop(
        rc, "more_visits.toml", b'extends = "tpn_2021"\n[design]\nexchange_visits_per_year = 60\n'
    )
    select = rc.find(v.Select, meta_ref="a-scenario")
    _wait(lambda: _slider(rc, "a-exchange_visits_per_year").v_model == 60)
    assert select.widget.v_model == "more_visits (uploaded)"
    rc.find(v.Alert, meta_ref="upload-error").assert_empty()


def test_upload_errors_name_the_uploaded_file():
    with pytest.raises(InputError, match=r"^notes\.txt: file"):
        data.scenario_from_upload("notes.txt", b"")
    with pytest.raises(InputError, match=r"^broken\.toml: syntax"):
        data.scenario_from_upload("broken.toml", b"design = [")
    with pytest.raises(InputError, match=r"^latin1\.toml: encoding = 'byte 0xff at 0'"):
        data.scenario_from_upload("latin1.toml", b"\xff\xfe not utf-8")


def test_levers_come_from_params_metadata(tpn):
    specs = data.user_params(tpn, data.lever_values(tpn))
    assert specs["design"]["values"] == ["none", "dyad", "network", "provincial", "hub"]
    assert specs["matching_rule"]["values"] == ["best", "similar", "nearest"]
    assert (specs["turnover_multiplier"]["min"], specs["turnover_multiplier"]["max"]) == (0, 10)
    horizon = tpn.horizon_months - tpn.design.programme_start_month
    assert specs["programme_months"]["max"] == horizon
    assert specs["replications"]["capped"] and specs["replications"]["max"] == 100
    assert "visits/year" in specs["exchange_visits_per_year"]["label"]


def test_two_designs_share_seeds_and_differ_only_by_the_lever(tpn):
    values = data.lever_values(tpn, 3)
    same = data.run_designs([data.apply_levers(tpn, values)] * 2, 3)
    assert list(same.arms[0].results.runs["seed"]) == list(same.arms[1].results.runs["seed"])
    table = tab.comparison_table(same)
    assert set(table["B − A [paired, 95% CI of the mean, chance only]"]) <= {"0.00", "-"}
    virtual = data.apply_levers(tpn, {**values, "virtual_share": 0.9})
    assert data.changed_levers(virtual, tpn) == "share run virtually 0.3 → 0.9"
    outcome = data.run_designs([tpn, virtual], 3)
    assert tab.comparison_table(outcome)["_excludes_zero"].any()
    csv = data.series_csv(outcome).decode()
    assert csv.startswith("design,replication,month")
    assert data.series_parquet(outcome)[:4] == b"PAR1"


def test_the_posterior_switch_draws_shared_parameters_and_says_what_intervals_carry(
    tpn, posterior_file, monkeypatch
):
    monkeypatch.setattr(data, "SHIPPED_POSTERIOR", posterior_file)
    assert data.posterior_available()
    virtual = data.apply_levers(tpn, {**data.lever_values(tpn, 5), "virtual_share": 0.9})
    outcome = data.run_designs([tpn, virtual], 5, posterior=True)
    a, b = (arm.results.runs for arm in outcome.arms)
    assert a["draw"].tolist() == b["draw"].tolist() == [0, 0, 1, 1, 2]  # pairs of seeds
    assert a["seed"].tolist() == b["seed"].tolist()
    headline = tab.headline_table(outcome)
    assert "Mean [95% over plausible parameters]" in headline.columns
    assert "Variance from parameters" in headline.columns
    comparison = tab.comparison_table(outcome)
    assert "B − A [paired, 95% over plausible parameters]" in comparison.columns
    assert comparison.columns[-2] == "B − A [paired, 95% over plausible parameters]"  # last shown
    assert any("plausible worlds" in line for line in tab.beats_sentences(outcome))
    cards = tab.key_figures(outcome)
    assert any(card["interval"].startswith("95% over plausible parameters") for card in cards)


def test_without_an_installed_posterior_the_switch_is_off_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "SHIPPED_POSTERIOR", tmp_path / "none.parquet")
    switch = _render().find(v.Checkbox, meta_ref="posterior").widget
    assert switch.disabled and "none installed" in switch.label


def test_port_in_use_is_a_one_line_input_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = SimpleNamespace(host="127.0.0.1", port=port, no_browser=True)
        with pytest.raises(InputError, match=rf"^--port: port = {port}: a free port"):
            dashboard_command(args)


def test_every_shipped_value_lies_on_its_slider():
    """A slider snaps its value to its grid and clips it to its range: a value off either would
    silently run another scenario than the one chosen (turnover 0.886107 became 0.9)."""
    for name, scenario in data.shipped().items():
        specs = data.user_params(scenario, data.lever_values(scenario))
        for lever, spec in specs.items():
            if not spec["type"].startswith("Slider"):
                continue
            value, low, step = spec["value"], spec["min"], spec["step"]
            assert low <= value <= spec["max"], (name, lever, spec)
            steps = (value - low) / step
            assert abs(value - low - round(steps) * step) < 1e-9, (name, lever, spec)


def test_uploaded_value_beyond_the_slider_end_widens_the_slider():
    scenario = data.scenario_from_upload(
        "many.toml", b'extends = "tpn_2021"\n[design]\nexchange_visits_per_year = 200\n'
    )
    spec = data.user_params(scenario, data.lever_values(scenario))["exchange_visits_per_year"]
    assert (spec["value"], spec["max"]) == (200, 200)
    assert "0–200" in spec["label"]


def test_replications_slider_starts_at_two_with_a_plain_label(tpn):
    spec = data.user_params(tpn, data.lever_values(tpn))["replications"]
    assert spec["min"] == 2
    assert spec["label"] == "Replications per design (runs, 2–100)"


def test_one_replication_shows_no_empty_intervals_and_the_map_names_its_replication(tpn):
    """One replication has no interval (its ends are NaN): the cards must not print '- to -'.
    The map draws one simulated programme, the first of the downloads (their replication 0),
    and must say which, in words."""
    outcome = data.run_designs([tpn, tpn], 1)
    for card in tab.key_figures(outcome):
        assert "-" not in card["interval"] and "[" not in card["note"], card
    fig = dfig.network(outcome, 0, "accreditation")
    titles = [ax.get_title() for ax in fig.axes] + [fig._suptitle and fig._suptitle.get_text()]
    title = " ".join(t for t in titles if t)
    assert "one simulated programme (the first of the downloads)" in title
    assert "replication" not in title and "_" not in title


def test_the_dashboards_folder_download_is_what_tpn_compare_writes(tmp_path, capsys):
    """The same two scenarios, replications and seed give the same files, byte for byte, from
    the dashboard's download and from `tpn compare` (one writer: analysis.results_folder)."""
    from analysis.cli.main import main

    shipped = data.shipped()
    outcome = data.run_designs([shipped["tpn_2021"], shipped["dyad"]], 3)
    with zipfile.ZipFile(io.BytesIO(data.folder_zip(outcome))) as archive:
        archive.extractall(tmp_path / "download")
    downloaded = tmp_path / "download" / "tpn-results"
    compared = tmp_path / "compare"
    args = ["compare", "tpn_2021", "dyad", "--reps", "3", "--out", str(compared), "--quiet"]
    assert main(args) == 0
    capsys.readouterr()

    def files(folder):
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    assert files(downloaded) == files(compared)
    assert {"runs.csv", "comparison.csv", "figures/costs.png", "dyad/summary.csv"} <= set(
        files(compared)
    )
    for name in files(compared):
        if name.endswith((".csv", ".parquet", ".json")) and name != "manifest.json":
            assert (downloaded / name).read_bytes() == (compared / name).read_bytes(), name
    manifest = json.loads((downloaded / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and manifest["command"] == "tpn dashboard"
    assert manifest["scenarios"] == ["tpn_2021", "dyad"] and manifest["replications"] == 3


def test_levers_have_help_text_number_boxes_a_seed_and_reset():
    rc = _render()
    for lever in ("visit_allocation", "phasing", "host_capacity", "phase_interval_months"):
        rc.find(meta_ref=f"a-{lever}").assert_single()
    allocation = rc.find(v.Select, meta_ref="a-visit_allocation").widget
    assert allocation.v_model == "first come" and "largest gap" in allocation.items
    helps = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "Which partnerships get the scarce exchange visits." in helps  # from sim.params
    box = rc.find(v.TextField, meta_ref="a-exchange_visits_per_year-number").widget
    box.v_model = "90"
    box.fire_event("focusout", None)  # a number box sets its value when it loses focus
    _wait(lambda: _slider(rc, "a-exchange_visits_per_year").v_model == 90)
    assert rc.find(v.TextField, meta_ref="run-seed").widget.v_model == "2021"
    rc.find(v.Btn, meta_ref="a-reset").widget.click()
    _wait(lambda: _slider(rc, "a-exchange_visits_per_year").v_model == 30)


def test_moving_a_lever_does_not_redraw_the_results(monkeypatch):
    """The results read no lever: with results on the page, a slider move redraws the levers
    and the run panel only (it took 1.5-3 s when every move redrew every table)."""
    import analysis.dashboard as page

    rc = _render()
    _slider(rc, "run-replications").v_model = 2
    rc.find(v.Btn, meta_ref="run").widget.click()
    _html(rc, "tpn-results-note")
    drawn = []
    real = page.Results.f

    def counted(outcome):
        drawn.append(outcome)
        return real(outcome)

    monkeypatch.setattr(page.Results, "f", counted)
    _slider(rc, "a-virtual_share").v_model = 0.8
    _wait(
        lambda: "0.8" in " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    )
    rc.find(v.Alert, children=["The levers changed since this run: press Run to update."]).wait_for(
        timeout=10
    )
    assert drawn == []


def test_a_changed_design_is_named_for_its_change_and_its_file_reproduces_it(tmp_path, capsys):
    """``tpn_2021`` with 90 visits a year is "tpn_2021, changed: ...", in the results folder
    and report too; its scenario file, run with `tpn run`, gives the same runs exactly."""
    from analysis.cli.main import main

    shipped = data.shipped()
    base = shipped["tpn_2021"]
    values = {**data.lever_values(base, 3), "exchange_visits_per_year": 90.0, "seed": 11}
    design = data.apply_levers(base, values)
    assert design.name == "tpn_2021, changed: exchange-visit budget 30 → 90"
    outcome = data.run_designs([design], 3, bases=[base])
    assert outcome.arms[0].label == "A: tpn_2021, changed: exchange-visit budget 30 → 90"
    assert "tpn_2021, changed: exchange-visit budget 30 → 90" in data.report_html(outcome).decode()
    path = tmp_path / data.toml_filename(design, base)
    assert path.name == "tpn_2021-changed.toml"
    path.write_text(data.scenario_toml(design, base, set(shipped)))
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    capsys.readouterr()
    cli = pd.read_csv(tmp_path / "run" / "runs.csv").drop(columns="scenario")
    page = pd.read_csv(io.BytesIO(data.runs_csv(outcome))).drop(columns="scenario")
    pd.testing.assert_frame_equal(page, cli[page.columns])


def test_an_uploaded_design_is_written_out_in_full(tmp_path):
    """A design started from an upload cannot ``extends`` it: its file states every value."""
    from sim.scenario import load_scenario

    base = data.scenario_from_upload(
        "mine.toml", b'extends = "tpn_2021"\n[design]\nhost_capacity = 6\n'
    )
    design = data.apply_levers(base, {**data.lever_values(base, 2), "phasing": "by_province"})
    text = data.scenario_toml(design, base, set(data.shipped()))
    assert "extends" not in text and "host_capacity = 6" in text
    path = tmp_path / "mine-changed.toml"
    path.write_text(text)
    assert load_scenario(path).model_dump() == design.model_dump()


def test_figures_use_calendar_dates_words_and_colour_blind_safe_colours(tpn):
    """Every time axis in calendar months, no identifier with underscores in any text, only
    Okabe-Ito colours (and greys) for lines and bars, and no empty map for a design without
    ties."""
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    from analysis import style

    none = data.apply_levers(tpn, {**data.lever_values(tpn, 2), "design": "none"})
    outcome = data.run_designs([tpn, none], 2)
    figures = {
        "trajectories": dfig.trajectories(outcome, 0),
        "activities": dfig.activities_by_month(outcome, 0),
        "compared": dfig.compared_trajectories(outcome),
        "network": dfig.network(outcome, 0, "accreditation"),
        "effects": dfig.effects(outcome),
    }
    allowed = {c.lower() for c in (*style.OKABE_ITO.values(), style.GREY, style.LIGHT_GREY)}
    for name, fig in figures.items():
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        assert not [t for t in texts if "_" in t], (name, [t for t in texts if "_" in t])
        for ax in fig.axes:
            for line in ax.get_lines():
                colour = to_hex(line.get_color()).lower()
                assert colour in allowed or colour == "#000000", (name, colour)
            for bar in ax.patches:  # bars; the programme's shading is yellow, an Okabe-Ito
                if isinstance(bar, Rectangle) and bar.get_width():
                    colour = to_hex(bar.get_facecolor(), keep_alpha=False).lower()
                    assert colour in allowed, (name, colour)
    for name in ("trajectories", "activities", "compared"):
        ticks = [t.get_text() for t in figures[name].axes[0].get_xticklabels()]
        assert ticks[0] == "Apr 2021" and re.fullmatch(r"[A-Z][a-z]{2} \d{4}", ticks[-1])
    assert dfig.arm_figures(outcome, 0, "accreditation")["network-0"][:4] == b"\x89PNG"
    nothing = dfig.arm_figures(outcome, 1, "accreditation")
    assert nothing["network-1"] is None and nothing["activities-1"] is None
