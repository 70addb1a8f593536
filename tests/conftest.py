"""Shared fixtures: the shipped scenario, models run to the horizon, and a copy of the world."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
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


# A small posterior sample in the shape `tpn calibrate --method abc` writes (bare parameter
# names and a weight), with values far apart so that a run shows which set it drew.
TEST_POSTERIOR = {
    "turnover_multiplier": [0.5, 1.0, 1.5, 2.0],
    "efficacy_coaching": [0.10, 0.20, 0.30, 0.15],
    "secular_trend_multiplier": [0.6, 1.0, 1.4, 0.8],
    "weight": [0.1, 0.2, 0.3, 0.4],
}


@pytest.fixture(scope="session")
def posterior_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("posterior") / "posterior.parquet"
    pd.DataFrame(TEST_POSTERIOR).to_parquet(path, index=False)
    return path
