"""Prior distributions of free parameters, as a calibration file declares them.

A prior is what we believe about a parameter before seeing the evaluation's figures: a
distribution, not only a range. Every prior is truncated to ``range`` (the parameter's plausible
span, never wider than what the model accepts), so a normal prior on a share cannot propose 1.3.
"""

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

Distribution = Literal["uniform", "normal", "lognormal", "beta"]


class Prior(BaseModel):
    """``uniform`` over ``range``; ``normal`` (``mean``, ``sd``), ``lognormal`` (``median``,
    ``sigma`` of the log) or ``beta`` (``mean``, ``concentration`` = a + b, rescaled to ``range``),
    each truncated to ``range``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    distribution: Distribution = "uniform"
    range: tuple[float, float]
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    concentration: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> "Prior":
        low, high = self.range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"range {list(self.range)}: two finite numbers, low below high")
        needs = {
            "uniform": (),
            "normal": ("mean", "sd"),
            "lognormal": ("median", "sigma"),
            "beta": ("mean", "concentration"),
        }[self.distribution]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} prior needs {' and '.join(missing)}")
        if self.distribution == "lognormal" and low < 0:
            raise ValueError("a lognormal prior needs a range of positive values")
        if self.distribution == "beta" and not low < self.mean < high:
            raise ValueError(f"a beta prior's mean {self.mean} must lie inside its range")
        return self

    def frozen(self) -> stats.rv_continuous:
        """The prior as a frozen scipy distribution, truncated to ``range``."""
        low, high = self.range
        if self.distribution == "uniform":
            return stats.uniform(loc=low, scale=high - low)
        if self.distribution == "normal":
            a, b = (low - self.mean) / self.sd, (high - self.mean) / self.sd
            return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)
        if self.distribution == "beta":
            share = (self.mean - low) / (high - low)
            return stats.beta(
                share * self.concentration,
                (1 - share) * self.concentration,
                loc=low,
                scale=high - low,
            )
        # lognormal: normal in log space, truncated there (log is monotone)
        mu = math.log(self.median)
        lo = (math.log(low) - mu) / self.sigma if low > 0 else -np.inf
        hi = (math.log(high) - mu) / self.sigma
        return _LogTruncNormal(lo, hi, mu, self.sigma)

    def describe(self) -> str:
        """The prior in a few words, e.g. ``beta(mean 0.2, concentration 8) on [0, 0.6]``."""
        words = {
            "uniform": (),
            "normal": (("mean", self.mean), ("sd", self.sd)),
            "lognormal": (("median", self.median), ("sigma", self.sigma)),
            "beta": (("mean", self.mean), ("concentration", self.concentration)),
        }[self.distribution]
        shape = self.distribution
        if words:
            shape += "(" + ", ".join(f"{name} {value:g}" for name, value in words) + ")"
        return f"{shape} on [{self.range[0]:g}, {self.range[1]:g}]"


class _LogTruncNormal:
    """exp of a truncated normal: the truncated lognormal, with the scipy methods we use."""

    def __init__(self, a: float, b: float, mu: float, sigma: float) -> None:
        self._log = stats.truncnorm(a, b, loc=mu, scale=sigma)
        self._a, self._b, self._mu, self._sigma = a, b, mu, sigma

    def mean(self) -> float:
        """E[exp X] for X normal(mu, sigma) truncated to [a, b] in standard units (closed form)."""
        phi, a, b, s = stats.norm.cdf, self._a, self._b, self._sigma
        return float(math.exp(self._mu + s**2 / 2) * (phi(b - s) - phi(a - s)) / (phi(b) - phi(a)))

    def rvs(self, size=None, random_state=None):
        return np.exp(self._log.rvs(size=size, random_state=random_state))

    def ppf(self, q):
        return np.exp(self._log.ppf(q))

    def cdf(self, x):
        return self._log.cdf(np.log(x))

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, self._log.pdf(np.log(np.maximum(x, 1e-300))) / x, 0.0)
