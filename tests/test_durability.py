"""Nothing lost, nothing mixed: what a killed sweep keeps, the folder lock, dead leftovers,
and a scheduler that does not answer (issue: durable sweeps and a folder lock)."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from experiments.executors import DaskExecutor, make_executor
from experiments.folders import FolderLock, lock_path, remove_dead_partials
from experiments.store import SweepStore
from sim.errors import InputError
from tests.conftest import run_tpn

EXPERIMENT = (
    'base = "tpn_2021"\ndesign = "full_factorial"\nreplications = {replications}\nseed = 9\n'
    'outcomes = ["cbhi.causal_effect"]\n'
    "[factors.exchange_visits_per_year]\nlevels = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]\n"
    "[factors.virtual_share]\nlevels = [0.0, 0.25, 0.5, 0.75, 1.0]\n"
)  # 50 points: 200 runs at 4 replications, long enough to kill midway


def start_sweep(experiment: Path, out: Path, *options: str) -> subprocess.Popen:
    """`tpn sweep` in its own session (SIGINT and SIGKILL reach it as from a terminal)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis.cli.main",
            "sweep",
            str(experiment),
            "--out",
            str(out),
            *list(options),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def runs_reported(process: subprocess.Popen, at_least: int, timeout: float = 120) -> int:
    """Read the progress bar until it reports ``at_least`` finished runs; return the count."""
    stream = process.stderr.fileno()
    os.set_blocking(stream, False)
    seen, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the sweep ended early: {seen[-500:]}"
        with contextlib.suppress(BlockingIOError):
            seen += os.read(stream, 65536).decode(errors="replace")
        counts = [int(n) for n in re.findall(r"\| *(\d+)/\d+ ", seen)]
        if counts and counts[-1] >= at_least:
            return counts[-1]
        time.sleep(0.05)
    raise AssertionError(f"no progress to {at_least} runs: {seen[-500:]}")


@pytest.fixture()
def experiment(tmp_path) -> Path:
    path = tmp_path / "long.toml"
    path.write_text(EXPERIMENT.format(replications=4))
    return path


@pytest.fixture()
def long_experiment(tmp_path) -> Path:
    """2,000 runs: still running while other commands try the same folder."""
    path = tmp_path / "longer.toml"
    path.write_text(EXPERIMENT.format(replications=40))
    return path


def test_a_sigkilled_sweep_keeps_every_batch_that_had_returned(tmp_path, experiment):
    out = tmp_path / "killed"
    process = start_sweep(experiment, out, "--scheduler", "serial", "--batch-size", "2")
    reported = runs_reported(process, at_least=30)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    on_disk = len(SweepStore(out).finished_run_ids())
    # The bar moves after a batch is written; at most the batch in flight may be missing.
    assert on_disk >= reported - 2, f"{reported} runs reported, only {on_disk} on disk"
    resumed = run_tpn("sweep", str(experiment), "--out", str(out), "--quiet", "--resume")
    assert resumed.returncode == 0, resumed.stderr


def test_worker_processes_exit_when_the_sweep_is_killed(tmp_path, experiment):
    out = tmp_path / "orphans"
    process = start_sweep(experiment, out, "--scheduler", "processes:2", "--batch-size", "2")
    runs_reported(process, at_least=6)
    # forkserver workers are children of the forkserver, itself a child of the command
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) >= 2, "no worker processes seen"
    os.kill(process.pid, signal.SIGKILL)  # the command only, as the OOM killer would
    process.wait()
    _gone, alive = psutil.wait_procs(children, timeout=20)
    assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], (
        f"still running after their parent died: {[p.pid for p in alive]}"
    )


def test_a_second_writer_of_a_folder_is_refused_while_the_first_runs(tmp_path, long_experiment):
    experiment = long_experiment
    out = tmp_path / "shared"
    first = start_sweep(experiment, out, "--scheduler", "serial")
    try:
        runs_reported(first, at_least=2)
        second = run_tpn("sweep", str(experiment), "--out", str(out), "--force", "--quiet")
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr
        assert f"process {first.pid}" in lines[0] and str(out) in lines[0]
        run = run_tpn("run", "tpn_2021", "--reps", "2", "--out", str(out), "--force", "--quiet")
        assert run.returncode == 2 and f"process {first.pid}" in run.stderr
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGINT)
        first.wait(timeout=60)
    assert first.returncode == 130
    assert not lock_path(out).exists(), "the lock file outlived its command"


