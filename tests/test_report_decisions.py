"""`tpn report` of decompose, optimize and calibrate folders (they used to be refused)."""

from tests.conftest import run_tpn


def test_a_decompose_folder_gets_a_report_of_its_parts(tmp_path):
    out = tmp_path / "decompose"
    made = run_tpn(
        "decompose",
        "tpn_2021",
        "--topic",
        "accreditation",
        "--reps",
        "4",
        "--out",
        str(out),
        "--quiet",
    )
    assert made.returncode == 0, made.stderr
    report = run_tpn("report", str(out))
    assert report.returncode == 0, report.stderr
    html = (out / "report.html").read_text()
    assert "What the evaluation measured for accreditation in tpn_2021" in html
    for part in ("Causal effect of twinning on choosers", "Regression to the mean"):
        assert part in html
    assert "% points" in html and "data:image/png;base64," in html


def test_an_optimize_folder_gets_a_report_of_its_best_plans(tmp_path):
    out = tmp_path / "optimize"
    made = run_tpn(
        "optimize",
        "--budget",
        "80000000",
        "--trials",
        "3",
        "--reps",
        "2",
        "--out",
        str(out),
        "--quiet",
    )
    assert made.returncode == 0, made.stderr
    report = run_tpn("report", str(out))
    assert report.returncode == 0, report.stderr
    html = (out / "report.html").read_text()
    assert "The best plans for a budget of 80,000,000 RWF" in html
    assert "visit_allocation" not in html.split("<h2")[-1], "a lever shown by its internal id"


def test_an_optuna_calibrate_folder_gets_a_report_of_its_best_trial(tmp_path):
    """Issue 14, item 12 (an ABC calibrate folder's report: tests/test_evidence.py)."""
    path, out = tmp_path / "cal.toml", tmp_path / "calibrate"
    path.write_text(
        'base = "tpn_2021"\nmethod = "optuna"\nseed = 2\n'
        "[optuna]\ntrials = 2\nreplications = 2\nensemble = 2\n"
        "[parameters.secular_trend_multiplier]\nrange = [0.2, 2.0]\n"
        '[targets.non_members]\noutcome = "accreditation.comparison_change"\n'
        "observed = 2.2\nsd = 0.3\n"
    )
    made = run_tpn("calibrate", str(path), "--out", str(out), "--scheduler", "serial", "--quiet")
    assert made.returncode == 0, made.stderr
    report = run_tpn("report", str(out))
    assert report.returncode == 0, report.stderr
    html = (out / "report.html").read_text()
    assert "tpn calibrate --method optuna: the best trial and its ensemble" in html
    assert "secular_trend_multiplier" in html or "secular trend multiplier" in html
    assert "data:image/png;base64," in html
