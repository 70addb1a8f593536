"""Every bad input is refused at load with one line naming where it is (issue #14, items 5, 6,
8 and 10): non-finite or out-of-range numbers in scenario files, `--set` values and world CSVs,
broken rules between fields, a folder tpn cannot write, a full disk. Each case runs the `tpn`
command in-process, as a user would, and checks exit status 2, one line on stderr with the
expected fragments, and that no output folder (nor a hidden temporary one) is left behind."""

import errno
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.main import main
from sim.scenario import load_scenario, shipped_scenarios
from tests.conftest import RWANDA

EXTENDS = 'extends = "tpn_2021"\n'


def run_and_refuse(capsys, tmp_path: Path, args: list[str], fragments: list[str]) -> str:
    """`tpn ARGS --out OUT`: exit 2, one line naming the fragments, nothing written."""
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        code = main([*args, "--out", str(out)])
    except SystemExit as stop:  # a usage error, from argparse
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("tpn: error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no hidden partial or lock
    return err


# (scenario file body, fragments of the one-line error)
BAD_SCENARIOS = [
    # item 5: non-finite, too large, or breaking a rule between fields
    (
        "[design]\nexchange_visits_per_year = inf\n",
        ["design.exchange_visits_per_year = inf", "finite"],
    ),
    ("[design]\nexchange_visits_per_year = nan\n", ["exchange_visits_per_year = nan", "finite"]),
    ("[design]\nexchange_visits_per_year = 1e300\n", ["less than or equal to 10000"]),
    ("[context]\nnew_leader_commitment_concentration = inf\n", ["finite"]),
    ("[funding]\ndonor_budget_per_year = inf\n", ["funding.donor_budget_per_year = inf", "finite"]),
    ("[funding]\ncontinuation_visits_per_year = 1e300\n", ["less than or equal to 12"]),
    ("seed = 1e300\n", ["seed = 1e+300", "whole number"]),
    (
        "[schedule]\ncoaching_months = [0, 2, 30]\n",
        ["bad.toml: schedule.coaching_months = [0, 2, 30]", "0 to 17", "30 is not"],
    ),
    ("[schedule]\nvisit_window = [15, 3]\n", ["schedule.visit_window = [15, 3]", "first <= last"]),
    ("[schedule]\nvisit_window = [3, 40]\n", ["schedule.visit_window = [3, 40]", "0 to 17"]),
    ("[schedule]\nprovincial_event_months = [18]\n", ["schedule.provincial_event_months"]),
    ("[schedule]\nvirtual_event_months = [3, 20]\n", ["schedule.virtual_event_months"]),
    (
        "[design]\nprogramme_months = 100\n",
        ["design.programme_months = 100", "must end within horizon_months (24)"],
    ),
    ("[evaluation]\npinned_choosers = { cbhi = -1 }\n", ["pinned_choosers.cbhi = -1"]),
    # item 6: once tracebacks
    ("[evaluation]\nheadline_topics = []\n", ["headline_topics = []", "at least 1 value"]),
    ('[evaluation]\nheadline_topics = ["cbhi", "cbhi"]\n', ["each topic once"]),
    # item 8: the message points to the right place, in words
    ('start_date = "2021-4"\n', ["start_date = '2021-4'", "YYYY-MM"]),
    (
        "[desgn]\nx = 1\n",
        ["desgn = ", "sections: design, schedule, context, funding, evaluation"],
    ),
    ('[funding]\nfacilitation_base = "Atlantis"\n', ["funding.facilitation_base = 'Atlantis'"]),
]


@pytest.mark.parametrize(("body", "fragments"), BAD_SCENARIOS, ids=lambda v: str(v)[:40])
def test_a_bad_scenario_file_is_one_line_naming_file_field_and_value(
    capsys, tmp_path, body, fragments
):
    path = tmp_path / "bad.toml"
    path.write_text(EXTENDS + body)
    err = run_and_refuse(capsys, tmp_path, ["run", str(path), "--quiet"], fragments)
    assert str(path) in err
    assert "\\d" not in err  # no regular expression shown to the user


def test_a_non_utf8_scenario_file_names_the_byte(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(EXTENDS.encode() + b'description = "\xff"\n')
    run_and_refuse(capsys, tmp_path, ["run", str(path)], [f"{path}: encoding", "UTF-8 text"])


def test_extends_of_a_missing_file_names_the_file_and_extends(capsys, tmp_path):
    path = tmp_path / "child.toml"
    path.write_text('extends = "missing.toml"\n')
    run_and_refuse(
        capsys,
        tmp_path,
        ["run", str(path)],
        [f"{path}: extends = 'missing.toml': file not found ({tmp_path / 'missing.toml'})"],
    )


def test_a_folder_named_like_a_scenario_is_one_clean_error(capsys, tmp_path):
    folder = tmp_path / "x.toml"
    folder.mkdir()
    err = run_and_refuse(capsys, tmp_path, ["run", str(folder)], ["not a folder"])
    assert err.count("tpn:") == 1


@pytest.mark.parametrize(
    ("assignment", "fragments"),
    [
        (
            "exchange_visits_per_year=inf",
            ["--set: design.exchange_visits_per_year = inf", "finite"],
        ),
        (
            "horizon_months=1",
            ["--set: horizon_months = 1", "the programme (model months 4 to 21) must end"],
        ),
        (
            "programme_months=12",
            ["--set: design.programme_months = 12", "schedule.coaching_months", "12 is not"],
        ),
        ("visit_window=[15,3]", ["--set: schedule.visit_window = [15, 3]"]),
    ],
)
def test_a_bad_set_value_blames_set(capsys, tmp_path, assignment, fragments):
    err = run_and_refuse(capsys, tmp_path, ["run", "tpn_2021", "--set", assignment], fragments)
    assert "tpn_2021.toml" not in err and "{" not in err  # not the shipped file, nor a dump


def test_optimize_budget_nan_blames_budget(capsys, tmp_path):
    run_and_refuse(capsys, tmp_path, ["optimize", "--budget", "nan"], ["--budget", "'nan'"])


def test_sobol_samples_are_bounded_at_load(capsys, tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "sobol"\nsamples = 1e9\noutcomes = ["cbhi.causal_effect"]\n'
        "[factors.efficacy_coaching]\nrange = [0.1, 0.3]\n"
        "[factors.turnover_multiplier]\nrange = [0.5, 2.0]\n"
    )
    run_and_refuse(
        capsys,
        tmp_path,
        ["sensitivity", str(path)],
        ["samples = ", "less than or equal to 65536"],
    )


def test_pinning_more_choosers_than_members_says_so(capsys):
    """The run goes on with fewer (a shipped scenario must run on a 10-institution world),
    but with a one-line warning, not in silence."""
    assert main(["show", "tpn_2021", "--set", "pinned_choosers={accreditation=1000}"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tpn: warning: --set: ")
    assert "pinned_choosers.accreditation = 1000" in err and "25 member hospitals" in err


def _edit_csv(world: Path, file: str, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(world / file, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(world / file, index=False)


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "fragments"),
    [
        (
            "topics.csv",
            0,
            "secular_trend_per_year",
            "inf",
            ["secular_trend_per_year (row 2)", "finite"],
        ),
        ("topics.csv", 0, "secular_trend_per_year", "1e300", ["secular_trend_per_year (topic"]),
        (
            "topics.csv",
            0,
            "measurement_noise_sd",
            "1e300",
            ["measurement_noise_sd (topic", "width"],
        ),
        ("topics.csv", 0, "scale_max", "1e300", ["scale_max (row 2) = 1e+300", "between"]),
        ("topics.csv", 0, "choice_appeal", "-inf", ["choice_appeal (row 2)", "finite"]),
        ("topics.csv", 0, "baseline_mean", "500", ["baseline_mean (topic", "scale_min"]),
        ("topics.csv", 0, "topic", "", ["topics.csv: topic (row 2) = 'blank': a value"]),
        ("topics.csv", 0, "label", "  ", ["label (row 2) = 'blank'"]),
        ("costs.csv", 0, "value", "0", ["costs.csv: value (row 2, item exchange_rate) = 0"]),
        ("costs.csv", 1, "value", "inf", ["costs.csv: value (row 3) = 'inf'", "finite"]),
        ("costs.csv", 1, "item", "exchange_rate", ["costs.csv: item (row 3)", "each once"]),
        ("institutions.csv", 0, "leadership", "nan", ["leadership (row 2) = 'nan': a number"]),
        ("baseline.csv", 0, "value", "inf", ["baseline.csv: value (row 2", "finite"]),
    ],
)
def test_a_bad_world_file_is_one_line_naming_file_row_and_value(
    capsys, tmp_path, file, row, column, value, fragments
):
    world = tmp_path / "world"
    shutil.copytree(RWANDA, world)
    _edit_csv(world, file, row, column, value)
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'{EXTENDS}world = "{world}"\n')
    err = run_and_refuse(capsys, tmp_path, ["run", str(scenario)], fragments)
    assert str(world / file) in err


def _refuse_writes_under(monkeypatch, folder: Path) -> None:
    """The operating system refusing every write under ``folder``, as on a read-only folder
    (as root, which the tests may run as, chmod cannot make a folder read-only)."""

    def denied(path) -> bool:
        return str(path).startswith(str(folder))

    def guard(function, writes):
        def guarded(path, *args, **kwargs):
            if denied(path) and writes(args, kwargs):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return function(path, *args, **kwargs)

        return guarded

    def opens_to_write(args, kwargs) -> bool:
        mode = args[0] if args else kwargs.get("mode", "r")
        return isinstance(mode, str) and any(c in mode for c in "wax+")

    monkeypatch.setattr(os, "mkdir", guard(os.mkdir, lambda a, k: True))
    monkeypatch.setattr(
        os, "open", guard(os.open, lambda a, k: bool(a[0] & (os.O_WRONLY | os.O_RDWR)))
    )
    monkeypatch.setattr(io, "open", guard(io.open, opens_to_write))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    assert main(["run", "no_twinning", "--reps", "1", "--quiet", "--out", str(out)]) == 0
    return out


def _output_commands(finished_run: Path) -> dict[str, list[str]]:
    sweep = Path(__file__).resolve().parents[1] / "experiments" / "visits_and_virtual.toml"
    return {
        "run": ["run", "no_twinning", "--reps", "1", "--quiet"],
        "sweep": ["sweep", str(sweep), "--scheduler", "serial", "--quiet"],
        "report": ["report", str(finished_run)],
        "world": ["world"],
    }


@pytest.mark.parametrize("command", ["run", "sweep", "report", "world"])
def test_out_in_a_read_only_folder_is_one_line(
    capsys, monkeypatch, tmp_path, command, finished_run
):
    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_writes_under(monkeypatch, locked)
    args = _output_commands(finished_run)[command]
    out = locked / ("r.html" if command == "report" else "out")
    code = main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("tpn: error: ") and str(out) in err, err
    assert "partial" not in err and list(locked.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "report", "world"])
def test_a_full_disk_is_one_line_naming_the_output_and_leaves_nothing(
    capsys, monkeypatch, tmp_path, command, finished_run
):
    """A write that fails for want of space names no file: the error names --out, and the
    half-written output is removed."""

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", no_space)
    monkeypatch.setattr(Path, "write_text", no_space)
    out = tmp_path / ("r.html" if command == "report" else "out")
    code = main([*_output_commands(finished_run)[command], "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err == f"tpn: error: {out}: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("institutions", [10, 100])
def test_a_generated_world_runs_the_shipped_scenario_with_its_figures(
    capsys, tmp_path, institutions
):
    """Item 10: `tpn world --institutions N` then `tpn run` on it, figures included (a
    10-institution world once ended in an IndexError while drawing)."""
    world = tmp_path / "world"
    assert main(["world", "--out", str(world), "--institutions", str(institutions)]) == 0
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'{EXTENDS}world = "{world}"\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--reps", "2", "--quiet", "--out", str(out)]) == 0
    for figure in ("trajectories", "network"):
        assert (out / "figures" / f"{figure}.png").is_file(), figure
    for path in shipped_scenarios():  # every shipped scenario loads on it
        assert load_scenario(path, {"world": str(world)}).world == str(world)
