"""Policies across uncertainties: paired design points, robustness metrics, scenario discovery."""

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.discovery import discover, evaluate_condition
from experiments.design import POLICY, UNCERTAINTY_POINT, make_design
from experiments.robustness import PairedValues, paired_values, regret, robustness_table
from experiments.spec import load_experiment
from experiments.sweep import tasks_of
from sim.errors import InputError
from tests.conftest import run_tpn

HEAD = 'base = "tpn_2021"\noutcomes = ["accreditation.causal_effect", "costs.total"]\n'
TWO_POLICIES = (
    '[[policies]]\nname = "network"\nscenario = "tpn_2021"\n'
    '[[policies]]\nname = "dyad"\nscenario = "dyad"\n'
)
TURNOVER = "[uncertainties.turnover_multiplier]\nrange = [0.5, 2.0]\n"


def paired(values: dict[str, list[float]], outcome: str) -> PairedValues:
    """Paired values of one outcome, a column per policy, a row per uncertainty point."""
    frame = pd.DataFrame(values)
    frame.columns = pd.MultiIndex.from_product([list(values), [outcome]])
    points = pd.DataFrame({"x": np.arange(len(frame), dtype=float)})
    return PairedValues(frame, points, pd.Series(1, index=frame.index), tuple(values), (outcome,))


def test_prim_finds_the_box_where_the_condition_holds_exactly():
    """The condition holds exactly when a < 0.3 and b > 0.6; c is noise."""
    rng = np.random.default_rng(3)
    factors = pd.DataFrame(rng.uniform(size=(600, 3)), columns=["a", "b", "c"])
    holds = (factors["a"] < 0.3) & (factors["b"] > 0.6)
    boxes, trajectories = discover(factors, holds, resamples=0)
    box = boxes[0]
    limits = {limit["factor"]: limit for limit in box.limits}
    assert set(limits) == {"a", "b"}
    assert limits["a"]["side"] == "high" and limits["a"]["high"] == pytest.approx(0.3, abs=0.03)
    assert limits["b"]["side"] == "low" and limits["b"]["low"] == pytest.approx(0.6, abs=0.03)
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert trajectories[0]["chosen"].sum() == 1


def test_regret_is_zero_for_the_best_policy_at_every_point_and_positive_otherwise():
    rng = np.random.default_rng(1)
    values = pd.DataFrame(rng.normal(size=(50, 4)), columns=["a", "b", "c", "d"])
    for more_is_better, best in ((True, values.idxmax(axis=1)), (False, values.idxmin(axis=1))):
        shortfall = regret(values, more_is_better)
        assert (shortfall >= 0).all().all()
        for point, policy in best.items():
            assert shortfall.loc[point, policy] == 0
        assert ((shortfall > 0).sum(axis=1) == 3).all()


def test_regret_and_worst_case_equal_hand_computed_values():
    # Two points: a is best at the second, b at the first.
    table = robustness_table(paired({"a": [1.0, 5.0], "b": [3.0, 2.0]}, "cbhi.causal_effect"))
    rows = table.set_index("policy")
    assert rows.loc["a", "regret_mean"] == pytest.approx(1.0)  # (2 + 0) / 2
    assert rows.loc["a", "regret_max"] == pytest.approx(2.0)
    assert rows.loc["b", "regret_mean"] == pytest.approx(1.5)  # (0 + 3) / 2
    assert rows.loc["b", "regret_max"] == pytest.approx(3.0)
    assert rows.loc["a", "worst"] == 1.0 and rows.loc["b", "worst"] == 2.0
    assert rows["minimax_regret"].to_dict() == {"a": True, "b": False}
    assert rows.loc["b", "vs_first"] == pytest.approx(-0.5)
    assert rows.loc["b", "beats_first"] == pytest.approx(0.5)
    # Less is better for a cost: the regret runs the other way, the worst is the highest.
    costs = robustness_table(paired({"a": [1.0, 5.0], "b": [3.0, 2.0]}, "costs.total"))
    rows = costs.set_index("policy")
    assert rows.loc["a", "regret_max"] == pytest.approx(3.0)
    assert rows.loc["b", "regret_max"] == pytest.approx(2.0)
    assert rows.loc["a", "worst"] == 5.0 and rows.loc["b", "cost"] == pytest.approx(2.5)


