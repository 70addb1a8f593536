"""The data dictionary of a results folder: every column of every table it holds, in words.

:mod:`analysis.results_folder` writes it last, as ``data_dictionary.csv`` (columns ``file``,
``column``, ``label``, ``unit``, ``description``), so a reader can open any file of the folder
without tpn-sim; the report links to it. The columns are read from the files themselves (CSV
headers, Parquet schemas), so a file or a column added later cannot be left out; outcome
columns are described by the outcome registry, every other column here, once.
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.outcome_registry import COMPARISON_OUTCOMES, outcome

DICTIONARY = "data_dictionary.csv"

# column -> (label, unit, description); the same name means the same thing in every file.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "scenario": ("Scenario", "-", "the scenario's name"),
    "replication": (
        "Replication",
        "-",
        "replication number r; replication r of every "
        "scenario ran with the same seed (and parameter set)",
    ),
    "seed": ("Seed", "-", "the replication's random seed (numpy SeedSequence of the root seed)"),
    "draw": ("Parameter set", "-", "the posterior draw whose parameters the replication used"),
    "outcome": ("Outcome", "-", "the outcome's name, as `tpn outcomes` lists and defines it"),
    "mean": ("Mean", "outcome's unit", "mean over replications"),
    "sd": ("Standard deviation", "outcome's unit", "standard deviation over replications"),
    "ci_low": (
        "Interval of the mean, low end",
        "outcome's unit",
        "2.5% end of the 95% interval of the mean (kind in `interval`, method in `method`)",
    ),
    "ci_high": (
        "Interval of the mean, high end",
        "outcome's unit",
        "97.5% end of the 95% interval of the mean",
    ),
    "p2_5": (
        "2.5th percentile of runs",
        "outcome's unit",
        "where the lowest 2.5% of single runs end: where one evaluation's value would fall",
    ),
    "p97_5": (
        "97.5th percentile of runs",
        "outcome's unit",
        "where the highest 2.5% of single runs begin",
    ),
    "n": ("Runs", "runs", "replications with a value (undefined ones left out)"),
    "interval": (
        "What the interval carries",
        "-",
        "chance only (seed noise at the scenario's parameters), or the plausible "
        "parameter sets of a posterior too",
    ),
    "method": (
        "Interval method",
        "-",
        "t-interval, percentile bootstrap (bounded outcomes: shares, counts, money) or "
        "over posterior draws; none for a P-value",
    ),
    "power": (
        "Power",
        "share (0-1)",
        "share of runs whose evaluation z-test is significant at 5% (P-value rows only)",
    ),
    "power_ci_low": ("Power, low end", "share (0-1)", "2.5% end of the Wilson 95% interval"),
    "power_ci_high": ("Power, high end", "share (0-1)", "97.5% end of the Wilson 95% interval"),
    "var_parameters": (
        "Variance from the parameters",
        "outcome's unit squared",
        "with a posterior: Var over draws of each draw's expected outcome",
    ),
    "var_chance": (
        "Variance from chance",
        "outcome's unit squared",
        "with a posterior: mean variance of runs within a draw",
    ),
    "share_parameters": (
        "Share of variance from the parameters",
        "share (0-1)",
        "var_parameters / (var_parameters + var_chance)",
    ),
    "difference_vs_first": (
        "Difference to the first scenario",
        "outcome's unit",
        "mean of this scenario minus the first, paired by replication",
    ),
    "difference_ci_low": (
        "Difference, low end",
        "outcome's unit",
        "2.5% end of the paired difference's 95% interval",
    ),
    "difference_ci_high": (
        "Difference, high end",
        "outcome's unit",
        "97.5% end of the paired difference's 95% interval",
    ),
    "probability_beats_first": (
        "Probability of beating the first",
        "share (0-1)",
        "with a posterior: share of draws in which it does better",
    ),
    "expected_loss": (
        "Expected loss",
        "outcome's unit",
        "with a posterior: mean shortfall from the best scenario of each draw",
    ),
    "month": ("Model month", "month", "months since the scenario's start_date (month 0)"),
    "date": ("Calendar month", "YYYY-MM", "the calendar month of the model month"),
    "institution": ("Institution", "-", "the institution's id in the world's institutions.csv"),
    "topic": ("Topic", "-", "the topic's id in the world's topics.csv"),
    "member": ("Member", "yes/no", "the institution is enrolled in the programme"),
    "chose_topic": ("Chose the topic", "yes/no", "it chose the topic as a priority at launch"),
    "competence": ("Institutional competence", "0-1", "what drives its indicator"),
    "knowhow": ("Staff know-how", "0-1", "know-how held by its staff, not yet institutional"),
    "indicator_true": ("Indicator, true", "topic's unit", "the indicator's true value"),
    "indicator_measured": (
        "Indicator, measured",
        "topic's unit",
        "the indicator as measured, with measurement noise",
    ),
    "indicator_without_twinning": (
        "Indicator without twinning",
        "topic's unit",
        "the true indicator in the same world without twinning",
    ),
    "learner": ("Learner", "-", "the rising (learning) institution's id"),
    "host": ("Host", "-", "the shining (hosting) institution's id; blank for none"),
    "active_at_end": ("Active at the end", "yes/no", "the tie still held at the horizon"),
    "formed_at_launch": ("Formed at launch", "yes/no", "formed at launch, not rematched later"),
    "activity": ("Activity kind", "-", "the kind of activity (sim/activity_kinds.py)"),
    "province": ("Province", "-", "the province where it was held"),
    "virtual": ("Virtual", "yes/no", "held online"),
    "participants": ("Participants", "people", "people who took part"),
    "travel_person_days": ("Travel", "person-days", "person-days of travel (in person only)"),
    "cash_rwf": ("Cash cost", "RWF", "cash paid for the activity"),
    "payer": ("Payer", "-", "who paid: donor, moh (the Ministry), district or hospital"),
}


def dictionary(folder: Path) -> pd.DataFrame:
    """One row per column of every CSV and Parquet table under ``folder``, files in path order."""
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".csv", ".parquet")):
        name = path.relative_to(folder).as_posix()
        if name == DICTIONARY:
            continue
        columns = (
            pq.read_schema(path).names
            if path.suffix == ".parquet"
            else pd.read_csv(path, nrows=0).columns
        )
        rows += [{"file": name, "column": c, **describe(c)} for c in columns]
    return pd.DataFrame(rows, columns=["file", "column", "label", "unit", "description"])


def describe(column: str) -> dict[str, str]:
    """Label, unit and description of one column: an outcome's from the registry."""
    if column in COLUMNS:
        label, unit, description = COLUMNS[column]
        return {"label": label, "unit": unit, "description": description}
    try:
        record = COMPARISON_OUTCOMES.get(column) or outcome(column)
    except KeyError:
        return {"label": column.replace("_", " "), "unit": "", "description": ""}
    return {"label": record.label, "unit": record.unit, "description": record.description}


def write_dictionary(folder: Path) -> None:
    """``data_dictionary.csv`` of every table already in ``folder``."""
    dictionary(folder).to_csv(folder / DICTIONARY, index=False)