def test_a_lock_left_by_a_killed_command_is_not_in_the_way(tmp_path):
    out = tmp_path / "stale"
    lock_path(out).write_text("999999999 tpn run tpn_2021\n")  # a holder that no longer exists
    result = run_tpn("run", "tpn_2021", "--reps", "2", "--out", str(out), "--quiet", "--json")
    assert result.returncode == 0, result.stderr
    assert (out / "runs.csv").is_file()


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    with FolderLock(tmp_path / "x"), pytest.raises(InputError, match=f"process {os.getpid()}"):
        FolderLock(tmp_path / "x").acquire()
    with FolderLock(tmp_path / "x"):  # released: free again
        pass


def test_hidden_folders_of_dead_commands_are_removed_and_live_ones_kept(tmp_path):
    target = tmp_path / "result"
    dead = tmp_path / ".result.partial-999999999"
    live = tmp_path / f".result.partial-{os.getpid()}"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "runs.csv").write_text("x\n")
    remove_dead_partials(target)
    assert not dead.exists() and live.exists()


def test_a_killed_run_leaves_nothing_the_next_run_keeps(tmp_path):
    out = tmp_path / "run"
    leftover = tmp_path / ".run.partial-999999999"
    leftover.mkdir()
    result = run_tpn("run", "tpn_2021", "--reps", "2", "--out", str(out), "--quiet", "--json")
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_scheduler_that_does_not_answer_is_one_line_and_writes_nothing(tmp_path, experiment):
    out = tmp_path / "nowhere"
    started = time.monotonic()
    result = run_tpn(
        "sweep", str(experiment), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "tcp://127.0.0.1:1" in result.stderr and "scheduler" in result.stderr
    assert time.monotonic() - started < 25
    assert not out.exists() and not lock_path(out).exists()


def test_a_cluster_without_workers_says_so_and_times_out_as_asked(capsys, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr("experiments.executors.WORKER_CHECK_SECONDS", 0.5)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as cluster:
        executor = make_executor(cluster.scheduler_address, worker_timeout=1)
        assert isinstance(executor, DaskExecutor)
        with executor, pytest.raises(InputError, match="had none for"):
            list(executor.map(len, [[1, 2], [3]]))
    assert "has no workers" in capsys.readouterr().err


def test_an_output_folder_tpn_cannot_create_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    for command in (
        ["run", "tpn_2021", "--reps", "2", "--quiet", "--out", str(blocker / "run")],
        ["sweep", "experiments/visits_and_virtual.toml", "--quiet", "--out", str(blocker / "s")],
    ):
        result = run_tpn(*command)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert "--out" in result.stderr and "a place tpn can write" in result.stderr


def test_a_full_disk_is_one_line_not_a_traceback(monkeypatch, capsys):
    import errno

    from analysis.cli import main as cli

    def no_space(args):
        raise OSError(errno.ENOSPC, "No space left on device", "results/x/runs.csv")

    monkeypatch.setattr("analysis.cli.run.simulate_command", lambda args, refs: no_space(args))
    assert cli.main(["run", "tpn_2021", "--quiet"]) == 2
    assert capsys.readouterr().err == "tpn: error: results/x/runs.csv: No space left on device\n"


def test_a_scenario_that_is_a_folder_or_not_utf8_is_one_line(tmp_path):
    folder = tmp_path / "x.toml"
    folder.mkdir()
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'extends = "tpn_2021"\ndescription = "caf\xe9"\n')
    for path, expected in ((folder, "not a folder"), (latin, "UTF-8 text")):
        result = run_tpn("run", str(path), "--reps", "2", "--quiet", "--out", str(tmp_path / "o"))
        assert result.returncode == 2
        line = result.stderr.strip()
        assert "\n" not in line and expected in line and "tpn: error: tpn:" not in line
