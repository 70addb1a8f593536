"""Documentation that is generated from the code must match the code."""

from analysis.paramdoc import DOCUMENT, parameters_document
from sim.params import SECTIONS


def test_parameters_md_is_up_to_date():
    assert DOCUMENT.read_text() == parameters_document(), "run `make docs` and commit"


def test_every_parameter_has_a_unit_and_a_source():
    for section in SECTIONS.values():
        for name, field in section.model_fields.items():
            extra = field.json_schema_extra or {}
            assert extra.get("unit") and extra.get("source"), name
            assert field.description, name