def test_the_domain_criterion_counts_the_points_that_meet_the_threshold():
    values = {"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 4.0, 4.0, 0.0]}
    gains = robustness_table(
        paired(values, "cbhi.causal_effect"), thresholds={"cbhi.causal_effect": 3.0}
    )
    assert gains.set_index("policy")["meets"].to_dict() == {"a": 0.5, "b": 0.75}  # >= 3
    costs = robustness_table(paired(values, "costs.total"), thresholds={"costs.total": 3.0})
    assert costs.set_index("policy")["meets"].to_dict() == {"a": 0.75, "b": 0.25}  # <= 3


def test_a_replication_one_policy_lost_is_left_out_for_every_policy():
    runs = pd.DataFrame(
        {
            UNCERTAINTY_POINT: [0, 0, 0, 0],
            POLICY: ["a", "b", "a", "b"],
            "replication": [0, 0, 1, 1],
            "status": ["ok", "ok", "ok", "failed"],
            "x": [0.5, 0.5, 0.5, 0.5],
            "cbhi.causal_effect": [1.0, 2.0, 9.0, np.nan],
        }
    )
    result = paired_values(runs, ("a", "b"), ("cbhi.causal_effect",), ["x"])
    assert result.of("cbhi.causal_effect").iloc[0].to_dict() == {"a": 1.0, "b": 2.0}
    assert result.replications.iloc[0] == 1


def test_every_policy_meets_the_same_context_and_seeds_at_each_point(tmp_path):
    path = tmp_path / "paired.toml"
    path.write_text(
        HEAD
        + 'design = "latin_hypercube"\nsamples = 5\nreplications = 2\n'
        + TWO_POLICIES
        + TURNOVER
    )
    experiment, base = load_experiment(path)
    assert experiment.policies[1].levers["design"] == "dyad"
    design = make_design(experiment, base)
    tasks = tasks_of(design, experiment.replications, experiment.seed)
    rows = pd.DataFrame(
        [{**task.keys, **{f"in.{k}": str(v) for k, v in task.inputs.items()}} for task in tasks]
    )
    assert len(rows) == 5 * 2 * 2
    for _, group in rows.groupby([UNCERTAINTY_POINT, "replication"]):
        assert sorted(group[POLICY]) == ["dyad", "network"]
        assert group["seed"].nunique() == 1 and group["turnover_multiplier"].nunique() == 1
    assert set(rows.loc[rows[POLICY] == "dyad", "in.design"]) == {"dyad"}
    assert "in.design" in rows and rows.loc[rows[POLICY] == "network", "in.design"].isna().all()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('design = "latin_hypercube"\n' + TWO_POLICIES, "uncertainties = 'missing'"),
        (
            'design = "latin_hypercube"\n'
            + TWO_POLICIES
            + "[uncertainties.virtual_share]\nrange = [0, 1]\n",
            "uncertainties = 'virtual_share': a context assumption",
        ),
        (
            'design = "full_factorial"\n'
            + TWO_POLICIES
            + "[uncertainties.turnover_multiplier]\nlevels = [0.5, 2.0]\n",
            "design = 'full_factorial': latin_hypercube or sobol with policies",
        ),
        (
            'design = "latin_hypercube"\n[[policies]]\nname = "network"\n'
            '[[policies]]\nname = "hot"\nscenario = "high_turnover"\n' + TURNOVER,
            "it also sets context.turnover_multiplier",
        ),
        (
            'design = "latin_hypercube"\n[[policies]]\nname = "network"\n'
            '[[policies]]\nname = "dyad"\nlevers = { design = "dyadic" }\n' + TURNOVER,
            "policies.dyad: design.design = 'dyadic'",
        ),
        (
            'design = "latin_hypercube"\n[[policies]]\nname = "network"\n'
            '[[policies]]\nname = "hot"\nlevers = { turnover_multiplier = 2 }\n' + TURNOVER,
            "policies.hot.levers = 'turnover_multiplier': a lever",
        ),
        (
            'design = "latin_hypercube"\n[[policies]]\nname = "net work"\n' + TURNOVER,
            "policies.0.name = 'net work': a word",
        ),
        (
            'design = "latin_hypercube"\n[[policies]]\nname = "network"\n' + TURNOVER,
            "at least two policies",
        ),
        ('design = "latin_hypercube"\n' + TURNOVER, "[[policies]] to compare across them"),
        (
            'design = "latin_hypercube"\nposterior = true\n[factors.virtual_share]\nrange = [0, 1]\n',
            "posterior = True: an experiment with policies",
        ),
    ],
)
def test_a_bad_policies_or_uncertainties_declaration_is_one_line_exit_2_no_folder(
    tmp_path, capsys, body, expected
):
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + body)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and expected in error and "bad.toml" in error, error
    assert not out.exists()


