"""Speed of the simulator, measured beside a reference Mesa model in the same process.

Figures (one run of ``tpn bench`` or ``python -m experiments.bench``):

- seconds per ``tpn_2021`` run: all 74 institutions, 24 months, one replication, construction
  included (the world files are read once per process, as in a sweep), alone and with its
  counterfactual and outcomes (replications a second on one core; one at a time, and side by
  side as sweeps and replications run them), and per agent-step;
- microseconds per agent-step for a synthetic world of 5,000 institutions over 60 months with the
  programme running throughout (construction reported separately);
- the same figure for Mesa's Boltzmann wealth model written efficiently (5,000 agents activated
  in random order with ``shuffle_do``; each with wealth gives one unit to a random agent; the
  agent list fetched once a step), the reference of the ratio target; and, as a stricter
  yardstick, the same exchange written as a bare loop.

With ``--experiments``: replications a second in a sweep on 1 and 2 worker processes, the peak
memory of sweeps (all processes) and of a 100,000-run sweep (its parent measured at full size,
its workers at a size where they stopped growing), the
posterior compare, the ABC calibration and the Sobol analysis. The machine's load average is
reported at the start and the end: on a shared machine only figures of one run compare.

Timings are the best of several repetitions; ratios between figures of one run are what to quote.
"""

import contextlib
import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import mesa

from experiments.posterior import DEFAULT_DRAWS, DEFAULT_SEEDS_PER_DRAW, SHIPPED_POSTERIOR
from experiments.spec import MAX_SAMPLES
from sim.model import TwinningModel
from sim.runner import run_many, run_one, simulate
from sim.scenario import SCENARIO_DIR, load_scenario, with_overrides
from sim.synthetic import synthetic_frames, write_world
from sim.topics import load_topics
from sim.world import load_world

LARGE_WORLD = 5_000
LARGE_MONTHS = 60
MEMORY_SWEEP_RUNS = 100_000  # the sweep whose peak memory the target bounds (1 GiB)
MEMORY_WARM_RUNS = 6_000  # tpn-sim runs after which a worker's memory has stopped growing
SWEEP_OUTCOMES = ("accreditation.causal_effect", "cbhi.causal_effect")
SIDE_BY_SIDE_RUNS = 108  # replications timed side by side: four batches of tpn_2021 runs


class Wealth(mesa.Agent):
    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.wealth = 1

    def exchange(self) -> None:
        if self.wealth > 0:
            self.random.choice(self.model.agent_list).wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    """The canonical Mesa example (agents activated in random order, each giving one unit to a
    random agent), with the agent list fetched once per step rather than once per agent."""

    def __init__(self, agents: int, rng: int) -> None:
        super().__init__(rng=rng)
        Wealth.create_agents(self, agents)
        self.agent_list: list[Wealth] = []

    def step(self) -> None:
        self.agent_list = list(self.agents)
        self.agents.shuffle_do("exchange")


class BareBoltzmannWealth(BoltzmannWealth):
    """The same exchange written as one loop in the model, without random activation order or
    a method call per agent: a lower bound for any Mesa model that visits its agents in Python."""

    def step(self) -> None:
        agents = list(self.agents)
        choose = self.random.choice
        for agent in agents:
            if agent.wealth > 0:
                choose(agents).wealth += 1
                agent.wealth -= 1


def processor_name() -> str:
    """The processor's model name (``platform.processor()`` is empty on Linux), so that figures
    from different machines are not mistaken for one another."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown processor"


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """Shortest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def tpn_run_seconds(repeats: int) -> tuple[float, float, float, int]:
    """One tpn_2021 model run, one replication with its counterfactual and outcomes (alone,
    and side by side with others as sweeps and replications run them: ``run_many``), and the
    agent-steps of one run (institutions times months)."""
    scenario = load_scenario("tpn_2021")
    first = simulate(scenario, 0)  # read the world files once, as any sweep does
    agent_steps = len(first.agents) * scenario.horizon_months
    runs, seeds = 20, list(range(SIDE_BY_SIDE_RUNS))
    model_only = best_of(repeats, lambda: [simulate(scenario, s) for s in range(runs)]) / runs
    replication = best_of(repeats, lambda: [run_one(scenario, s) for s in range(runs)]) / runs
    side_by_side = best_of(repeats, lambda: run_many(scenario, seeds)) / len(seeds)
    return model_only, replication, side_by_side, agent_steps


