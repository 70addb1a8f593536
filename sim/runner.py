"""One run with one seed: the model, its counterfactual, their outcomes and tidy tables.

``run_one`` builds the model and its counterfactual (same seed, ``design="none"``), steps both to
the horizon and returns the outcomes and, on request, the tidy monthly series, ties and activity
log. Many replications on common seeds are run by :mod:`experiments.replicate`.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.activity_kinds import ACTIVITY_NAMES
from sim.activity_log import LOG_COLUMNS
from sim.batch import Batch, side_by_side
from sim.counterfactual import Counterfactual
from sim.evaluation import comparison_group
from sim.model import TwinningModel
from sim.outcomes import outcomes
from sim.params import Scenario
from sim.payers import FUNDERS

# Replications side by side in a batch: as many as make a world of this many institutions.
# Beyond a few thousand rows a month's arrays cost about what the large world's do per
# institution (issue #15), so a larger batch saves no calls, only memory.
BATCH_INSTITUTIONS = 2048


@dataclass
class RunResult:
    """One replication: outcomes, and optionally its monthly series, ties and activity log."""

    outcomes: dict[str, float]
    series: pd.DataFrame | None = None
    ties: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None


def simulate(scenario: Scenario, seed: int) -> TwinningModel:
    """Build and run one model to its horizon (outcomes only: no Mesa data collection)."""
    return _run(TwinningModel(scenario, rng=seed, collect=False))


def simulate_pair(
    scenario: Scenario, seed: int
) -> tuple[TwinningModel, TwinningModel | Counterfactual]:
    """A run and its counterfactual, the same world and seed without twinning
    (:class:`sim.counterfactual.Counterfactual`; a run without a programme is its own). The
    two step month by month together, reading each month's context draws once
    (:class:`sim.model.ContextStream`)."""
    model = TwinningModel(scenario, rng=seed, collect=False)
    if scenario.design.design == "none":
        return _run(model), model
    counterfactual = Counterfactual(model)
    while model.running:
        model.step()
        counterfactual.step()
    return model, counterfactual


def simulate_pairs(
    scenarios: Scenario | list[Scenario], seeds: list[int]
) -> Iterator[tuple[TwinningModel, TwinningModel | Counterfactual]]:
    """:func:`simulate_pair` for every seed (with one scenario for all, or one each), in
    order, stepped side by side (:class:`sim.batch.Batch`): consecutive runs whose scenarios
    can share a batch (:func:`sim.batch.side_by_side`), as many at a time as keep a batch
    within ``BATCH_INSTITUTIONS`` institutions. The same bytes, in a fraction of the calls;
    each batch's pairs are given as it finishes, so that a caller holds one batch at a time."""
    if isinstance(scenarios, Scenario):
        scenarios = [scenarios] * len(seeds)
    waiting: list[TwinningModel] = []
    for scenario, seed in zip(scenarios, seeds, strict=True):
        model = TwinningModel(scenario, rng=seed, collect=False)
        full = (len(waiting) + 1) * len(model.world) > BATCH_INSTITUTIONS
        if waiting and (full or not side_by_side(waiting[0], model)):
            yield from Batch(waiting).run()
            waiting = []
        waiting.append(model)
    if waiting:
        yield from Batch(waiting).run()


def _run(model: TwinningModel) -> TwinningModel:
    while model.running:
        model.step()
    return model


def run_one(scenario: Scenario, seed: int, *, detail: bool = False) -> RunResult:
    """One replication with its counterfactual; ``detail`` adds series, ties and activities."""
    return _result(*simulate_pair(scenario, seed), detail)


def run_many(
    scenarios: Scenario | list[Scenario], seeds: list[int], detail: frozenset = frozenset()
) -> list[RunResult]:
    """:func:`run_one` for every seed (one scenario for all, or one each), in order, the runs
    side by side (:func:`simulate_pairs`); seeds in ``detail`` add series, ties and
    activities."""
    pairs = simulate_pairs(scenarios, seeds)
    return [_result(*pair, seed in detail) for pair, seed in zip(pairs, seeds, strict=True)]


