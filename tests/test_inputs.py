"""Bad input gets one line naming the file, the field, the value and what is allowed."""

import numpy as np
import pytest

from sim.errors import InputError
from sim.model import TwinningModel
from sim.runner import run_one
from sim.scenario import load_scenario, shipped_scenarios
from sim.world import load_world
from tests.conftest import RWANDA, run_tpn


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_runs(path):
    scenario = load_scenario(path)
    assert scenario.description
    model = TwinningModel(scenario, rng=1)
    while model.running:
        model.step()
    assert model.steps == scenario.horizon_months


def test_the_rwanda_world_has_the_thirty_districts_and_the_evaluations_hospitals():
    world = load_world(RWANDA)
    dhmt = world.kind == "dhmt"
    assert dhmt.sum() == 30
    assert sorted(set(world.province)) == [
        "Eastern",
        "Kigali City",
        "Northern",
        "Southern",
        "Western",
    ]
    assert "Nyamagabe" in set(world.district[dhmt]) and "Gicumbi" in set(world.district[dhmt])
    hospital = world.kind == "hospital"
    assert (hospital & world.member).sum() == 25 and (hospital & ~world.member).sum() == 19
    assert world.synthetic
    cbhi = world.baseline[dhmt, world.topics.index("cbhi")]
    assert 78 < cbhi.mean() < 88


def test_a_scenario_extends_another_and_overrides_a_few_values():
    covid = load_scenario("covid_virtual")
    base = load_scenario("tpn_2021")
    assert covid.design.virtual_share == 0.8
    assert covid.design.exchange_visits_per_year == base.design.exchange_visits_per_year
    assert covid.name == "covid_virtual"


def test_overrides_by_bare_or_dotted_name():
    scenario = load_scenario("tpn_2021", {"virtual_share": 0.5, "context.turnover_multiplier": 2})
    assert scenario.design.virtual_share == 0.5
    assert scenario.context.turnover_multiplier == 2


@pytest.mark.parametrize(
    ("body", "field", "allowed"),
    [
        (
            'extends = "tpn_2021"\n[design]\nvirtual_shares = 0.5\n',
            "design.virtual_shares",
            "unknown key",
        ),
        (
            'extends = "tpn_2021"\n[design]\npriorities_per_institution = 7\n',
            "design.priorities_per_institution",
            "less than or equal to 5",
        ),
        ('extends = "tpn_2021"\n[design]\ndesign = "mesh"\n', "design.design", "'network'"),
        (
            'extends = "tpn_2021"\n[context]\nturnover_multiplier = "high"\n',
            "context.turnover_multiplier",
            "number",
        ),
        (
            'extends = "tpn_2021"\n[evaluation]\nheadline_topics = ["malaria"]\n',
            "evaluation.headline_topics",
            "topic of the world",
        ),
        ('extends = "tpn_2021"\nhorizon_months = 22\n', "horizon_months", "endline_month"),
        (
            'extends = "tpn_2021"\n[design]\npriorities_range = [4, 2]\n',
            "design.priorities_range",
            "fewest <= most",
        ),
        (
            'extends = "tpn_2021"\n[design]\npriorities_range = [2, 3]\n'
            "priorities_per_institution = 3.5\n",
            "design.priorities_per_institution",
            "within priorities_range [2, 3]",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nlaunch_sessions = 0\n',
            "schedule.launch_sessions",
            "greater than or equal to 1",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nvirtual_coaching_months = [5]\n',
            "schedule.virtual_coaching_months",
            "among coaching_months [0, 2, 12]",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nvirtual_event_months = [3, -1]\n',
            "schedule.virtual_event_months.1",
            "greater than or equal to 0",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nvirtual_event_topics = -1\n',
            "schedule.virtual_event_topics",
            "greater than or equal to 0",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nprovincial_event_joins = { Eastern = "Atlantis" }\n',
            "schedule.provincial_event_joins",
            "a province of the world (Kigali City, Eastern",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\n'
            'provincial_event_joins = { "Kigali City" = "Eastern", Eastern = "Northern" }\n',
            "schedule.provincial_event_joins",
            "the second joining nobody",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nco_design_teams = { clinic = 3 }\n',
            "schedule.co_design_teams.clinic",
            "'dhmt' or 'hospital'",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nco_design_teams = { hospital = 0 }\n',
            "schedule.co_design_teams.hospital",
            "greater than or equal to 1",
        ),
        (
            'extends = "tpn_2021"\n[schedule]\nco_design_months_before_launch = 0\n',
            "schedule.co_design_months_before_launch",
            "greater than or equal to 1",
        ),
        ('extends = "nowhere"\n', "scenario", "shipped scenario"),
        ("this is = not toml =\n", "syntax", "valid TOML"),
    ],
)
def test_bad_scenarios_name_file_field_value_and_what_is_allowed(tmp_path, body, field, allowed):
    path = write(tmp_path / "bad.toml", body)
    with pytest.raises(InputError) as caught:
        TwinningModel(load_scenario(path), rng=0)
    message = str(caught.value)
    assert "\n" not in message
    assert field in message and allowed in message
    assert str(tmp_path) in message or "bad.toml" in message


