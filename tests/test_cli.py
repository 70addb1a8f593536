"""The `tpn` command as a user meets it: outputs, refusals and one-line errors."""

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.main import main
from tests.conftest import run_tpn


def test_run_writes_tables_series_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "tpn_2021", "--reps", "3", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "accreditation.causal_effect" in printed and "95% CI" in printed
    for name in (
        "runs.csv",
        "summary.csv",
        "series.parquet",
        "ties.csv",
        "activities.csv",
        "manifest.json",
        "scenario.json",
        "figures/trajectories.png",
        "figures/network.png",
    ):
        assert (out / name).is_file(), name
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["replication"]) == [0, 1, 2]
    series = pd.read_parquet(out / "series.parquet")
    assert {
        "month",
        "date",
        "institution",
        "topic",
        "competence",
        "indicator_measured",
        "indicator_without_twinning",
    } <= set(series.columns)
    assert series["month"].max() == 24
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run" and manifest["scheduler"] == "auto"
    assert manifest["replications"] == 3 and manifest["synthetic_world"] is True
    assert len(manifest["replication_seeds"]) == 3


def test_identical_seeds_give_identical_files(tmp_path):
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "dyad",
                    "--reps",
                    "2",
                    "--seed",
                    "5",
                    "--out",
                    str(tmp_path / name),
                    "--quiet",
                ]
            )
            == 0
        )
    for file in ("series.parquet", "runs.csv", "summary.csv", "ties.csv", "activities.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_run_refuses_to_overwrite_unless_forced(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", "no_twinning", "--reps", "1", "--out", str(out), "--quiet"]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"
    assert main(["run", "no_twinning", "--reps", "1", "--out", str(out), "--quiet", "--force"]) == 0
    assert not (out / "keep.txt").exists() and (out / "runs.csv").exists()


def test_compare_prints_means_and_paired_differences_as_json(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "tpn_2021",
            "no_twinning",
            "--reps",
            "4",
            "--out",
            str(out),
            "--quiet",
            "--json",
        ]
    )
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    effect = {(r["outcome"], r["scenario"]): r for r in records}
    network = effect[("accreditation.causal_effect", "tpn_2021")]
    none = effect[("accreditation.causal_effect", "no_twinning")]
    assert network["mean"] > 0 and none["mean"] == 0
    assert none["difference_vs_first"] == pytest.approx(-network["mean"])
    for figure in ("effects", "trajectories", "costs"):
        assert (out / "figures" / f"{figure}.png").is_file(), figure
    assert (out / "tpn_2021" / "series.parquet").is_file()
    assert (out / "comparison.csv").is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no_such_scenario"], "scenario = 'no_such_scenario'"),
        (["run", "tpn_2021", "--set", "virtual_share=2"], "--set: design.virtual_share = 2"),
        (["run", "tpn_2021", "--set", "warp_speed=1"], "parameter = 'warp_speed'"),
        (["run", "tpn_2021", "--reps", "0"], "not a positive whole number"),
        (["compare", "tpn_2021"], "at least two scenarios"),
        (["show", "tpn_2021", "--set", "design=mesh"], "design.design = 'mesh'"),
    ],
)
def test_bad_input_is_one_line_exit_2_no_traceback_nothing_written(tmp_path, args, expected):
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] in ("run", "compare") else []
    result = run_tpn(*args, *extra)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tpn: error: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_scenarios_lists_every_shipped_scenario_with_a_description():
    result = run_tpn("scenarios", "--json")
    names = {r["scenario"] for r in json.loads(result.stdout)}
    assert {
        "tpn_2021",
        "dyad",
        "no_twinning",
        "provincial_sessions",
        "covid_virtual",
        "high_turnover",
        "in_person_only",
    } <= names