def large_world_step_microseconds(repeats: int) -> tuple[float, float]:
    """Microseconds per agent-step on 5,000 institutions, and construction seconds."""
    topics = load_topics(SCENARIO_DIR / "worlds" / "rwanda" / "topics.csv")
    with tempfile.TemporaryDirectory() as folder:
        institutions, baseline = synthetic_frames(topics, LARGE_WORLD, seed=1)
        write_world(
            Path(folder) / "world",
            institutions,
            baseline,
            topics,
            costs=SCENARIO_DIR / "worlds" / "rwanda" / "costs.csv",
        )
        world = load_world(Path(folder) / "world")
    scenario = with_overrides(
        load_scenario("tpn_2021"),
        {
            "horizon_months": LARGE_MONTHS,
            "endline_month": LARGE_MONTHS,
            "programme_months": LARGE_MONTHS - 4,
            "pinned_choosers": {},
            "facilitation_base": world.district_names[0],
        },
    )
    build, steps = [], []
    for seed in range(repeats):
        start = time.perf_counter()
        model = TwinningModel(scenario, rng=seed, world=world)
        build.append(time.perf_counter() - start)
        start = time.perf_counter()
        while model.running:
            model.step()
        steps.append(time.perf_counter() - start)
    return min(steps) / (LARGE_WORLD * LARGE_MONTHS) * 1e6, min(build)


def boltzmann_step_microseconds(repeats: int, model_class: type[BoltzmannWealth]) -> float:
    def run() -> None:
        model = model_class(LARGE_WORLD, rng=1)
        for _ in range(LARGE_MONTHS):
            model.step()

    seconds = best_of(repeats, run)
    return seconds / (LARGE_WORLD * LARGE_MONTHS) * 1e6


