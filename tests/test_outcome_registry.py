"""The outcome registry: every outcome a run computes is declared once, with words a person reads,
a unit and bounds the values keep, and nothing else may be asked of a run."""

import json
import math
from dataclasses import replace
from typing import get_args

import pytest

from analysis import tables
from analysis.cli.main import main
from experiments.calibration import load_calibration
from experiments.optimize import COST, GAIN, MAXIMISE_GAIN
from experiments.replicate import replication_seeds
from sim.activity_kinds import ACTIVITY_KINDS
from sim.errors import InputError
from sim.outcome_registry import (
    COMPARISON_OUTCOMES,
    TOPIC,
    OutcomeKind,
    outcome,
    outcome_names,
    registry,
)
from sim.payers import FUNDERS
from sim.runner import run_one
from sim.scenario import load_scenario
from sim.world import cached_world
from tests.conftest import run_tpn

BOUNDED_SCENARIOS = ("tpn_2021", "dyad", "donor_exit_no_followup", "no_twinning")


def _topics(scenario):
    return cached_world(scenario.world).topics


def test_a_run_computes_every_registered_outcome_and_only_those(tpn):
    computed = run_one(tpn, 11).outcomes
    declared = registry(_topics(tpn))
    assert set(computed) == set(declared)
    assert sorted(outcome_names(_topics(tpn).names)) == sorted(declared)


def test_no_run_computes_a_comparison_outcome(tpn):
    assert "costs.icer_vs_first" in COMPARISON_OUTCOMES
    assert not set(COMPARISON_OUTCOMES) & set(run_one(tpn, 11).outcomes)
    with pytest.raises(KeyError):
        outcome("costs.icer_vs_first")


@pytest.mark.parametrize("name", BOUNDED_SCENARIOS)
def test_every_value_lies_within_its_outcomes_bounds(name):
    """NaN only where the record says when a value is undefined."""
    scenario = load_scenario(name)
    records = registry(_topics(scenario))
    for seed in replication_seeds(5, 3):
        for key, value in run_one(scenario, seed).outcomes.items():
            record = records[key]
            if math.isnan(value):
                assert record.undefined_when, f"{name} seed {seed}: {key} is NaN"
                continue
            assert record.low is None or value >= record.low, (name, key, value)
            assert record.high is None or value <= record.high, (name, key, value)


def test_kinds_have_the_bounds_their_meaning_implies(tpn):
    records = [*registry().values(), *registry(_topics(tpn)).values()]
    for record in [*records, *COMPARISON_OUTCOMES.values()]:
        assert record.kind in get_args(OutcomeKind), record.name
        if record.kind in ("share", "probability"):
            assert (record.low, record.high) == (0.0, 1.0), record.name
        if record.kind == "count" or record.unit in ("RWF", "USD"):
            assert record.low == 0.0, record.name


def test_every_label_is_words_and_every_unit_is_given(tpn):
    records = [*registry().values(), *registry(_topics(tpn)).values()]
    for record in [*records, *COMPARISON_OUTCOMES.values()]:
        assert "_" not in record.label and "." not in record.label, record.label
        assert record.label[:1].isupper(), record.label
        assert record.unit.strip() and record.description.strip(), record.name


def test_per_topic_outcomes_take_the_unit_of_their_topic(tpn):
    topics = _topics(tpn)
    records = registry(topics)
    assert outcome(f"{TOPIC}.causal_effect").unit == "indicator points"
    assert records["accreditation.causal_effect"].unit == "% points"
    assert records["accreditation.causal_effect"].topic == "accreditation"
    assert records["accreditation.causal_effect"].declared_name == f"{TOPIC}.causal_effect"
    assert records["accreditation.choosers"].unit == "institutions"
    in_days = replace(topics, units=("days",) * len(topics))
    assert registry(in_days)["cbhi.difference"].unit == "days"
    assert outcome("cbhi.difference", in_days).unit == "days"


def test_unknown_names_are_not_outcomes(tpn):
    for name in ("happiness.mean", "network", "accreditation.nonsense"):
        with pytest.raises(KeyError):
            outcome(name)
    with pytest.raises(KeyError):
        outcome("nowhere.causal_effect", _topics(tpn))


def test_every_activity_kind_and_payer_has_its_outcomes():
    declared = registry()
    for kind in ACTIVITY_KINDS:
        assert declared[f"activities.{kind.name}"].label == f"{kind.label} held"
        assert f"costs.{kind.name}" in declared
        assert (f"activities.{kind.name}_virtual" in declared) == kind.can_be_virtual
    for funder in FUNDERS:
        assert declared[f"costs.{funder}"].unit == "RWF"


def test_tables_and_the_optimiser_name_registered_outcomes_and_read_their_direction(tpn):
    topics = _topics(tpn)
    assert set(tables.headline_outcomes(topics.names)) <= set(registry(topics))
    assert MAXIMISE_GAIN is True and outcome(GAIN).higher_is_better is True
    assert outcome(COST).higher_is_better is False


def test_tpn_outcomes_lists_every_record_and_what_only_compare_computes(capsys):
    assert main(["outcomes", "--json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(listed) == set(registry()) | set(COMPARISON_OUTCOMES)
    effect = listed[f"{TOPIC}.causal_effect"]
    assert (effect["label"], effect["unit"], effect["kind"]) == (
        "Causal effect of twinning on choosers",
        "indicator points",
        "amount",
    )
    assert listed["costs.icer_vs_first"]["computed_by"] == "tpn compare"
    assert listed["costs.total"]["computed_by"] == "every run"


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "frontier"])
def test_an_experiment_naming_an_outcome_no_run_computes_is_refused_at_load(tmp_path, command):
    """Before the fix every run failed with KeyError and a results folder was left behind."""
    path = tmp_path / "icer.toml"
    path.write_text(
        'base = "tpn_2021"\ndesign = "full_factorial"\n'
        'outcomes = ["costs.total", "costs.icer_vs_first"]\n'
        "[factors.virtual_share]\nlevels = [0.3]\n"
    )
    out = tmp_path / "out"
    result = run_tpn(command, str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "icer.toml: outcomes = 'costs.icer_vs_first'" in result.stderr
    assert "an outcome a run computes (see `tpn outcomes`)" in result.stderr
    assert not out.exists()


def test_a_calibration_target_no_run_computes_is_refused(tmp_path):
    path = tmp_path / "fit.toml"
    path.write_text(
        'base = "tpn_2021"\n[parameters.efficacy_coaching]\nrange = [0.1, 0.3]\n'
        '[targets.price]\noutcome = "costs.icer_vs_first"\nobserved = 1.0\nsd = 1.0\n'
    )
    with pytest.raises(InputError) as error:
        load_calibration(path)
    assert "targets.price.outcome = 'costs.icer_vs_first'" in str(error.value)
    path.write_text(
        'base = "tpn_2021"\n[parameters.efficacy_coaching]\nrange = [0.1, 0.3]\n'
        '[targets.gain]\noutcome = "cbhi.causal_effect"\nobserved = 1.0\nsd = 1.0\n'
        '[predictions]\noutcomes = ["costs.icer_vs_first"]\n'
    )
    with pytest.raises(InputError) as error:
        load_calibration(path)
    assert "predictions.outcomes = 'costs.icer_vs_first'" in str(error.value)
