"""Any change in tpn_2021's headline numbers at fixed seeds must be deliberate (make baseline)."""

import json

import pytest

from tests.baseline import BASELINE_FILE, headline_numbers


def test_tpn_2021_headline_numbers_match_the_pinned_baseline():
    pinned = json.loads(BASELINE_FILE.read_text())
    current = headline_numbers()
    for seed, numbers in pinned.items():
        for name, value in numbers.items():
            assert current[seed][name] == pytest.approx(value, rel=1e-6, abs=1e-9), (seed, name)
