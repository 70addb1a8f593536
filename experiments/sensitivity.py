"""Global sensitivity analysis of a finished Sobol or Morris sweep, with SALib's ProblemSpec.

Replications of a point are averaged first (they share seeds across points, so the average is
the point's expected outcome with common noise). The result is a tidy table: one row per
outcome, factor (and second factor) and index, with its 95% confidence half-width.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.design import Design
from experiments.spec import Experiment


@dataclass
class SensitivityResult:
    indices: pd.DataFrame  # outcome, index, factor, factor_2, value, conf
    warnings: list[str]


def analyse(experiment: Experiment, design: Design, means: np.ndarray) -> SensitivityResult:
    """Sobol first-order, total (and second-order) indices, or Morris mu, mu*, sigma."""
    problem = design.problem
    outcomes = list(experiment.outcomes)
    missing = np.isnan(means).any(axis=1)
    warnings = []
    if missing.any():
        warnings.append(
            f"{int(missing.sum())} design points have no successful run; their "
            "outcomes were set to the mean of the others, which biases the indices"
        )
        means = np.where(np.isnan(means), np.nanmean(means, axis=0), means)
    problem.set_results(means if len(outcomes) > 1 else means[:, 0])
    if experiment.design == "sobol":
        problem.analyze_sobol(calc_second_order=experiment.second_order, seed=experiment.seed)
    else:
        problem.analyze_morris(num_levels=experiment.morris_levels, seed=experiment.seed)
    results = problem.analysis if len(outcomes) > 1 else {outcomes[0]: problem.analysis}
    names = list(experiment.factors)
    rows = []
    for outcome in outcomes:
        result = results[outcome]
        if experiment.design == "sobol":
            for index in ("S1", "ST"):
                for i, name in enumerate(names):
                    rows.append(
                        _row(outcome, index, name, "", result[index][i], result[f"{index}_conf"][i])
                    )
            if experiment.second_order:
                for i in range(len(names)):
                    for j in range(i + 1, len(names)):
                        rows.append(
                            _row(
                                outcome,
                                "S2",
                                names[i],
                                names[j],
                                result["S2"][i, j],
                                result["S2_conf"][i, j],
                            )
                        )
        else:
            for i, name in enumerate(names):
                rows.append(_row(outcome, "mu", name, "", result["mu"][i], np.nan))
                rows.append(
                    _row(
                        outcome,
                        "mu_star",
                        name,
                        "",
                        result["mu_star"][i],
                        result["mu_star_conf"][i],
                    )
                )
                rows.append(_row(outcome, "sigma", name, "", result["sigma"][i], np.nan))
    indices = pd.DataFrame(rows)
    warnings += stability_warnings(indices, experiment)
    return SensitivityResult(indices, warnings)


def stability_warnings(indices: pd.DataFrame, experiment: Experiment) -> list[str]:
    """Signs that the sample is too small for stable indices."""
    found = []
    if experiment.design != "sobol":
        return found
    main = indices[indices["index"].isin(["S1", "ST"])]
    negative = main[main["value"] + main["conf"] < 0]
    if len(negative):
        found.append(
            f"{len(negative)} first-order/total indices are negative beyond their "
            "interval: increase samples"
        )
    wide = main[(main["conf"] > np.abs(main["value"])) & (main["value"].abs() > 0.05)]
    if len(wide):
        found.append(
            f"{len(wide)} indices above 0.05 have intervals wider than the index "
            f"itself (N={experiment.samples}): increase samples"
        )
    return found


def _row(outcome, index, factor, factor_2, value, conf) -> dict:
    return {
        "outcome": outcome,
        "index": index,
        "factor": factor,
        "factor_2": factor_2,
        "value": float(value),
        "conf": float(conf),
    }
