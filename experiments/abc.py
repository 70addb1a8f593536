"""Approximate Bayesian computation (ABC-SMC with pyabc): a posterior of the free parameters.

Why ABC, and why this variant: the model has no likelihood we can write, three published figures
cannot pin six parameters down, and a planner needs to know *which* parameter values remain
plausible, not only the best one. pyabc's ABC-SMC with a **stochastic acceptor** (Wilkinson 2013,
"ABC gives exact results under the assumption of model error") accepts a simulated run with the
probability that the observed figure lies where it does under a normal error of the target's
``sd`` around that run. Each particle is one run, whose own chance variation (turnover, shocks,
survey noise) is the run-to-run spread of a real evaluation, so at temperature 1 the weighted
particles are a sample of the exact posterior under that error model.

Reproducibility: pyabc's own parallel samplers accept whichever particles finish first, so their
populations depend on timing. :class:`OrderedSampler` runs candidates on any of our executors,
each with a seed derived from the root seed, the generation and the candidate's index, and keeps
them in index order up to the n-th accepted: the same seed gives the same posterior serially, in
processes or on a Dask cluster.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.priors import Prior

SimulateFunction = Callable[[dict[str, float], int], dict[str, float]]
DATABASE = "history.db"


@dataclass(frozen=True)
class AbcSettings:
    population_size: int
    max_generations: int
    min_acceptance_rate: float
    seed: int
    batch_size: int = 8  # candidates per task: enough to hide a process round trip


@dataclass
class AbcResult:
    posterior: pd.DataFrame  # one row per particle of the last generation: parameters, weight
    generations: pd.DataFrame  # per generation: temperature, evaluations, acceptance rate, ESS
    database: Path  # pyabc's History (SQLite): every generation, reopenable with pyabc


class _Model:
    """pyabc's model: parameters in, summary statistics out, with a seed from numpy's global
    generator, which :class:`OrderedSampler` seeds per candidate."""

    def __init__(self, simulate: SimulateFunction) -> None:
        self.simulate = simulate

    def __call__(self, parameters) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        return self.simulate(dict(parameters), seed)


def candidate_seed(seed: int, generation: int, index: int) -> int:
    """The seed of candidate ``index`` of ``generation`` (pyabc calibrates in generation -1; -2 seeds the driver)."""
    sequence = np.random.SeedSequence([seed, generation + 2, index])
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def simulate_candidates(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run candidates in a worker: each with numpy's global generator seeded for it alone."""
    import cloudpickle

    simulate_one = cloudpickle.loads(tasks[0]["payload"])
    rows = []
    for task in tasks:
        np.random.seed(task["seed"])
        rows.append({"index": task["index"], "particle": simulate_one()})
    return rows


def _make_sampler(executor, seed: int, batch_size: int, progress):
    """An :class:`OrderedSampler` (defined here: pyabc is imported only when ABC runs)."""
    import cloudpickle
    from pyabc.sampler import Sampler

    class OrderedSampler(Sampler):
        """Candidates in index order, each with its own seed, on any executor."""

        def sample_until_n_accepted(
            self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
        ):
            payload = cloudpickle.dumps(simulate_one)
            sample = self._create_empty_sample()
            results: dict[int, Any] = {}
            cursor = accepted = submitted = 0
            rate = 1.0
            while accepted < n and cursor < max_eval:
                wanted = int(np.ceil((n - accepted) / max(rate, 0.02) * 1.1))
                count = min(max(wanted, batch_size * executor.workers), 20 * n)
                count = int(min(count, max_eval - submitted)) if max_eval < np.inf else count
                if count <= 0:
                    break
                tasks = [
                    {"payload": payload, "index": i, "seed": candidate_seed(seed, t, i)}
                    for i in range(submitted, submitted + count)
                ]
                submitted += count
                batches = [tasks[i : i + batch_size] for i in range(0, len(tasks), batch_size)]
                for rows in executor.map(simulate_candidates, batches):
                    for row in rows:
                        results[row["index"]] = row["particle"]
                    if progress:
                        progress(len(rows))
                new_accepted = 0
                while cursor in results and accepted < n:
                    particle = results.pop(cursor)
                    sample.append(particle)
                    accepted += bool(particle.accepted)
                    new_accepted += bool(particle.accepted)
                    cursor += 1
                rate = max(new_accepted / count, 1.0 / (20 * n))
            self.nr_evaluations_ = cursor
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return OrderedSampler()