def sweep_runs_per_second(workers: int, runs: int, model=None) -> tuple[float, "PeakMemory"]:
    """Runs per second of a tpn_2021 sweep on ``workers`` local processes, start-up included,
    and the peak memory of its processes meanwhile. Each run is one replication with its
    counterfactual and outcomes; ``model`` replaces tpn-sim (the same design, tasks, batches,
    chunks and summary, without the simulation)."""
    from experiments.design import make_design
    from experiments.executors import ProcessExecutor
    from experiments.replicate import ScenarioModel
    from experiments.spec import Experiment
    from experiments.store import SweepStore
    from experiments.sweep import run_sweep

    replications = max(1, -(-runs // MAX_SAMPLES))  # a design holds at most MAX_SAMPLES points
    experiment = Experiment.model_validate(
        {
            "base": "tpn_2021",
            "design": "latin_hypercube",
            "samples": runs // replications,
            "seed": 1,
            "outcomes": list(SWEEP_OUTCOMES),
            "factors": {
                "virtual_share": {"range": [0, 1]},
                "exchange_visits_per_year": {"range": [0, 60]},
            },
        }
    )
    base = load_scenario("tpn_2021")
    model = model or ScenarioModel(base, experiment.outcomes)
    with tempfile.TemporaryDirectory() as folder, PeakMemory() as memory:
        store = SweepStore.open(Path(folder) / "sweep", resume=False, force=False, fingerprint="")
        start = time.perf_counter()
        design = make_design(experiment, base)
        with ProcessExecutor(workers) as executor:
            run_sweep(model, design, replications, 1, store, executor)
        seconds = time.perf_counter() - start
    return runs / seconds, memory


def sweep_outcomes_as_given(virtual_share: float, exchange_visits_per_year: float) -> dict:
    """A stand-in for tpn-sim with the sweep's outcomes: what the parent of a sweep holds does
    not depend on what the workers compute."""
    return dict(zip(SWEEP_OUTCOMES, (virtual_share, exchange_visits_per_year), strict=True))


class PeakMemory:
    """The largest memory of this process (``parent_mib``) and of its descendants together
    (worker processes, their forkserver and resource tracker: ``children_mib``) while the block
    runs, sampled every ``interval`` seconds, in MiB. Memory is the proportional set size where
    the system reports it (Linux): pages shared between processes, such as the libraries each
    maps, are counted once in all, as the machine holds them; elsewhere the resident size.

    Reading the proportional set size parses each process's whole memory map (about 2 ms a
    process): sampled every 50 ms it took a sixth of a core from the sweep it measured, and on
    2 cores from its workers. Once a second costs under 1%, and a sweep's memory grows over
    seconds, not milliseconds."""

    def __init__(self, interval: float = 1.0) -> None:
        import psutil

        self._root = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.parent_mib = self.children_mib = self.peak_mib = 0.0

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        while True:
            sizes = []
            for process in (self._root, *self._root.children(recursive=True)):
                try:
                    info = process.memory_full_info()
                except psutil.AccessDenied:
                    info = process.memory_info()
                except psutil.Error:  # a process that ended between listing and reading
                    continue
                sizes.append(getattr(info, "pss", info.rss) / 2**20)
            if sizes:
                parent, children = sizes[0], sum(sizes[1:])
                self.parent_mib = max(self.parent_mib, parent)
                self.children_mib = max(self.children_mib, children)
                self.peak_mib = max(self.peak_mib, parent + children)
            if self._stop.wait(self._interval):
                return


def sweep_peak_memory(small: int, small_memory: "PeakMemory", runs: int) -> dict[str, float]:
    """The peak memory of a :data:`MEMORY_SWEEP_RUNS`-run sweep on 2 workers, measured in two
    parts that add up to it (the whole sweep takes about half an hour):

    - the parent, measured on a sweep of the full size whose model returns its inputs: it
      builds every task, receives every row, writes every chunk and merges and summarises them
      all, exactly as for tpn-sim;
    - the workers and their forkserver, measured on a tpn-sim sweep of ``runs`` runs: a
      worker holds one batch at a time, so its memory does not grow with the sweep once its
      allocator has warmed up (about 3,000 runs a worker; the caller's sweep of ``small`` runs,
      ``small_memory``, is printed beside it to show the plateau)."""
    from experiments.replicate import FunctionModel

    _, large = sweep_runs_per_second(2, runs)
    stand_in = FunctionModel(sweep_outcomes_as_given, SWEEP_OUTCOMES)
    _, full = sweep_runs_per_second(2, MEMORY_SWEEP_RUNS, stand_in)
    return {
        f"sweep_peak_memory_mib_{small}_runs": round(small_memory.peak_mib, 1),
        f"sweep_peak_memory_mib_{runs}_runs": round(large.peak_mib, 1),
        f"sweep_workers_memory_mib_{small}_runs": round(small_memory.children_mib, 1),
        f"sweep_workers_memory_mib_{runs}_runs": round(large.children_mib, 1),
        f"sweep_parent_memory_mib_{MEMORY_SWEEP_RUNS}_runs": round(full.parent_mib, 1),
        f"sweep_peak_memory_mib_{MEMORY_SWEEP_RUNS}_runs": round(
            full.parent_mib + large.children_mib, 1
        ),
    }


def memory_lines(figures: dict) -> str:
    """The memory figures of :func:`sweep_peak_memory` in words."""

    def at(prefix: str) -> dict[int, float]:
        return {int(k.split("_")[-2]): v for k, v in figures.items() if k.startswith(prefix)}

    total, workers = at("sweep_peak_memory_mib_"), at("sweep_workers_memory_mib_")
    measured = sorted(workers)
    parent = figures[f"sweep_parent_memory_mib_{MEMORY_SWEEP_RUNS}_runs"]
    return (
        "peak memory of a sweep on 2 workers (all processes, proportional set size): "
        + ", ".join(f"{total[n]:.0f} MiB at {n:,} runs" for n in measured)
        + f"; workers and forkserver {workers[measured[0]]:.0f} then {workers[measured[-1]]:.0f}"
        + f" MiB; the parent of a {MEMORY_SWEEP_RUNS:,}-run sweep {parent:.0f} MiB, so "
        + f"{total[MEMORY_SWEEP_RUNS]:.0f} MiB at {MEMORY_SWEEP_RUNS:,} runs (target < 1,024 MiB)"
    )


def sobol_seconds() -> tuple[float, int]:
    """Wall time of the shipped Sobol experiment (8 factors, N=256, second order) on 2 workers."""
    from experiments.design import make_design
    from experiments.executors import ProcessExecutor
    from experiments.replicate import ScenarioModel
    from experiments.sensitivity import analyse
    from experiments.spec import load_experiment
    from experiments.store import SweepStore
    from experiments.sweep import point_means, run_sweep

    path = Path(__file__).with_name("sobol_tpn_2021.toml")
    start = time.perf_counter()
    experiment, base = load_experiment(path)
    design = make_design(experiment, base)
    with tempfile.TemporaryDirectory() as folder:
        store = SweepStore.open(Path(folder) / "sobol", resume=False, force=False, fingerprint="")
        with ProcessExecutor(2) as executor:
            result = run_sweep(
                ScenarioModel(base, experiment.outcomes),
                design,
                1,
                experiment.seed,
                store,
                executor,
            )
        analyse(
            experiment,
            design,
            point_means(result.runs, len(design.values), list(experiment.outcomes)),
        )
    return time.perf_counter() - start, len(result.runs)


def posterior_compare_seconds(draws: int) -> float:
    """Wall time of ``tpn compare tpn_2021 dyad no_twinning --posterior --draws N`` on 2
    workers with the shipped posterior, as a user runs it (start-up, runs, tables, figures and
    files)."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as folder:
        command = [
            *(sys.executable, "-m", "analysis.cli.main", "compare"),
            *("tpn_2021", "dyad", "no_twinning", "--posterior", "--draws", str(draws)),
            *("--scheduler", "processes:2", "--quiet", "--out", str(Path(folder) / "compare")),
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - start


def abc_calibration_seconds(population: int) -> tuple[float, int]:
    """Wall time of the shipped ABC calibration's posterior on 2 workers, at ``population``
    particles a generation (the shipped file's own population is timed once, in
    docs/evidence.md); returns the seconds and the runs it took."""
    from experiments.calibration import load_calibration
    from experiments.executors import ProcessExecutor
    from experiments.fit_abc import run_posterior

    spec, base = load_calibration(Path(__file__).with_name("calibration") / "tpn_2021.toml")
    spec = spec.model_copy(update={"abc": spec.abc.model_copy(update={"population": population})})
    with tempfile.TemporaryDirectory() as folder, ProcessExecutor(2) as executor:
        start = time.perf_counter()
        result = run_posterior(spec, base, executor, Path(folder))
        seconds = time.perf_counter() - start
    return seconds, int(result.generations["evaluations"].sum())


def measure_experiments(quick: bool = False) -> dict[str, float]:
    runs = 200 if quick else 2000
    (one, _), (two, memory) = sweep_runs_per_second(1, runs), sweep_runs_per_second(2, runs)
    figures = {
        "sweep_runs_per_second_1_worker": round(one, 1),
        "sweep_runs_per_second_2_workers": round(two, 1),
        "sweep_speedup_2_workers": round(two / one, 2),
    }
    figures.update(sweep_peak_memory(runs, memory, 3 * runs if quick else MEMORY_WARM_RUNS))
    if SHIPPED_POSTERIOR.is_file():  # the compare with parameter uncertainty needs it
        draws = 20 if quick else DEFAULT_DRAWS
        figures["compare_posterior_draws"] = draws
        figures["compare_posterior_seconds"] = round(posterior_compare_seconds(draws), 1)
    population = 40 if quick else 100
    seconds, abc_runs = abc_calibration_seconds(population)
    figures.update(
        {
            "abc_calibration_population": population,
            "abc_calibration_seconds": round(seconds, 1),
            "abc_calibration_runs": abc_runs,
        }
    )
    if not quick:
        seconds, count = sobol_seconds()
        figures.update({"sobol_seconds": round(seconds, 1), "sobol_runs": count})
    figures["load_average_at_end"] = round(os.getloadavg()[0], 2)
    return figures


def measure(quick: bool = False) -> dict[str, float | str]:
    repeats = 2 if quick else 5
    load = os.getloadavg()[0]
    model_only, replication, side_by_side, agent_steps = tpn_run_seconds(repeats)
    ours, build = large_world_step_microseconds(repeats)
    boltzmann = boltzmann_step_microseconds(repeats, BoltzmannWealth)
    bare = boltzmann_step_microseconds(repeats, BareBoltzmannWealth)
    return {
        "tpn_2021_run_ms": round(model_only * 1e3, 2),
        "tpn_2021_replication_with_counterfactual_ms": round(replication * 1e3, 2),
        "tpn_2021_replications_per_second_1_core": round(1 / replication, 1),
        "tpn_2021_replication_side_by_side_ms": round(side_by_side * 1e3, 2),
        "tpn_2021_replications_per_second_1_core_side_by_side": round(1 / side_by_side, 1),
        "tpn_2021_us_per_agent_step": round(model_only / agent_steps * 1e6, 3),
        "large_world_us_per_agent_step": round(ours, 3),
        "large_world_construction_s": round(build, 3),
        "boltzmann_us_per_agent_step": round(boltzmann, 3),
        "ratio_ours_to_boltzmann": round(ours / boltzmann, 3),
        "bare_boltzmann_us_per_agent_step": round(bare, 3),
        "ratio_ours_to_bare_boltzmann": round(ours / bare, 3),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {processor_name()}",
        "load_average_at_start": round(load, 2),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
    }


def main(json_line: bool = False, quick: bool = False, experiments: bool = False) -> int:
    figures = measure(quick)
    if experiments:
        figures.update(measure_experiments(quick))
    if json_line:
        print(json.dumps(figures))
        return 0
    print(
        f"tpn_2021 run (74 institutions, 24 months, built and collected): "
        f"{figures['tpn_2021_run_ms']:.1f} ms  (target < 15 ms)"
    )
    print(
        f"  one replication with its no-twinning counterfactual and outcomes: "
        f"{figures['tpn_2021_replication_with_counterfactual_ms']:.1f} ms "
        f"({figures['tpn_2021_replications_per_second_1_core']:.0f} a second on one core); "
        f"{figures['tpn_2021_us_per_agent_step']:.2f} us per agent-step"
    )
    print(
        f"  side by side, as sweeps and replications run them (sim.batch): "
        f"{figures['tpn_2021_replication_side_by_side_ms']:.1f} ms a replication "
        f"({figures['tpn_2021_replications_per_second_1_core_side_by_side']:.0f} a second on "
        "one core)"
    )
    print(
        f"5,000 institutions x 60 months: {figures['large_world_us_per_agent_step']:.3f} "
        f"us per agent-step (construction {figures['large_world_construction_s']:.2f} s)"
    )
    print(
        f"Mesa Boltzmann wealth, 5,000 agents: {figures['boltzmann_us_per_agent_step']:.3f} "
        f"us per agent-step"
    )
    print(f"ratio ours / Boltzmann: {figures['ratio_ours_to_boltzmann']:.2f}  (target <= 0.5)")
    print(
        f"  the same exchange as one bare loop (no activation order, no method call): "
        f"{figures['bare_boltzmann_us_per_agent_step']:.3f} us per agent-step; ratio "
        f"{figures['ratio_ours_to_bare_boltzmann']:.2f}"
    )
    if experiments:
        print(
            f"sweep of tpn_2021: {figures['sweep_runs_per_second_1_worker']:.0f} runs/s on 1 "
            f"worker, {figures['sweep_runs_per_second_2_workers']:.0f} on 2: "
            f"{figures['sweep_speedup_2_workers']:.2f}x  (each run a replication with its "
            "counterfactual and outcomes; target 400 a second on 2 workers, >= 1.9x)"
        )
        print(memory_lines(figures))
        if "compare_posterior_seconds" in figures:
            draws = figures["compare_posterior_draws"]
            print(
                f"tpn compare tpn_2021 dyad no_twinning --posterior, {draws} draws x "
                f"{DEFAULT_SEEDS_PER_DRAW} seeds on 2 workers: "
                f"{figures['compare_posterior_seconds']:.0f} s"
                + ("  (target < 60 s)" if draws == DEFAULT_DRAWS else "")
            )
        print(
            f"tpn calibrate (ABC, shipped file at population "
            f"{figures['abc_calibration_population']}) on 2 workers: "
            f"{figures['abc_calibration_seconds']:.0f} s for {figures['abc_calibration_runs']:,} "
            "runs (the full run: docs/evidence.md; target < 15 min)"
        )
        if "sobol_seconds" in figures:
            print(
                f"Sobol analysis, 8 factors, N=256, second order ({figures['sobol_runs']:,} "
                f"runs) on 2 workers: {figures['sobol_seconds']:.0f} s  (target < 15 s)"
            )
    load = f"load average {figures['load_average_at_start']:.2f} at the start"
    if "load_average_at_end" in figures:
        load += f", {figures['load_average_at_end']:.2f} at the end"
    print(
        f"machine: {figures['machine']} ({load}); Python {figures['python']}; "
        f"Mesa {figures['mesa']}"
    )
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(
        main(
            json_line="--json" in sys.argv,
            quick="--quick" in sys.argv,
            experiments="--experiments" in sys.argv,
        )
    )
