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

Where the sampler works: in the priors' **normal scores**, z = Phi^-1(F(theta)) with F a
parameter's prior distribution function, so that every prior is a standard normal. pyabc's
Gaussian perturbation kernel then fits every parameter alike; in the parameters' own units it
fits skewed (lognormal), bounded (beta, truncated) priors badly, and in ten dimensions the
importance weights of a tpn_2021 calibration collapsed to an effective sample size of 2 of 200.
Scores map back to parameter values one to one, so the weighted particles are the same
posterior in either space; everything this module returns is in the parameters' units. Two more
choices keep the weights even: a share of proposals from the prior (``DefensiveTransition``) and
temperature steps no longer than the last population can follow (``ConditionalEssScheme``).
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from experiments.priors import Prior
from sim.errors import InputError

SimulateFunction = Callable[[dict[str, float], int], dict[str, float]]
DATABASE = "history.db"


@dataclass(frozen=True)
class AbcSettings:
    population_size: int
    max_generations: int
    min_acceptance_rate: float
    seed: int
    batch_size: int = 8  # candidates per task: enough to hide a process round trip
    relative_ess: float = 0.5  # each temperature step keeps this share of the effective sample
    prior_share: float = 0.25  # share of proposals drawn from the prior (defensive mixture)


@dataclass
class AbcResult:
    posterior: pd.DataFrame  # one row per particle of the last generation: parameters, weight
    generations: pd.DataFrame  # per generation: temperature, evaluations, acceptance rate, ESS
    database: Path  # pyabc's History (SQLite): every generation, reopenable with pyabc


class _Model:
    """pyabc's model: a particle's normal scores in, summary statistics out, with a seed from
    numpy's global generator, which :class:`OrderedSampler` seeds per candidate."""

    def __init__(self, simulate: SimulateFunction, priors: dict[str, Prior]) -> None:
        self.simulate = simulate
        self.priors = {name: prior.frozen() for name, prior in priors.items()}

    def __call__(self, scores) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        values = {
            name: float(prior.ppf(norm.cdf(scores[name]))) for name, prior in self.priors.items()
        }
        return self.simulate(values, seed)


def from_scores(scores: pd.DataFrame, priors: dict[str, Prior]) -> pd.DataFrame:
    """Particles' parameter values from their normal scores (columns in ``priors``' order)."""
    return pd.DataFrame(
        {
            name: prior.frozen().ppf(norm.cdf(scores[name].to_numpy()))
            for name, prior in priors.items()
        }
    )


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


def _make_transition(prior_share: float):
    """pyabc's Gaussian kernel density of the last population, mixed with the prior."""
    from pyabc import Parameter
    from pyabc.transition import MultivariateNormalTransition

    class DefensiveTransition(MultivariateNormalTransition):
        """Proposals from the kernel density of the last population, or with probability
        ``prior_share`` from the prior (a standard normal in the scores): defensive importance
        sampling (Hesterberg 1995). In ten dimensions a kernel density of 200 particles is
        bumpy, and where the data say little the posterior is close to the prior, so pure
        kernel proposals gave importance weights prior/proposal spread over orders of magnitude
        (an effective sample of 46 of 200); the mixture bounds every weight by 1 / prior_share."""

        def rvs_single(self):
            if np.random.uniform() < prior_share:
                columns = self.X.columns
                draws = np.random.standard_normal(len(columns))
                return Parameter(dict(zip(columns, draws, strict=True)))
            return super().rvs_single()

        def pdf(self, x):
            kernel = super().pdf(x)
            if isinstance(x, pd.DataFrame):
                values = x[self.X.columns].to_numpy()
            else:
                values = np.array([x[key] for key in self.X.columns])
            prior = np.exp(norm.logpdf(values).sum(axis=-1))
            return prior_share * prior + (1 - prior_share) * kernel

    return DefensiveTransition()


def _make_ess_scheme(relative_ess: float):
    """A temperature scheme that steps down only as far as the last population can follow."""
    from pyabc.epsilon import TemperatureScheme

    class ConditionalEssScheme(TemperatureScheme):
        """The lowest temperature (>= 1) at which the last population, reweighted from its own
        temperature, keeps ``relative_ess`` of its effective sample size (conditional ESS, as
        in adaptive SMC samplers). pyabc's default jumped from 2.9 to 1 in one generation of a
        tpn_2021 calibration and kept an effective sample of 46 of 200; with steps like these
        the weights stay even, and max_generations still forces temperature 1 at the end."""

        def requires_distances(self) -> bool:
            return True

        def __call__(self, *, get_weighted_distances, prev_temperature, **_) -> float:
            frame = get_weighted_distances()
            log_density = frame["distance"].to_numpy(dtype=float)  # the kernel's log scale
            log_density = log_density - log_density.max()
            log_weights = np.log(frame["w"].to_numpy(dtype=float))
            start = 1.0 / prev_temperature

            def ess(beta: float) -> float:
                log_w = log_weights + (beta - start) * log_density
                return effective_sample_size(np.exp(log_w - log_w.max()))

            goal = relative_ess * ess(start)
            if ess(1.0) >= goal:
                return 1.0
            low, high = start, 1.0  # ess(low) >= goal > ess(high)
            for _ in range(60):
                middle = (low + high) / 2
                low, high = (middle, high) if ess(middle) >= goal else (low, middle)
            return 1.0 / low

    return ConditionalEssScheme()


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
        _Model(simulate, priors),
        pyabc.Distribution(**{name: pyabc.RV("norm", 0, 1) for name in priors}),
        pyabc.IndependentNormalKernel(var=[noise_sd[s] ** 2 for s in statistics], keys=statistics),
        population_size=settings.population_size,
        acceptor=pyabc.StochasticAcceptor(),
        eps=pyabc.Temperature(schemes=[_make_ess_scheme(settings.relative_ess)]),
        transitions=_make_transition(settings.prior_share),
        sampler=_make_sampler(executor, settings.seed, settings.batch_size, progress),
    )
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / DATABASE
    abc.new(f"sqlite:///{database}", {s: float(observed[s]) for s in statistics})
    history = abc.run(
        max_nr_populations=settings.max_generations,
        min_acceptance_rate=settings.min_acceptance_rate,
    )
    if history.max_t < 0:
        raise InputError(
            "calibration",
            "abc.min_acceptance_rate",
            settings.min_acceptance_rate,
            "a rate the first generation reaches (no generation finished)",
        )
    scores, weights = history.get_distribution(m=0)
    posterior = from_scores(scores, priors).assign(weight=weights / weights.sum())
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


def generations_of(database: Path, priors: dict[str, Prior]) -> Iterator[tuple[int, pd.DataFrame]]:
    """Each generation's weighted particles (parameters, ``weight``), first to last, from a
    saved history (for diagnostics figures)."""
    import pyabc

    history = pyabc.History(f"sqlite:///{database}")
    for t in range(history.max_t + 1):
        scores, weights = history.get_distribution(m=0, t=t)
        yield t, from_scores(scores, priors).assign(weight=weights / weights.sum())