def run_abc(
    simulate: SimulateFunction,
    priors: dict[str, Prior],
    observed: dict[str, float],
    noise_sd: dict[str, float],
    settings: AbcSettings,
    executor,
    folder: Path,
    progress: Callable[[int], None] | None = None,
) -> AbcResult:
    """ABC-SMC until temperature 1 (the exact posterior under the error model), the generation
    limit, or an acceptance rate below ``min_acceptance_rate``; the history goes to ``folder``."""
    import pyabc

    for name in ("ABC", "Epsilon", "Acceptor", "Distance", "Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    statistics = list(observed)
    np.random.seed(candidate_seed(settings.seed, -2, 0))  # transitions and acceptor steps
    abc = pyabc.ABCSMC(
        _Model(simulate),
        pyabc.Distribution(**{name: prior.pyabc_rv() for name, prior in priors.items()}),
        pyabc.IndependentNormalKernel(var=[noise_sd[s] ** 2 for s in statistics], keys=statistics),
        population_size=settings.population_size,
        acceptor=pyabc.StochasticAcceptor(),
        eps=pyabc.Temperature(),
        sampler=_make_sampler(executor, settings.seed, settings.batch_size, progress),
    )
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / DATABASE
    abc.new(f"sqlite:///{database}", {s: float(observed[s]) for s in statistics})
    history = abc.run(
        max_nr_populations=settings.max_generations,
        min_acceptance_rate=settings.min_acceptance_rate,
    )
    frame, weights = history.get_distribution(m=0)
    posterior = frame.reset_index(drop=True)[list(priors)].assign(weight=weights)
    return AbcResult(posterior, generation_table(history), database)


def generation_table(history) -> pd.DataFrame:
    """Per generation: temperature, evaluations, acceptance rate and effective sample size."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    rows = []
    for _, population in populations.iterrows():
        t = int(population["t"])
        _, weights = history.get_distribution(m=0, t=t)
        rows.append(
            {
                "generation": t,
                "temperature": float(population["epsilon"]),
                "evaluations": int(population["samples"]),
                "accepted": int(population["particles"]),
                "acceptance_rate": int(population["particles"])
                / max(int(population["samples"]), 1),
                "effective_sample_size": effective_sample_size(weights),
            }
        )
    return pd.DataFrame(rows)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    weights = np.asarray(weights, dtype=float)
    return float(weights.sum() ** 2 / np.sum(weights**2))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of a weighted sample (the weighted empirical distribution function)."""
    order = np.argsort(values)
    values, weights = np.asarray(values)[order], np.asarray(weights)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(q, cumulative, values)


def resample(posterior: pd.DataFrame, count: int, seed: int) -> pd.DataFrame:
    """``count`` parameter sets drawn from the weighted posterior (systematic resampling: every
    particle appears about weight x count times, with less noise than drawing at random)."""
    weights = posterior["weight"].to_numpy(dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    start = np.random.default_rng(seed).random() / count
    picks = np.searchsorted(cumulative, start + np.arange(count) / count)
    picks = np.minimum(picks, len(posterior) - 1)
    rows = posterior.drop(columns="weight").iloc[picks].reset_index(drop=True)
    # spread the order so that replication r does not always get the smallest values first
    return rows.iloc[np.random.default_rng(seed + 1).permutation(count)].reset_index(drop=True)


def iterate_generations(history) -> Iterator[tuple[int, pd.DataFrame, np.ndarray]]:
    """Each generation's particles and weights, first to last (for diagnostics figures)."""
    for t in range(history.max_t + 1):
        frame, weights = history.get_distribution(m=0, t=t)
        yield t, frame, weights
