"""Simulation-based calibration of the ABC calibration on tpn-sim itself (Talts et al. 2018).

Is the posterior `tpn calibrate` reports honest? Draw a "true" parameter set from the prior, make
synthetic observed targets from one run at the truth plus each target's error (exactly the
model the calibration assumes), calibrate against them, and see where the truth falls in its
posterior. Over many truths, a calibrated method puts the truth inside its 50% central credible
interval half the time and inside its 90% interval nine times in ten, for every parameter; its
posterior quantiles of the truth (ranks) are uniform. Too few inside: the posterior is
overconfident; too many: it is too wide.

Run as ``python -m experiments.sbc --out DIR`` (small by default: a few minutes on two cores):
``truths.csv`` (each truth, its synthetic targets, its calibration's last temperature and
effective sample size), ``ranks.csv`` (one row per truth and parameter: the truth's posterior
quantile, inside the 50% and 90% intervals or not), ``coverage.csv`` (per parameter and over
all: the share inside each interval, with a 95% binomial interval) and ``posteriors/`` (each
truth's posterior, saved as it finishes: run the same command again to resume a check that was
interrupted). Figures (rank histograms, coverage) are drawn by
``python -m analysis.calibration_figures DIR``.

Each truth's calibration runs serially inside one worker, and truths run in parallel: small
populations would leave cores idle between a generation's rounds of candidates.
"""

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import beta

from experiments.calibration import CalibrationSpec, load_calibration
from experiments.executors import SerialExecutor, make_executor
from experiments.fit_abc import model_values, run_posterior
from experiments.manifest import new_manifest, now, write_manifest
from experiments.replicate import replication_seeds
from sim.params import Scenario
from sim.runner import run_one
from sim.scenario import with_overrides

SHIPPED = Path(__file__).with_name("calibration") / "tpn_2021.toml"
LEVELS = (0.5, 0.9)  # central credible intervals checked
ERROR_STREAM = 0xE44  # keeps the targets' error draws apart from the run's own streams


@dataclass(frozen=True)
class SbcSettings:
    truths: int = 10
    population: int = 40
    max_generations: int = 6
    min_acceptance_rate: float = 0.01  # as the shipped file; higher stops hard truths sooner
    seed: int = 1


def calibrate_truth(tasks: list[dict]) -> list[dict]:
    """In a worker: for each truth, its synthetic targets, then its posterior (serially)."""
    rows = []
    for task in tasks:
        spec: CalibrationSpec = task["spec"]
        base: Scenario = task["base"]
        truth = task["truth"]
        outcomes = run_one(with_overrides(base, model_values(truth), "sbc"), task["seed"]).outcomes
        errors = np.random.default_rng([task["seed"], ERROR_STREAM]).standard_normal(
            len(spec.targets)
        )
        observed = {
            name: float(outcomes[target.outcome] + target.sd * error)
            for (name, target), error in zip(spec.targets.items(), errors, strict=True)
        }
        synthetic = spec.model_copy(
            update={
                "seed": task["seed"] % 2**31,
                "targets": {
                    name: target.model_copy(update={"observed": observed[name]})
                    for name, target in spec.targets.items()
                },
            }
        )
        with tempfile.TemporaryDirectory() as folder:
            result = run_posterior(synthetic, base, SerialExecutor(), Path(folder))
        last = result.generations.iloc[-1]
        rows.append(
            {
                "truth": task["index"],
                "observed": observed,
                "posterior": result.posterior,
                "final_temperature": float(last["temperature"]),
                "effective_sample_size": float(last["effective_sample_size"]),
            }
        )
    return rows


def prior_draws(spec: CalibrationSpec, count: int, seed: int) -> pd.DataFrame:
    """``count`` parameter sets drawn independently from the priors (as the model takes them)."""
    rng = np.random.default_rng([seed, 0x5BC])
    draws = {
        name: prior.frozen().rvs(size=count, random_state=rng)
        for name, prior in spec.parameters.items()
    }
    return pd.DataFrame([model_values(row) for row in pd.DataFrame(draws).to_dict("records")])


@dataclass
class SbcResult:
    truths: pd.DataFrame  # one row per truth: parameters, synthetic targets, diagnostics
    ranks: pd.DataFrame  # one row per truth and parameter
    coverage: pd.DataFrame  # one row per parameter, then "all"


def run_sbc(
    spec: CalibrationSpec,
    base: Scenario,
    settings: SbcSettings,
    executor,
    folder: Path,
    progress=None,
) -> SbcResult:
    """The check: truths from the prior, one calibration each (in parallel over truths). Each
    truth's posterior and synthetic targets go to ``folder/posteriors/`` as it finishes, and a
    truth already there is not calibrated again: an interrupted check resumes where it stopped
    (the same settings give the same truths). ``progress(1)`` as each truth finishes."""
    spec = spec.model_copy(
        update={
            "abc": spec.abc.model_copy(
                update={
                    "population": settings.population,
                    "max_generations": settings.max_generations,
                    "min_acceptance_rate": settings.min_acceptance_rate,
                }
            )
        }
    )
    truths = prior_draws(spec, settings.truths, settings.seed)
    seeds = replication_seeds(settings.seed, settings.truths)
    saved = folder / "posteriors"
    saved.mkdir(parents=True, exist_ok=True)
    tasks = [
        [{"spec": spec, "base": base, "index": i, "truth": truth, "seed": seeds[i]}]
        for i, truth in enumerate(truths.to_dict("records"))
        if not _done(saved, i).is_file()
    ]
    for batch in executor.map(calibrate_truth, tasks):
        for row in batch:
            path = _done(saved, row["truth"])
            row.pop("posterior").to_parquet(path.with_suffix(".parquet"), index=False)
            path.write_text(json.dumps(row))  # written last: it marks the truth done
        if progress:
            progress(len(batch))
    rows = [json.loads(_done(saved, i).read_text()) for i in range(settings.truths)]
    table = truths.assign(
        truth=range(settings.truths),
        seed=seeds,
        final_temperature=[r["final_temperature"] for r in rows],
        effective_sample_size=[r["effective_sample_size"] for r in rows],
    )
    for name in spec.targets:
        table[f"observed.{name}"] = [r["observed"][name] for r in rows]
    posteriors = [pd.read_parquet(_done(saved, i).with_suffix(".parquet")) for i in table["truth"]]
    ranks = rank_table(truths, posteriors)
    return SbcResult(table, ranks, coverage_table(ranks))


