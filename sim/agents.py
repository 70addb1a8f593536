"""An institution (a DHMT or a hospital): one Mesa agent.

The model keeps every institution's numbers in arrays so the monthly arithmetic runs vectorised
(:mod:`sim.learning`, :mod:`sim.delivery`); an :class:`Institution` is a named view onto its row
of those arrays, plus the decisions that really are taken one institution at a time, such as
changing a priority.
"""

import mesa
import numpy as np

from sim.month import switch_priority


class Institution(mesa.Agent):
    """A district health management team or a hospital taking part in (or outside) twinning."""

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = index

    # Read-only views onto the model's arrays -------------------------------------------------
    @property
    def identifier(self) -> str:
        return str(self.model.world.ids[self.index])

    @property
    def kind(self) -> str:
        return str(self.model.world.kind[self.index])

    @property
    def province(self) -> str:
        return str(self.model.world.province[self.index])

    @property
    def member(self) -> bool:
        return bool(self.model.member[self.index])

    @property
    def leadership(self) -> float:
        return float(self.model.state.leadership[self.index])

    @property
    def competence(self) -> dict[str, float]:
        return self._by_topic(self.model.state.competence[self.index])

    @property
    def knowhow(self) -> dict[str, float]:
        return self._by_topic(self.model.state.knowhow[self.index])

    @property
    def rising(self) -> list[str]:
        return self._topics(self.model.state.rising[self.index])

    @property
    def shining(self) -> list[str]:
        return self._topics(self.model.shining[self.index])

    # Decisions --------------------------------------------------------------------------------
    def switch_priority(self, dropped: int, taken: int, notified: bool) -> None:
        """Drop one rising topic for another (:func:`sim.month.switch_priority`)."""
        switch_priority(self.model, self.index, dropped, taken, notified)

    def _by_topic(self, row: np.ndarray) -> dict[str, float]:
        names = self.model.world.topics.names
        return {
            names[t]: float(row[t]) for t in np.flatnonzero(self.model.world.applies[self.index])
        }

    def _topics(self, row: np.ndarray) -> list[str]:
        names = self.model.world.topics.names
        return [names[t] for t in np.flatnonzero(row)]
