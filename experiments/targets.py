"""Calibration targets: observed figures, each with its own likelihood, apart from any optimiser.

A target names a run outcome, the observed value and ``sd``: how far the model may miss it
beyond the run-to-run spread it simulates itself (survey sampling of 19 hospitals, the model's
own simplifications). The likelihood of a parameter set is Wood's (2010) synthetic likelihood:
the simulated replications give a mean and a spread, and the observation is scored under a normal
with that mean and the two spreads combined.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Target:
    name: str
    outcome: str
    observed: float
    sd: float
    description: str = ""
    source: str = ""

    def log_likelihood(self, simulated: np.ndarray) -> float:
        """Log density of the observed value under the simulated replications (synthetic)."""
        simulated = np.asarray(simulated, dtype=float)
        simulated = simulated[~np.isnan(simulated)]
        if len(simulated) < 2:
            return float("-inf")
        scale = np.sqrt(simulated.var(ddof=1) + self.sd**2)
        return float(norm.logpdf(self.observed, loc=simulated.mean(), scale=scale))

    def interval(self, simulated: np.ndarray, level: float = 0.95) -> tuple[float, float]:
        """Central interval of the simulated values (one run's plausible range)."""
        tail = 50 * (1 - level)
        return (
            float(np.nanpercentile(simulated, tail)),
            float(np.nanpercentile(simulated, 100 - tail)),
        )