def _done(saved: Path, index: int) -> Path:
    """A truth's record (its posterior is the ``.parquet`` of the same name beside it)."""
    return saved / f"truth-{index:03d}.json"


def rank_table(truths: pd.DataFrame, posteriors: list[pd.DataFrame]) -> pd.DataFrame:
    """The truth's posterior quantile (weighted share of particles below it, ties counted half)
    for every truth and parameter, and whether each central interval holds it."""
    rows = []
    for index, (truth, posterior) in enumerate(
        zip(truths.to_dict("records"), posteriors, strict=True)
    ):
        weights = posterior["weight"].to_numpy(dtype=float)
        weights = weights / weights.sum()
        for name, value in truth.items():
            values = posterior[name].to_numpy(dtype=float)
            quantile = float(weights[values < value].sum() + 0.5 * weights[values == value].sum())
            row = {"truth": index, "parameter": name, "value": value, "quantile": quantile}
            for level in LEVELS:
                tail = (1 - level) / 2
                row[f"inside_{round(100 * level)}"] = bool(tail <= quantile <= 1 - tail)
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_table(ranks: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and over all: how often each central interval held the truth, with a 95%
    interval (Clopper-Pearson) of that share."""
    groups = [(name, part) for name, part in ranks.groupby("parameter", sort=False)]
    rows = []
    for name, part in [*groups, ("all", ranks)]:
        row = {"parameter": name, "truths": int(part["truth"].nunique()), "checks": len(part)}
        for level in LEVELS:
            column = f"inside_{round(100 * level)}"
            inside, total = int(part[column].sum()), len(part)
            low = beta.ppf(0.025, inside, total - inside + 1) if inside else 0.0
            high = beta.ppf(0.975, inside + 1, total - inside) if inside < total else 1.0
            row.update(
                {
                    f"coverage_{round(100 * level)}": inside / total,
                    f"coverage_{round(100 * level)}_low": float(low),
                    f"coverage_{round(100 * level)}_high": float(high),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def write_sbc(folder: Path, result: SbcResult) -> None:
    result.truths.to_csv(folder / "truths.csv", index=False)
    result.ranks.to_csv(folder / "ranks.csv", index=False)
    result.coverage.to_csv(folder / "coverage.csv", index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.sbc", description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="output folder; an interrupted check resumes there"
    )
    parser.add_argument("--calibration", type=Path, default=SHIPPED, help="calibration file")
    defaults = SbcSettings()
    parser.add_argument("--truths", type=int, default=defaults.truths)
    parser.add_argument("--population", type=int, default=defaults.population)
    parser.add_argument("--generations", type=int, default=defaults.max_generations)
    parser.add_argument(
        "--min-acceptance",
        type=float,
        default=defaults.min_acceptance_rate,
        help="stop a truth's calibration below this acceptance rate (cost bound per truth)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--scheduler", default="processes", help="as tpn's --scheduler")
    args = parser.parse_args(argv)
    settings = SbcSettings(
        args.truths, args.population, args.generations, args.min_acceptance, args.seed
    )
    spec, base = load_calibration(args.calibration)
    started = now()
    done = [0]

    def progress(count: int) -> None:
        done[0] += count
        print(f"truths calibrated: {done[0]} of {settings.truths}", file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    recorded = args.out / "settings.json"
    wanted = {"calibration": str(args.calibration), **settings.__dict__}
    if recorded.is_file() and json.loads(recorded.read_text()) != wanted:
        print(
            f"{parser.prog}: error: {recorded}: settings = {recorded.read_text().strip()}: "
            "the same settings to resume, or another --out",
            file=sys.stderr,
        )
        return 2
    recorded.write_text(json.dumps(wanted))
    with make_executor(args.scheduler) as executor:
        result = run_sbc(spec, base, settings, executor, args.out, progress)
    write_sbc(args.out, result)
    write_manifest(
        args.out,
        new_manifest(
            "sbc",
            started,
            command=" ".join([parser.prog, *(argv if argv is not None else sys.argv[1:])]),
            finished=now(),
            scenarios=[base.name],
            root_seed=settings.seed,
            scheduler=args.scheduler,
            details={"calibration_file": str(args.calibration), **settings.__dict__},
        ),
    )
    shown = result.coverage[["parameter", "coverage_50", "coverage_90"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"\nResults in {args.out}/; figures: python -m analysis.calibration_figures {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
