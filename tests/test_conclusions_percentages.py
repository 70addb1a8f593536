"""Percentages that share one whole add up to 100%, in the summary and in the tables."""

import re

import numpy as np
import pandas as pd
import pytest

from analysis import economics
from analysis.conclusions import findings
from analysis.printables import printable_acceptability, whole_percentages
from experiments.summary import interval_kind
from sim.payers import FUNDERS


def test_largest_remainder_rounding_adds_up_to_100_where_rounding_each_gives_101():
    shares = [0.446, 0.446, 0.108]
    assert sum(round(100 * s) for s in shares) == 101  # each rounded on its own
    assert whole_percentages(shares) == [45, 44, 11]
    assert whole_percentages([1 / 3] * 3) == [34, 33, 33]  # rounded one by one: 99%
    assert whole_percentages([0.0, 1.0, 0.0]) == [0, 100, 0]


@pytest.mark.parametrize("seed", range(20))
def test_whole_percentages_always_add_up_to_100_and_stay_within_a_point(seed):
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(rng.integers(2, 7), 0.5))
    whole = whole_percentages(shares)
    assert sum(whole) == 100
    assert all(abs(w - 100 * s) < 1 for w, s in zip(whole, shares, strict=True))


def comparison_paid(paid: dict[str, float]) -> pd.DataFrame:
    """A one-scenario comparison table whose cash is ``paid`` by these funders."""
    values = {economics.GAIN: 684.0, "costs.total": sum(paid.values())}
    values |= {f"costs.{f}": paid.get(f, 0.0) for f in FUNDERS}
    return pd.DataFrame(
        {
            "outcome": list(values),
            "scenario": "net",
            "mean": list(values.values()),
            "ci_low": [0.9 * v for v in values.values()],
            "ci_high": [1.1 * v for v in values.values()],
            "difference_vs_first": np.nan,
            "difference_ci_low": np.nan,
            "difference_ci_high": np.nan,
            "interval": interval_kind(False),
        }
    )


@pytest.mark.parametrize(
    ("paid", "shown"),
    [
        # 44.6% + 44.6% + 10.8%: rounded one by one, 45% + 45% + 11% = 101%
        (
            {"donor": 44.6e6, "moh": 44.6e6, "district": 10.8e6},
            "paid 45% by the donor, 44% by the Ministry of Health, 11% by districts",
        ),
        # tpn_2021's shares (98.7%, 0.66%, 0.64%): rounded one by one, 99% + 1% + 1% = 101%
        (
            {"donor": 61_400_495.0, "district": 407_811.0, "hospital": 396_038.0},
            "paid 99% by the donor, 1% by districts from their own budgets.",
        ),
    ],
)
def test_the_summary_shows_payer_shares_that_add_up_to_100(paid, shown):
    total = sum(paid.values())
    assert sum(round(100 * v / total) for v in paid.values()) == 101
    (cost,) = [
        f.text for f in findings(comparison_paid(paid), ["net"], ["network"]) if " costs " in f.text
    ]
    assert shown in cost
    assert sum(int(p) for p in re.findall(r"(\d+)% by", cost)) == 100


def test_the_acceptability_table_rows_add_up_to_100():
    # Three options tied in every world at price 0 share it: a third each, 33% + 33% + 33%
    # rounded one by one.
    gains = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [0.0, 1.0, 2.0], "c": [0.0, 1.0, 2.0]})
    costs = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0], "c": [1.0, 1.0, 1.0]})
    table = printable_acceptability(economics.acceptability(gains, costs, [0.0, 10.0]))
    for row in table.itertuples(index=False):
        assert sum(int(cell.split("%")[0]) for cell in row[1:]) == 100
