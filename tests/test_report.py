"""`tpn report`: one self-contained HTML file for every kind of results folder tpn writes."""

import base64
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.report import report_html
from analysis.report.assumptions import plain_value
from analysis.tables import format_number
from sim.scenario import SCENARIO_DIR
from tests.conftest import run_tpn

SWEEP = """
name = "small_sweep"
description = "Visits by virtual share, small"
base = "tpn_2021"
design = "full_factorial"
replications = 2
seed = 7
outcomes = ["accreditation.causal_effect", "network.ties_per_host"]

[factors.exchange_visits_per_year]
levels = [0, 60]

[factors.virtual_share]
levels = [0.0, 0.8]
"""

MORRIS = """
name = "small_morris"
description = "Morris screening, small"
base = "tpn_2021"
design = "morris"
samples = 2
replications = 1
seed = 3
outcomes = ["accreditation.causal_effect", "cbhi.causal_effect"]

[factors.efficacy_exchange_visit]
range = [0.2, 0.6]

[factors.turnover_multiplier]
range = [0.5, 2.0]

[factors.self_analysis_gain]
range = [0.0, 0.06]
"""


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One small real results folder of each kind, written by the CLI."""
    root = tmp_path_factory.mktemp("results")
    (root / "sweep.toml").write_text(SWEEP)
    (root / "morris.toml").write_text(MORRIS)
    commands = {
        "run": ["run", "tpn_2021", "--reps", "3"],
        "compare": ["compare", "tpn_2021", "dyad", "no_twinning", "--reps", "2"],
        "sweep": ["sweep", str(root / "sweep.toml"), "--scheduler", "serial"],
        "sensitivity": ["sensitivity", str(root / "morris.toml"), "--scheduler", "serial"],
        "validate": ["validate", "--reps", "12"],
    }
    for kind, command in commands.items():
        assert main([*command, "--out", str(root / kind), "--quiet"]) == 0, kind
    return {kind: root / kind for kind in commands}


def report(folder: Path, *extra: str) -> str:
    assert main(["report", str(folder), *extra]) == 0
    out = folder / "report.html"
    assert out.is_file()
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "sensitivity", "validate"])
def test_report_is_self_contained_with_every_figure_embedded(folders, kind, capsys):
    folder = folders[kind]
    (folder / "report.html").unlink(missing_ok=True)
    html = report(folder)
    assert "report.html" in capsys.readouterr().out
    for forbidden in ("http://", "https://", 'src="/', "<script", "<link"):
        assert forbidden not in html, forbidden
    figures = sorted(folder.glob("figures/*.png")) + sorted(folder.glob("*/figures/*.png"))
    if kind != "sweep":
        assert figures, "the folder should have figures to embed"
    for figure in figures:
        encoded = base64.b64encode(figure.read_bytes()).decode("ascii")
        assert f"data:image/png;base64,{encoded}" in html, figure.name
    assert html.count("data:image/png;base64,") == len(figures)
    assert "@media print" in html and "break-inside: avoid" in html
    manifest = json.loads((folder / "manifest.json").read_text())
    environment = manifest["environment"]
    for version in (environment["tpn-sim"], environment["mesa"], environment["numpy"]):
        assert version in html
    assert environment["git_commit"] in html
    assert "Synthetic baseline data" in html  # the shipped Rwanda world is synthetic
    assert not list(folder.glob(".report.html.partial*"))


def test_run_report_shows_headline_intervals_provenance_and_assumptions(folders):
    folder = folders["run"]
    html = report(folder, "--force")
    summary = pd.read_csv(folder / "summary.csv").set_index("outcome")
    effect = summary.loc["accreditation.causal_effect"]
    assert "tpn_2021" in html
    assert (
        f"{format_number(effect['mean'])} [{format_number(effect['ci_low'])}, "
        f"{format_number(effect['ci_high'])}]" in html
    )
    assert f"{format_number(effect['p2_5'])} to {format_number(effect['p97_5'])}" in html
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] in html
    assert str(manifest["replication_seeds"][0]) in html
    assert "Assumptions in plain language" in html
    assert "Design levers" in html and "Context assumptions" in html
    assert "host capacity" in html and "mentees per host" in html  # assumption, value, unit
    assert "staff per visit" not in html  # a published value, not an assumption
    if (SCENARIO_DIR / "calibration" / "tpn_2021.toml").is_file():
        assert "Fitted to the evaluation" in html  # the calibrated values keep their source


def test_compare_report_shows_means_and_paired_differences(folders):
    folder = folders["compare"]
    html = report(folder, "--force")
    table = pd.read_csv(folder / "comparison.csv")
    row = table[(table["scenario"] == "dyad") & (table["outcome"] == "accreditation.causal_effect")]
    row = row.iloc[0]
    for name in ("tpn_2021", "dyad", "no_twinning"):
        assert name in html
    assert "Difference to tpn 2021 (network design)" in html
    assert format_number(row["mean"]) in html
    assert (
        f"{format_number(row['difference_vs_first'])} [{format_number(row['difference_ci_low'])}, "
        f"{format_number(row['difference_ci_high'])}]" in html
    )


def test_sweep_report_shows_each_point_and_the_factors(folders):
    folder = folders["sweep"]
    html = report(folder, "--force")
    summary = pd.read_csv(folder / "summary.csv")
    assert "small_sweep" in html and "Visits by virtual share, small" in html
    for value in summary["accreditation.causal_effect.mean"]:
        assert format_number(value) in html
    assert "exchange_visits_per_year" in html and "levels 0, 60" in html


def test_sensitivity_report_sorts_factors_by_importance(folders):
    folder = folders["sensitivity"]
    html = report(folder, "--force")
    indices = pd.read_csv(folder / "indices.csv")
    mu_star = indices[
        (indices["index"] == "mu_star") & (indices["outcome"] == "accreditation.causal_effect")
    ].sort_values("value", ascending=False)
    section = html[html.index("Morris indices of accreditation.causal_effect") :]
    section = section[: section.index("</table>")]
    positions = [section.index(f"<td>{factor}</td>") for factor in mu_star["factor"]]
    assert positions == sorted(positions)
    assert format_number(mu_star["value"].iloc[0]) in section


def test_validate_report_labels_predictions_apart_from_targets(folders):
    folder = folders["validate"]
    html = report(folder, "--force")
    targets = pd.read_csv(folder / "targets.csv")
    predictions = pd.read_csv(folder / "predictions.csv")
    assert "Fitted targets" in html and "Predictions (not fitted)" in html
    assert html.index("Fitted targets") < html.index("Predictions (not fitted)")
    for observed in targets["observed"]:
        assert format_number(observed) in html
    after = html[html.index("Predictions (not fitted)") :]
    assert predictions["prediction"].iloc[0] in after
    assert "model was never fitted to" in after


def test_report_html_writes_nothing_and_out_and_force_work(folders, tmp_path):
    folder = folders["run"]
    before = sorted(p.name for p in folder.iterdir())
    html = report_html(folder)
    assert html.startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in folder.iterdir()) == before
    out = tmp_path / "elsewhere" / "run.html"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == html
    out.write_text("old")
    assert main(["report", str(folder), "--out", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == html


def test_compare_subfolder_is_reported_as_a_run(folders, tmp_path):
    out = tmp_path / "dyad.html"
    assert main(["report", str(folders["compare"] / "dyad"), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "dyad" in html and "Headline outcomes" in html


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tpn: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_missing_folder_is_a_one_line_error_and_writes_nothing(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    err = one_line_error(capsys, ["report", str(missing)])
    assert "nowhere" in err and "does not exist" in err
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


def test_folder_not_written_by_tpn_is_refused(tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    err = one_line_error(capsys, ["report", str(folder)])
    assert "a folder written by tpn run, compare, sweep, sensitivity" in err
    assert sorted(p.name for p in folder.iterdir()) == ["readme.txt"]


def test_incomplete_results_folder_is_refused(folders, tmp_path, capsys):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "comparison.csv").write_text((folders["compare"] / "comparison.csv").read_text())
    err = one_line_error(capsys, ["report", str(folder)])
    assert "manifest.json" in err
    assert not (folder / "report.html").exists()


def test_existing_report_is_kept_without_force(folders, capsys):
    folder = folders["validate"]
    out = folder / "report.html"
    out.write_text("keep me")
    err = one_line_error(capsys, ["report", str(folder)])
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "keep me"
    assert not list(folder.glob(".report.html.partial*"))


def _damaged(folders, tmp_path, kind: str, damage) -> Path:
    folder = tmp_path / kind
    shutil.copytree(folders[kind], folder)
    (folder / "report.html").unlink(missing_ok=True)
    damage(folder)
    return folder


def _drop_key(path: Path, section: str, key: str) -> None:
    data = json.loads(path.read_text())
    del data[section][key]
    path.write_text(json.dumps(data))


DAMAGES = {
    "garbled summary": (
        "run",
        lambda f: (f / "summary.csv").write_text("garbage\n"),
        "summary.csv",
    ),
    "empty summary": ("run", lambda f: (f / "summary.csv").write_text(""), "summary.csv"),
    "scenario without design": (
        "run",
        lambda f: _drop_key(f / "scenario.json", "design", "design"),
        "design.design",
    ),
    "indices without columns": (
        "sensitivity",
        lambda f: (f / "indices.csv").write_text("outcome,index\n"),
        "indices.csv",
    ),
    "compare without a scenario": ("compare", lambda f: shutil.rmtree(f / "dyad"), "dyad"),
    "run without runs.csv": ("run", lambda f: (f / "runs.csv").unlink(), "runs.csv"),
    "run without series": ("run", lambda f: (f / "series.parquet").unlink(), "series.parquet"),
    "run without figures": ("run", lambda f: shutil.rmtree(f / "figures"), "figures"),
}


@pytest.mark.parametrize("case", list(DAMAGES))
def test_damaged_or_incomplete_folder_is_a_one_line_error_naming_the_file(folders, tmp_path, case):
    kind, damage, named = DAMAGES[case]
    folder = _damaged(folders, tmp_path, kind, damage)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    done = run_tpn("report", str(folder))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("tpn: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert named in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_folders_kind_is_read_from_its_manifest_not_guessed_from_its_files(folders, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(folders["run"], folder)
    (folder / "report.html").unlink(missing_ok=True)
    for marker in ("targets.csv", "indices.csv", "points.parquet", "comparison.csv"):
        (folder / marker).write_text("")  # files another kind of folder holds
    html = report_html(folder)
    assert "tpn run: replications of one scenario" in html and "Headline outcomes" in html


def _set_manifest(folder: Path, **fields) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, **fields}))


def test_a_kind_the_report_does_not_describe_is_refused(folders, tmp_path, capsys):
    folder = _damaged(folders, tmp_path, "run", lambda f: _set_manifest(f, kind="frontier"))
    err = one_line_error(capsys, ["report", str(folder)])
    assert "manifest.json: kind = 'frontier'" in err and "tpn run, compare, sweep" in err


def test_a_manifest_without_kind_is_a_one_line_error(folders, tmp_path, capsys):
    def forget_kind(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        del manifest["kind"]
        (folder / "manifest.json").write_text(json.dumps(manifest))

    folder = _damaged(folders, tmp_path, "compare", forget_kind)
    err = one_line_error(capsys, ["report", str(folder)])
    assert "manifest.json: kind" in err


def test_unfinished_sensitivity_is_resumed_with_tpn_sensitivity(folders, tmp_path, capsys):
    def unfinish(folder: Path) -> None:
        (folder / "indices.csv").unlink()
        manifest = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))

    folder = _damaged(folders, tmp_path, "sensitivity", unfinish)
    err = one_line_error(capsys, ["report", str(folder)])
    assert "`tpn sensitivity FILE" in err and "tpn sweep" not in err


def test_assumptions_say_not_set_and_write_large_numbers_out():
    assert plain_value(None) == "not set"
    assert plain_value(2.5e8) == "250,000,000"
    assert plain_value(250_000_000) == "250,000,000"
    assert plain_value(0.886107) == "0.8861"


def test_run_report_has_no_none_values(folders):
    html = report_html(folders["run"])
    assert "None RWF" not in html and "not set" in html and "250,000,000 RWF/year" in html


def test_a_compare_report_with_a_posterior_says_what_its_intervals_carry_and_who_wins(
    posterior_file, tmp_path
):
    out = tmp_path / "compare"
    args = ["compare", "tpn_2021", "dyad", "--posterior", str(posterior_file), "--draws", "3"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    html = report(out)
    assert "Mean [95% over plausible parameters] per scenario" in html
    assert "Which scenario to choose, over the plausible worlds" in html
    assert (
        "tpn 2021 (network design) beats dyad (dyad design) on causal gain summed over members"
        in html
    )
    assert "chance dyad (dyad design) beats tpn 2021 (network design)" in html
    assert "expected loss: dyad (dyad design)" in html
    assert "does not shrink with more runs" in html  # how to read the interval


def test_a_validate_report_with_a_posterior_shows_the_predictive_check_and_patterns(
    posterior_file, tmp_path
):
    out = tmp_path / "validate"
    args = ["validate", "--posterior", str(posterior_file), "--draws", "3", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    html = report(out)
    assert html.index("Posterior predictive check") < html.index("Patterns the evaluation reported")
    assert "ties counted half" in html
    assert "z-test significant at 5%" in html
    assert "drawing their parameters from posterior.parquet (3 sets x 2 seeds)" in html


def _internal_ids() -> list[str]:
    """Every outcome name a folder's files use for the shipped topics, and the unit slips."""
    from sim.outcome_registry import COMPARISON_OUTCOMES, outcome_names
    from sim.scenario import load_scenario
    from sim.world import cached_world

    topics = cached_world(load_scenario("tpn_2021").world).topics.names
    return [*outcome_names(topics), *COMPARISON_OUTCOMES, "1 visits", "none programme months"]