def _result(model, counterfactual, detail: bool) -> RunResult:
    result = RunResult(outcomes(model, counterfactual))
    if detail:
        result.series = series_frame(model, counterfactual)
        result.ties = ties_frame(model)
        result.activities = activities_frame(model)
    return result


def series_frame(
    model: TwinningModel, counterfactual: Counterfactual | TwinningModel
) -> pd.DataFrame:
    """Tidy monthly series: one row per month, institution and applicable topic."""
    world = model.world
    months = model.params.horizon_months + 1
    month_index, inst_index, topic_index = np.nonzero(
        np.broadcast_to(world.applies, (months, *world.applies.shape))
    )
    span = world.topics.span[topic_index]
    low = world.topics.scale_min[topic_index]
    cells = (month_index, inst_index, topic_index)
    competence = model.history_competence[cells]
    dates = pd.period_range(model.params.start_date, periods=months, freq="M").astype(str)
    frame = pd.DataFrame(
        {
            "month": month_index.astype(np.int16),
            "date": pd.Categorical.from_codes(month_index, categories=list(dates)),
            "institution": pd.Categorical.from_codes(inst_index, categories=list(world.ids)),
            "topic": pd.Categorical.from_codes(topic_index, categories=list(world.topics.names)),
            "member": model.member[inst_index],
            "chose_topic": model.rising_at_launch[inst_index, topic_index],
            "competence": competence,
            "knowhow": model.history_knowhow[cells],
            "indicator_true": (low + span * competence).astype(np.float32),
            "indicator_measured": np.stack([model.measured(m) for m in range(months)])[
                cells
            ].astype(np.float32),
            "indicator_without_twinning": (
                low + span * counterfactual.history_competence[cells]
            ).astype(np.float32),
        }
    )
    return frame


def group_series(
    model: TwinningModel, counterfactual: Counterfactual | TwinningModel
) -> pd.DataFrame:
    """Monthly means of the true indicator per headline topic: choosers, comparison group, and
    choosers without twinning. A few hundred rows a run, for sweeps that keep trajectories."""
    world = model.world
    true = model.history_competence
    without = counterfactual.history_competence
    frames = []
    for topic in model.params.evaluation.headline_topics:
        t = world.topics.index(topic)
        chose = model.rising_at_launch[:, t]
        compare, _ = comparison_group(
            model.member, world.applies[:, t], chose, model.params.evaluation.comparison
        )
        scale = world.topics.span[t]
        low = world.topics.scale_min[t]
        frames.append(
            pd.DataFrame(
                {
                    "month": np.arange(len(true)),
                    "topic": topic,
                    "choosers": low + scale * true[:, chose, t].mean(axis=1),
                    "comparison": low + scale * true[:, compare, t].mean(axis=1),
                    "choosers_without_twinning": low + scale * without[:, chose, t].mean(axis=1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def ties_frame(model: TwinningModel) -> pd.DataFrame:
    ties, world = model.state.ties, model.world
    return pd.DataFrame(
        {
            "learner": world.ids[ties.learner],
            "host": world.ids[ties.host],
            "topic": np.array(world.topics.names, dtype=object)[ties.topic],
            "active_at_end": ties.active,
            "formed_at_launch": np.arange(len(ties)) < model.initial_tie_count,
        }
    )


def activities_frame(model: TwinningModel) -> pd.DataFrame:
    table = model.state.log.table()
    frame = pd.DataFrame(table, columns=list(LOG_COLUMNS))
    ids = np.append(model.world.ids, "")
    provinces = np.append(np.array(model.province_names), "")
    kinds = frame["kind"].astype(int)
    return pd.DataFrame(
        {
            "month": frame["month"].astype(int),
            "activity": np.array(ACTIVITY_NAMES)[kinds],
            "learner": ids[frame["learner"].astype(int)],
            "host": ids[frame["host"].astype(int)],
            "province": provinces[frame["province"].astype(int)],
            "virtual": frame["virtual"].astype(bool),
            "participants": frame["participants"].astype(int),
            "travel_person_days": frame["travel_person_days"],
            "cash_rwf": frame["cash_rwf"],
            "payer": np.array(FUNDERS)[frame["payer"].astype(int)],
        }
    )