def test_a_condition_may_name_only_outcomes_of_policies():
    table = pd.DataFrame(
        {"a.cbhi.causal_effect": [1.0, -1.0, 2.0], "b.cbhi.causal_effect": [0.0, 0.0, np.nan]}
    )
    holds = evaluate_condition("a.cbhi.causal_effect - b.cbhi.causal_effect < 0", table)
    assert holds.to_dict() == {0: False, 1: True}  # the point without a value is left out
    for expression, message in (
        ("c.cbhi.causal_effect < 0", "name = 'c.cbhi.causal_effect'"),
        ("abs(a.cbhi.causal_effect) < 1", "name = 'abs'"),
        ("__import__('os').system('true')", "name = '__import__'"),
        ("a.cbhi.causal_effect @ 2", "only"),
        ("a.cbhi.causal_effect + 1", "true or false at each point"),
    ):
        with pytest.raises(InputError, match=message.replace("(", r"\(")):
            evaluate_condition(expression, table)


def test_sweep_robust_discover_report_end_to_end(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(
        HEAD
        + 'design = "latin_hypercube"\nsamples = 12\nreplications = 1\nseed = 3\n'
        + TWO_POLICIES
        + TURNOVER
        + "[uncertainties.efficacy_exchange_visit]\nrange = [0.1, 0.5]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--scheduler", "serial", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["robust", str(out), "--threshold", "accreditation.causal_effect=2"]) == 0
    printed = capsys.readouterr().out
    # People read outcomes and metrics in words with units, never ids or column names.
    assert "Causal effect of twinning on choosers (accreditation), indicator points" in printed
    assert "Cash cost of all activities, RWF" in printed and "largest regret" in printed
    assert "accreditation.causal_effect" not in printed and "regret_max" not in printed
    table = pd.read_csv(out / "robustness" / "robustness.csv")
    assert set(table["policy"]) == {"network", "dyad"} and "meets" in table
    assert (out / "robustness" / "figures" / "regret-accreditation.causal_effect.png").is_file()
    # A threshold in the middle of the network's values: the condition holds at some points only.
    per_point = pd.read_csv(out / "robustness" / "per_point.csv")
    regrets = per_point[["network.regret.costs.total", "dyad.regret.costs.total"]]
    assert (regrets.min(axis=1) == 0).all() and (regrets.max(axis=1) > 0).all()
    middle = per_point["network.accreditation.causal_effect"].median()
    condition = f"network.accreditation.causal_effect > {middle}"
    assert (
        main(["discover", str(out), "--where", condition, "--name", "high", "--resamples", "2"])
        == 0
    )
    found = json.loads((out / "discoveries" / "high" / "discovery.json").read_text())
    assert found["expression"] == condition and found["points"] == 12
    assert 0 < found["cases"] < 12
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    text = html.unescape((out / "report.html").read_text().replace("<wbr>", ""))
    assert "How each policy holds up" in text and condition in text
    assert found["sentence"] in text


def test_robust_refuses_a_folder_that_is_not_a_sweep_of_policies(tmp_path):
    result = run_tpn("robust", str(tmp_path))  # as a user runs it: exit 2, no traceback
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "manifest.json" in result.stderr


def test_the_shipped_experiment_compares_four_designs_across_context_assumptions():
    experiment, base = load_experiment(Path("experiments/robust_designs.toml"))
    designs = {
        policy.name: policy.levers.get("design", base.design.design)
        for policy in experiment.policies
    }
    assert designs == {
        "network": "network",
        "dyad": "dyad",
        "provincial": "provincial",
        "hub": "hub",
    }
    assert all(factor.range is not None for factor in experiment.uncertainties.values())


def test_a_posterior_gives_each_uncertainty_point_one_parameter_set_for_every_policy(tmp_path):
    pd.DataFrame(
        {
            "efficacy_coaching": [0.1, 0.2, 0.3],
            "turnover_multiplier": [0.7, 1.0, 1.4],
            "weight": [1.0, 1.0, 1.0],
        }
    ).to_parquet(tmp_path / "posterior.parquet")
    path = tmp_path / "drawn.toml"
    path.write_text(
        HEAD
        + 'design = "latin_hypercube"\nsamples = 6\nposterior = "posterior.parquet"\n'
        + TWO_POLICIES
        + "[uncertainties.efficacy_coaching]\nrange = [0.5, 0.6]\n"
    )
    experiment, base = load_experiment(path)
    points = make_design(experiment, base).table()
    # The posterior's turnover becomes one more uncertain factor; coaching keeps its range.
    assert set(points["turnover_multiplier"]) <= {0.7, 1.0, 1.4}
    assert points["efficacy_coaching"].between(0.5, 0.6).all()
    for _, group in points.groupby(UNCERTAINTY_POINT):
        assert len(group) == 2 and group["turnover_multiplier"].nunique() == 1


def test_policies_run_only_through_sweep(tmp_path, capsys):
    path = tmp_path / "policies.toml"
    path.write_text(HEAD + 'design = "sobol"\nsamples = 2\n' + TWO_POLICIES + TURNOVER)
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "an experiment without policies for `tpn sensitivity`" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
