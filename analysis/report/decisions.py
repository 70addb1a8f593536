"""The reports of `tpn decompose` (what the evaluation's comparison is made of) and of
`tpn optimize` (the best plans a fixed budget buys)."""

import pandas as pd

from analysis.report.assumptions import shipped_scenario
from analysis.report.elements import figures, section, table
from analysis.report.folder import ResultsFolder, read_csv
from analysis.tables import format_interval, format_number
from sim.outcome_registry import outcome
from sim.world import cached_world

# The decomposition's rows, in reading order: the measured difference, then its four parts.
DECOMPOSITION_ORDER = (
    "difference",
    "causal_effect",
    "minus_comparison_effect",
    "selection",
    "regression_to_mean",
)


def decompose_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    table_ = read_csv(folder / "decomposition.csv", ("design", "component", "mean"))
    topic = manifest.details.get("topic", "?")
    name = manifest.scenarios[0] if manifest.scenarios else "?"
    replications = manifest.replications or "?"
    scenario = shipped_scenario(name)
    topics = cached_world(scenario.world).topics if scenario else None
    unit = outcome(f"{topic}.difference", topics).unit
    rows = []
    for design, group in table_.groupby("design", sort=False):
        parts = group.set_index("component").reindex(list(DECOMPOSITION_ORDER)).dropna(how="all")
        for component, row in parts.iterrows():
            rows.append(
                {
                    "design": design,
                    "part": row["label"],
                    f"mean, {unit} [95% CI of the mean]": format_interval(
                        row["mean"], row["ci_low"], row["ci_high"]
                    ),
                    "_strong": component == "difference",
                }
            )
    shown = pd.DataFrame(rows)
    strong = shown.pop("_strong").tolist()
    return {
        "title": f"What the evaluation measured for {topic} in {name}",
        "subtitle": "The choosers-minus-comparison difference split into causal effect, "
        "spillover, selection and regression to the mean",
        "facts": [
            ("Kind", "tpn decompose: the parts of the evaluation's comparison", False),
            ("Scenario", name, False),
            ("Topic", topic, False),
        ],
        "sections": [
            section(
                "The measured difference and its parts",
                intro="Each part is computed from the same run and its no-twinning "
                "counterfactual, so the parts add up to the measured difference in every run. "
                f"Means over {replications} replications, with the 95% interval of the mean.",
                tables=[table(shown, left=2, strong=strong)],
                figures=figures(
                    folder,
                    {
                        "decomposition": "The measured difference and its additive parts "
                        "(mean over runs, with 95% intervals of the mean)."
                    },
                ),
            )
        ],
        "synthetic": manifest.synthetic_world,
    }


def optimize_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    best = read_csv(folder / "best.csv", ("gain_mean", "cost_mean", "cost_max"))
    trials = read_csv(folder / "trials.csv", ("trial", "feasible"))
    details = manifest.details
    budget = float(details.get("budget_rwf", float("nan")))
    levers = [lever for lever in details.get("levers", []) if lever in best.columns]
    shown = pd.DataFrame(
        {
            "rank": range(1, len(best) + 1),
            **{lever.replace("_", " "): best[lever].map(_lever_text) for lever in levers},
            "gain, institution-points [95% CI]": [
                format_interval(m, lo, hi)
                for m, lo, hi in zip(
                    best["gain_mean"], best["gain_ci_low"], best["gain_ci_high"], strict=True
                )
            ],
            "mean cost, RWF": [format_number(v) for v in best["cost_mean"]],
            "dearest replication, RWF": [format_number(v) for v in best["cost_max"]],
        }
    )
    feasible = int(trials["feasible"].astype(bool).sum())
    return {
        "title": f"The best plans for a budget of {budget:,.0f} RWF",
        "subtitle": f"{len(trials)} plans tried, {feasible} within the budget in every replication",
        "facts": [
            ("Kind", "tpn optimize: the best use of a fixed budget", False),
            ("Budget", f"{budget:,.0f} RWF", False),
            (
                "Programme length",
                f"{details['years']} years" if details.get("years") else "as in the scenario",
                False,
            ),
        ],
        "sections": [
            section(
                "Best plans, best first",
                intro="A plan counts only if every one of its replications stays within the "
                "budget; plans are ranked by their mean causal gain, summed over members and "
                "topics at the horizon.",
                tables=[table(shown, left=1 + len(levers))],
            )
        ],
        "synthetic": manifest.synthetic_world,
    }


def _lever_text(value) -> str:
    """A lever's value as a person reads it: shares as percentages, yes/no, whole numbers."""
    if isinstance(value, bool) or str(value) in ("True", "False"):
        return "yes" if str(value) == "True" else "no"
    if isinstance(value, float) and 0 <= value <= 1 and not value.is_integer():
        return f"{100 * value:.0f}%"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value).replace("_", " ")
