"""The report of `tpn calibrate`: the posterior and its checks (ABC), or the best trial (Optuna).

An ABC folder's report leads with what a planner needs to know: which parameters the data
constrain and which they leave as uncertain as the prior; then whether the model with its
posterior reproduces the targets (posterior predictive check), then the sampler's diagnostics
a reviewer checks before trusting any of it.
"""

import pandas as pd

from analysis.printables import printable_posterior, printable_predictive
from analysis.report.elements import figures, section, table
from analysis.report.folder import ResultsFolder, read_csv
from analysis.report.provenance import synthetic_world
from analysis.tables import format_number
from experiments.calibration import CHECK_FILE, GENERATIONS_FILE, SUMMARY_FILE


def calibrate_content(results: ResultsFolder) -> dict:
    manifest = results.manifest
    if manifest.details.get("method", "optuna") == "abc":
        return _posterior_content(results)
    return _point_estimate_content(results)


def _posterior_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    details = manifest.details
    summary = read_csv(folder / SUMMARY_FILE, ("parameter", "posterior_median", "constrained"))
    check = read_csv(folder / CHECK_FILE, ("name", "observed", "predictive_mean", "p_value"))
    generations = read_csv(folder / GENERATIONS_FILE, ("generation", "temperature"))
    name = manifest.scenarios[0] if manifest.scenarios else "?"
    population = details.get("calibration", {}).get("abc", {}).get("population", "?")
    constrained = summary.loc[summary["constrained"].astype(bool), "parameter"].tolist()
    temperature = float(generations["temperature"].iloc[-1])
    printable_check = printable_predictive(check.assign(kind="target")).drop(
        columns=["kind", "variance from parameters"]
    )
    captions = {
        "marginals": "Each parameter's posterior (bars; shaded: 90% credible interval) against "
        "its prior (line). Where the two coincide, the targets say nothing about it.",
        "pairs": "Pairwise posterior: each particle, darker where heavier. A ridge is a "
        "trade-off between two parameters the targets cannot break.",
        "predictive": "Each target's observed value (black line) against one run at each "
        "posterior draw (histogram; shaded: 95% of those runs). The table's intervals add the "
        "target's error to each run, as the calibration assumed.",
        "generations": "The sampler: temperature (1 is the posterior), acceptance rate and "
        "effective sample size per generation.",
    }
    shown = figures(folder, captions)
    by_stem = {figure["stem"]: figure for figure in shown}
    return {
        "title": f"Calibration of {name}: a posterior by ABC-SMC",
        "subtitle": (
            f"The targets constrain {len(constrained)} of {len(summary)} parameters"
            + (f" ({', '.join(constrained)})" if constrained else "")
        ),
        "facts": [
            ("Kind", "tpn calibrate --method abc: a posterior of the free parameters", False),
            ("Scenario", name, False),
            ("Calibration file", details.get("calibration_file", "-"), True),
            (
                "Sampler",
                f"{population} particles, {len(generations)} generations, last temperature "
                f"{format_number(temperature)}, effective sample "
                f"{details.get('effective_sample_size', float('nan')):.0f}, "
                f"{details.get('runs', '?')} runs",
                False,
            ),
        ],
        "sections": [
            section(
                "What the data constrain",
                intro="A parameter is constrained when its posterior 90% credible interval is "
                "markedly narrower than its prior's; the others stay as uncertain as assumed, "
                "and every result that depends on them carries that uncertainty.",
                tables=[table(printable_posterior(summary), left=2, full=True)],
                figures=[by_stem[s] for s in ("marginals", "pairs") if s in by_stem],
            ),
            section(
                "Posterior predictive check",
                intro=f"{manifest.replications} runs at parameter sets drawn from the "
                "posterior, each with its own seed; p = P(predicted >= observed): near 0 or 1, "
                "the model with its posterior cannot produce what was observed.",
                tables=[table(printable_check)],
                figures=[by_stem[s] for s in ("predictive",) if s in by_stem],
            ),
            section(
                "Sampler diagnostics",
                tables=[table(_printable_generations(generations))],
                figures=[by_stem[s] for s in ("generations",) if s in by_stem],
            ),
        ],
        "synthetic": synthetic_world(manifest, None),
    }


def _printable_generations(generations):
    return generations.assign(
        temperature=[format_number(v) for v in generations["temperature"]],
        acceptance_rate=[f"{v:.3f}" for v in generations["acceptance_rate"]],
        effective_sample_size=[f"{v:.0f}" for v in generations["effective_sample_size"]],
    ).rename(columns=lambda c: c.replace("_", " "))


def _point_estimate_content(results: ResultsFolder) -> dict:
    folder, manifest = results.path, results.manifest
    trials = read_csv(folder / "trials.csv", ("trial", "loglik.total"))
    best = manifest.details.get("best", {})
    name = manifest.scenarios[0] if manifest.scenarios else "?"
    rows = [(parameter, format_number(value)) for parameter, value in best.items()]

    return {
        "title": f"Calibration of {name}: a point estimate by Optuna",
        "subtitle": f"Best of {len(trials)} trials, log likelihood "
        f"{trials['loglik.total'].max():.2f}",
        "facts": [
            ("Kind", "tpn calibrate --method optuna: the best trial and its ensemble", False),
            ("Scenario", name, False),
        ],
        "sections": [
            section(
                "Best parameters",
                intro="A point estimate carries no parameter uncertainty: for that, calibrate "
                "with --method abc.",
                tables=[table(pd.DataFrame(rows, columns=["parameter", "value"]))],
                figures=figures(folder, {"targets": "Targets at the best parameters."}),
            )
        ],
        "synthetic": synthetic_world(manifest, None),
    }
