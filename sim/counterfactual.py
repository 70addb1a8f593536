"""A run's counterfactual: the same world and seed without twinning.

Without a programme nothing teaches, so know-how stays zero and competence only drifts (the
secular trend and shocks of :func:`sim.indicators.drift`) from the run's own starting competence,
with the run's own context draws: common random numbers. For competence that is all a
``design="none"`` :class:`sim.model.TwinningModel` on the same seed computes, and outcomes read
nothing else of a counterfactual. :class:`Counterfactual` computes just that, without building a
second model: its matching, plan, gatherings, payers and agents took about a tenth of a
replication (profiled for issue #15). A test holds the two to the same bytes.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim import indicators

if TYPE_CHECKING:
    from sim.model import TwinningModel


class Counterfactual:
    """Competence month by month without twinning, stepped beside ``model`` (which must not
    have stepped yet): each month it reads the model's context draws (:class:`ContextStream`)."""

    def __init__(self, model: "TwinningModel") -> None:
        self.context = model.context
        self.context.share()
        self.trend_per_month, self.shock_scale = model.trend_per_month, model.shock_scale
        self.ceiling = model.ceiling
        self.horizon_months = model.params.horizon_months
        self.competence = model.competence_by_month[0].copy()
        self.competence_by_month = [self.competence.copy()]

    @classmethod
    def of_records(cls, competence_by_month: list[np.ndarray]) -> "Counterfactual":
        """A finished counterfactual, from its monthly records (one replication's part of a
        batch's, :class:`sim.batch.Batch`)."""
        finished = cls.__new__(cls)
        finished.competence_by_month = competence_by_month
        finished.horizon_months = len(competence_by_month) - 1
        return finished

    @property
    def running(self) -> bool:
        return len(self.competence_by_month) <= self.horizon_months

    def step(self) -> None:
        """One month: the trend and this month's competence shocks."""
        draws = self.context.month(len(self.competence_by_month))
        indicators.drift(
            self.competence, self.trend_per_month, self.shock_scale, draws.shocks, self.ceiling
        )
        self.competence_by_month.append(self.competence.copy())

    @property
    def history_competence(self) -> np.ndarray:
        """Competence of every month so far, as one (months, N, K) array."""
        return np.stack(self.competence_by_month)