def test_show_gives_every_parameter_its_unit_and_source(capsys):
    assert main(["show", "covid_virtual", "--json"]) == 0
    rows = {r["parameter"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["design.virtual_share"]["value"] == 0.8
    for row in rows.values():
        if row["parameter"] not in ("name", "description", "world"):
            assert row["unit"] and row["source"], row["parameter"]


def test_world_writes_a_template_that_loads(tmp_path):
    from sim.world import load_world

    assert main(["world", "--out", str(tmp_path / "w"), "--institutions", "40"]) == 0
    assert len(load_world(tmp_path / "w")) == 40


def test_a_world_with_distances_but_no_coordinates_runs_and_draws_its_network(tmp_path, capsys):
    from sim.world import load_world

    world = tmp_path / "w"
    assert main(["world", "--out", str(world)]) == 0
    table = pd.read_csv(world / "institutions.csv")
    table[["lat", "lon"]] = float("nan")
    table.to_csv(world / "institutions.csv", index=False)
    districts = list(dict.fromkeys(table["district"]))
    rows = [
        (a, b, 10.0 * abs(i - j))
        for i, a in enumerate(districts)
        for j, b in enumerate(districts)
        if i < j
    ]
    pd.DataFrame(rows, columns=["from", "to", "km"]).to_csv(world / "distances.csv", index=False)
    assert load_world(world).district_km is not None
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'extends = "tpn_2021"\nworld = "{world}"\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--reps", "2", "--out", str(out), "--quiet"]) == 0
    assert (out / "figures" / "network.png").is_file()


def test_compare_prints_the_summary_the_acceptability_curve_and_the_budget_impact(tmp_path, capsys):
    args = ["compare", "tpn_2021", "dyad", "--reps", "3", "--out", str(tmp_path / "c"), "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Summary\n")
    summary = out[: out.index("\n\n")]
    assert "tpn 2021 (network design) adds" in summary and "costs" in summary
    assert "RWF" in summary and "chance only" in summary
    assert "Cost-effectiveness frontier" in out and "extendedly dominated" in out
    assert "Cost-effectiveness acceptability" in out
    for wtp in ("25,000", "100,000", "500,000"):
        assert f"\n{wtp} " in out, wtp
    assert "Budget impact of tpn 2021 (network design)" in out and "Apr 2021 to Mar 2022" in out
    assert "donor leaves" in out
    assert out.index("Summary") < out.index("Every outcome (named as tpn outcomes")


def test_the_summary_names_scenarios_outcomes_and_payers_in_words_not_identifiers(tmp_path, capsys):
    """A Ministry official reads the summary first: no identifier (``tpn_2021``,
    ``no_twinning``, ``costs.total``, ``moh``) reaches any of its sentences (issue #12)."""
    out = tmp_path / "c"
    args = ["compare", "tpn_2021", "dyad", "no_twinning", "--reps", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    printed = capsys.readouterr().out
    sentences = printed[: printed.index("\n\n")].splitlines()[2:]  # after "Summary", "-------"
    assert len(sentences) > 3 and all(s.startswith("- ") for s in sentences), sentences
    for sentence in sentences:
        assert "_" not in sentence, sentence
        assert "costs." not in sentence and "gains." not in sentence, sentence
        assert "moh" not in sentence.lower(), sentence
    summary = "\n".join(sentences)
    assert "tpn 2021 (network design) adds" in summary and "dyad (dyad design)" in summary
    assert "no twinning (no programme)" in summary


SCENARIO_IDS = ("tpn_2021", "no_twinning")


def without_paths(text: str) -> str:
    """``text`` without its file paths (a word with a slash: "DIR/", "tpn_2021/figures/x.png",
    "calibration/tpn_2021.toml"): files keep the identifiers, and so may the paths to them."""
    return " ".join(word for word in text.split() if "/" not in word)


def visible_text(page: str) -> str:
    """What a reader of the report sees, but the provenance ("What was run": the command, the
    scenarios' identifiers and their files) and the footer (the folder's path): the tags,
    styles, scripts and embedded images left out, entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<section class="appendix provenance">.*?</section>', " ", page, flags=re.S)
    page = re.sub(r"<footer>.*?</footer>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_compare_output_and_its_report_name_scenarios_in_words_not_identifiers(tmp_path, capsys):
    """Issue #12: every line `tpn compare` prints and every visible part of its report names
    the scenarios in words ("tpn 2021 (network design)", "no twinning (no programme)"), but
    file paths and the report's provenance; the files keep the identifiers."""
    out = tmp_path / "c"
    args = ["compare", "tpn_2021", "dyad", "no_twinning", "--reps", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"Results written to {out}/" in printed
    for line in printed.splitlines():
        for name in SCENARIO_IDS:
            assert name not in without_paths(line), line
    assert "Budget impact of no twinning (no programme)" in printed
    assert "Difference to tpn 2021 (network design)" in printed
    # The files keep the identifiers.
    assert set(pd.read_csv(out / "comparison.csv")["scenario"]) == {
        "tpn_2021",
        "dyad",
        "no_twinning",
    }
    assert (out / "tpn_2021").is_dir() and (out / "no_twinning").is_dir()

    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    seen = without_paths(visible_text(page))
    assert "Budget impact of tpn 2021 (network design)" in seen and "Appendices" in seen
    for name in SCENARIO_IDS:
        assert name not in seen, seen[max(seen.find(name) - 200, 0) : seen.find(name) + 200]
    assert "<title>tpn 2021 vs dyad vs no twinning</title>" in page
    assert "tpn_2021" in page  # in the provenance: the command that made the folder


def test_compare_refuses_scenarios_on_different_worlds(tmp_path, world_copy):
    """Paired differences need the same institutions: two worlds are one line, exit 2."""
    other = tmp_path / "other.toml"
    shipped = Path(__file__).parents[1] / "scenarios" / "dyad.toml"
    other.write_text(f'extends = "{shipped}"\nname = "dyad_elsewhere"\nworld = "{world_copy}"\n')
    out = tmp_path / "out"
    result = run_tpn("compare", "tpn_2021", str(other), "--reps", "1", "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "world" in lines[0] and "one world for every scenario" in lines[0]
    assert not out.exists()


def test_two_scenarios_whose_words_read_the_same_keep_their_identifiers():
    """ "my_plan" and "my plan" would both read "my plan (network design)": a table keyed by
    the words would keep one column for the two, so the colliding ones keep identifiers."""
    from analysis.reporting import scenario_words

    shown = scenario_words(["my_plan", "my plan", "no_twinning"], ["network", "network", "none"])
    assert shown == {
        "my_plan": "my_plan",
        "my plan": "my plan",
        "no_twinning": "no twinning (no programme)",
    }
    assert len(set(shown.values())) == 3
