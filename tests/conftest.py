"""Shared fixtures: the shipped scenario, models run to the horizon, and a copy of the world."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from experiments.replicate import replication_seeds
from sim.model import TwinningModel
from sim.params import Scenario
from sim.runner import run_one, simulate
from sim.scenario import SCENARIO_DIR, load_scenario

RWANDA = SCENARIO_DIR / "worlds" / "rwanda"


@pytest.fixture(scope="session")
def tpn() -> Scenario:
    return load_scenario("tpn_2021")


@pytest.fixture(scope="session")
def tpn_model(tpn) -> TwinningModel:
    return simulate(tpn, seed=7)


@pytest.fixture()
def world_copy(tmp_path) -> Path:
    """A writable copy of the Rwanda world, for tests that break a file on purpose."""
    target = tmp_path / "world"
    shutil.copytree(RWANDA, target)
    return target


def run_tpn(*args: str) -> subprocess.CompletedProcess:
    """The `tpn` command in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def with_changes(scenario: Scenario, **overrides) -> Scenario:
    """The scenario with parameters replaced by bare name (validated)."""
    return TwinningModel(scenario, rng=0, **overrides).params


def outcome_over_seeds(scenario: Scenario, outcome: str, seeds: int = 30) -> np.ndarray:
    """One outcome for replications 0..seeds-1 of the scenario's root seed."""
    return np.array(
        [run_one(scenario, seed).outcomes[outcome] for seed in replication_seeds(99, seeds)]
    )
