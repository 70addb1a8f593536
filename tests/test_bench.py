"""The benchmark runs and reports consistent figures (speed itself is never asserted here)."""

import json

import pytest

from experiments.bench import BareBoltzmannWealth, BoltzmannWealth
from tests.conftest import run_tpn


@pytest.mark.parametrize("model_class", [BoltzmannWealth, BareBoltzmannWealth])
def test_the_boltzmann_references_conserve_wealth_and_move_it(model_class):
    model = model_class(200, rng=3)
    for _ in range(20):
        model.step()
    wealth = [agent.wealth for agent in model.agents]
    assert sum(wealth) == 200
    assert min(wealth) == 0 and max(wealth) > 1


def test_tpn_bench_prints_its_figures_as_one_json_line():
    result = run_tpn("bench", "--json", "--quick")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for name in (
        "tpn_2021_run_ms",
        "tpn_2021_replication_with_counterfactual_ms",
        "tpn_2021_replications_per_second_1_core",
        "tpn_2021_replication_side_by_side_ms",
        "tpn_2021_replications_per_second_1_core_side_by_side",
        "tpn_2021_us_per_agent_step",
        "large_world_us_per_agent_step",
        "boltzmann_us_per_agent_step",
        "bare_boltzmann_us_per_agent_step",
    ):
        assert figures[name] > 0, name
    ratio = figures["large_world_us_per_agent_step"] / figures["boltzmann_us_per_agent_step"]
    assert figures["ratio_ours_to_boltzmann"] == pytest.approx(ratio, rel=0.01)
    per_second = 1e3 / figures["tpn_2021_replication_with_counterfactual_ms"]
    assert figures["tpn_2021_replications_per_second_1_core"] == pytest.approx(per_second, rel=0.01)
    per_second = 1e3 / figures["tpn_2021_replication_side_by_side_ms"]
    side_by_side = figures["tpn_2021_replications_per_second_1_core_side_by_side"]
    assert side_by_side == pytest.approx(per_second, rel=0.01)
    # 74 institutions x 24 months of the shipped world and scenario
    per_step = figures["tpn_2021_run_ms"] * 1e3 / (74 * 24)
    assert figures["tpn_2021_us_per_agent_step"] == pytest.approx(per_step, rel=0.01)
    assert figures["load_average_at_start"] >= 0
    assert figures["mesa"].startswith("3.")
