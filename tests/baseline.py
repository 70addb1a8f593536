"""Pinned headline numbers of `tpn_2021` at a fixed seed (see test_baseline.py).

Regenerate after a deliberate change of behaviour with ``make baseline`` and commit the diff.
"""

import json
import sys
from pathlib import Path

from sim.runner import run_one
from sim.scenario import load_scenario

BASELINE_FILE = Path(__file__).with_name("baseline.json")
SEEDS = (1, 2, 3)
PINNED = (
    "accreditation.choosers",
    "accreditation.chooser_change",
    "accreditation.comparison_change",
    "accreditation.causal_effect",
    "cbhi.chooser_change",
    "cbhi.comparison_change",
    "cbhi.causal_effect",
    "activities.coaching_visit",
    "activities.exchange_visit",
    "activities.travel_person_days",
    "network.ties",
    "network.reciprocity",
)


def headline_numbers() -> dict[str, dict[str, float]]:
    scenario = load_scenario("tpn_2021")
    numbers = {}
    for seed in SEEDS:
        outcomes = run_one(scenario, seed).outcomes
        numbers[str(seed)] = {name: round(outcomes[name], 9) for name in PINNED}
    return numbers


if __name__ == "__main__":
    if "--update" in sys.argv:
        BASELINE_FILE.write_text(json.dumps(headline_numbers(), indent=2) + "\n")
        print(f"wrote {BASELINE_FILE}")