def test_a_compare_report_opens_with_the_plain_language_summary_and_keeps_ids_in_the_appendix(
    folders,
):
    html = report(folders["compare"], "--force")
    body = html[html.index("<body>") :]
    first = body.index("<h2>")
    assert body[first:].startswith("<h2>Summary</h2>")
    summary = body[first : body.index("</section>", first)]
    assert "adds" in summary and "institution-points" in summary and "costs" in summary
    assert "paid" in summary and "the donor" in summary
    assert "chance only" in summary  # how sure, and of what
    assert 'src="data:image/png;base64,' in summary  # the one chart that carries it
    main_part, appendix = body.split('id="appendices"', 1)
    stripped = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", main_part)
    for name in _internal_ids():
        assert name not in stripped, name
    assert "accreditation.causal_effect" in appendix  # the full table, under the files' names
    assert "What was run" in appendix and "Assumptions in plain language" in appendix
    assert "Cost-effectiveness acceptability" in main_part and "Budget impact of" in main_part
    assert '<a href="data_dictionary.csv">' in html
    assert "size: A4" in html and "table.assumptions { table-layout: fixed" in html


def test_every_column_of_every_file_in_a_results_folder_is_in_the_data_dictionary(folders):
    folder = folders["compare"]
    dictionary = pd.read_csv(folder / "data_dictionary.csv", keep_default_na=False)
    listed = set(zip(dictionary["file"], dictionary["column"], strict=True))
    for path in [*folder.glob("*.csv"), *folder.glob("*/*.csv"), *folder.glob("*/*.parquet")]:
        name = path.relative_to(folder).as_posix()
        if name in ("data_dictionary.csv",):
            continue
        columns = (
            pd.read_parquet(path).columns
            if path.suffix == ".parquet"
            else pd.read_csv(path).columns
        )
        for column in columns:
            assert (name, column) in listed, (name, column)
    assert (dictionary["label"] != "").all() and (dictionary["description"] != "").all()
    effect = dictionary[dictionary["column"] == "accreditation.causal_effect"].iloc[0]
    assert effect["label"] == "Causal effect of twinning on choosers"


def test_assumptions_say_one_visit_and_none_without_a_unit():
    from analysis.report.assumptions import with_unit

    assert with_unit("1", " visits/year per partnership") == "1 visit/year per partnership"
    assert with_unit("none", " programme months") == "none"
    assert with_unit("2", " months") == "2 months"
