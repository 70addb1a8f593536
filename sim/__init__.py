"""tpn-sim: an agent-based simulator of twinning (peer-learning) among health institutions.

The model lives in :mod:`sim.model`; scenarios are read by :mod:`sim.scenario`; replications are
run by :mod:`sim.runner`. Plots, tables and reports live in the separate ``analysis`` package so
that the model never touches files or figures.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tpn-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