def test_a_scenario_that_extends_itself_is_refused(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b"\n')
    write(tmp_path / "b.toml", 'extends = "a"\n')
    with pytest.raises(InputError, match=r"a\.toml: extends = 'a\.toml -> b\.toml -> a\.toml'"):
        load_scenario(tmp_path / "a.toml")


def test_the_error_blames_the_file_that_set_the_value(tmp_path):
    write(tmp_path / "parent.toml", 'extends = "tpn_2021"\n[design]\nhost_capacity = 0\n')
    write(tmp_path / "child.toml", 'extends = "parent"\n')
    with pytest.raises(InputError, match=r"parent\.toml: design\.host_capacity = 0"):
        load_scenario(tmp_path / "child.toml")


@pytest.mark.parametrize(
    ("file", "edit", "expected"),
    [
        (
            "institutions.csv",
            lambda t: t.replace(",setting,", ",place,"),
            "missing column(s): setting",
        ),
        (
            "institutions.csv",
            lambda t: t.replace("DHMT-Huye,Huye DHMT,dhmt", "DHMT-Huye,Huye DHMT,clinic"),
            "kind (row",
        ),
        (
            "institutions.csv",
            lambda t: t.replace(
                ",Kigali City,public,urban,1,", ",Kigali City,public,urban,yes,", 1
            ),
            "member (row 2) = 'yes': one of 0, 1",
        ),
        (
            "baseline.csv",
            lambda t: t.replace("DHMT-Gasabo,cbhi,83.95,", "DHMT-Gasabo,cbhi,n/a,", 1),
            "value (row 2) = 'n/a': a number",
        ),
        (
            "baseline.csv",
            lambda t: t.replace("DHMT-Gasabo,anc,", "DHMT-Gasabo,malaria,", 1),
            "topic (row 3) = 'malaria'",
        ),
        (
            "baseline.csv",
            lambda t: "\n".join(t.splitlines()[:-1]) + "\n",
            "a baseline value for every institution",
        ),
        (
            "topics.csv",
            lambda t: t.replace(
                "accreditation,Hospital accreditation,hospital,Level-2 accreditation score,%,0,100,100",
                "accreditation,Hospital accreditation,hospital,Level-2 accreditation score,%,0,100,120",
            ),
            "ceiling (topic accreditation) = 120",
        ),
    ],
)
def test_bad_world_files_name_file_field_value_and_what_is_allowed(
    world_copy, file, edit, expected
):
    path = world_copy / file
    path.write_text(edit(path.read_text()))
    with pytest.raises(InputError) as caught:
        load_world(world_copy)
    assert expected in str(caught.value)
    assert file in str(caught.value)


def test_a_priorities_file_replaces_the_modelled_choices(world_copy):
    (world_copy / "priorities.csv").write_text(
        "institution,topic,role\nDHMT-Gasabo,cbhi,rising\nDHMT-Gasabo,anc,shining\n"
        "DHMT-Huye,anc,rising\n"
    )
    world = load_world(world_copy)
    scenario = load_scenario("tpn_2021")
    model = TwinningModel(scenario, rng=0, world=world)
    assert [a.rising for a in model.agents if a.identifier == "DHMT-Gasabo"] == [["cbhi"]]
    assert model.rising_at_launch.sum() == 2


def test_a_randomised_trial_reassigns_the_chosen_topics_keeping_group_sizes(world_copy):
    chooser = TwinningModel(load_scenario("tpn_2021"), rng=7)
    names, topics = chooser.world.ids, chooser.world.topics.names
    learners, chosen = np.nonzero(chooser.rising_at_launch)
    rows = [f"{names[i]},{topics[t]},rising\n" for i, t in zip(learners, chosen, strict=True)]
    (world_copy / "priorities.csv").write_text("institution,topic,role\n" + "".join(rows))
    world = load_world(world_copy)
    trial = load_scenario("tpn_2021", {"topic_assignment": "random"})
    models = [TwinningModel(trial, rng=seed, world=world) for seed in range(5)]
    for model in models:
        assert (model.rising_at_launch.sum(axis=0) == world.chosen_rising.sum(axis=0)).all()
    assert not all(np.array_equal(m.rising_at_launch, world.chosen_rising) for m in models)


def test_a_distances_file_must_cover_every_pair(world_copy):
    (world_copy / "distances.csv").write_text("from,to,km\nGasabo,Kicukiro,12\n")
    with pytest.raises(InputError, match="a distance for every pair of districts"):
        load_world(world_copy)


def test_a_programme_cannot_start_in_the_baseline_month():
    """Month 0 is the baseline measurement: nothing planned for it would ever be held."""
    with pytest.raises(InputError, match="programme_start_month = 0: must be greater than or"):
        load_scenario("tpn_2021", {"programme_start_month": 0})
    assert load_scenario("tpn_2021", {"programme_start_month": 1}).design.programme_start_month == 1


@pytest.mark.parametrize("institutions", [10, 100])
def test_a_generated_world_runs_with_every_shipped_scenario(tmp_path, institutions):
    world = tmp_path / f"world{institutions}"
    made = run_tpn("world", "--out", str(world), "--institutions", str(institutions))
    assert made.returncode == 0, made.stderr
    for path in shipped_scenarios():
        scenario = load_scenario(path, {"world": str(world)})
        result = run_one(scenario, 1, detail=True)
        assert result.outcomes["network.ties"] >= 0 and len(result.series) > 0, path.stem
    too_small = run_tpn("world", "--out", str(tmp_path / "tiny"), "--institutions", "4")
    assert too_small.returncode == 2 and "at least 10" in too_small.stderr
