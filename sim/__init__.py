"""tpn-sim: an agent-based simulator of twinning (peer-learning) among health institutions.

``sim`` is the model only: one scenario, one world, one run. Many runs are ``experiments``;
what people see (the ``tpn`` command, tables, figures, reports) is ``analysis``. In ``sim``:

- inputs: ``params/`` (every parameter, with unit and source), ``scenario.py`` (scenario files),
  ``world.py`` and ``topics.py`` (the world folder), ``synthetic.py`` (synthetic worlds);
- the model: ``model.py`` (the Mesa model: set-up and the month), ``agents.py`` (an
  institution), ``state.py`` (everything a month changes);
- who learns from whom: ``priorities.py`` (rising and shining topics), ``matching.py`` (how a
  host is matched), ``ties.py``, ``geography.py`` (road distances, similarity of settings);
- activities: ``activity_kinds.py`` (each kind declared once), ``gatherings.py`` (who meets at
  which workshop or event), ``calendar.py`` (what is planned when), ``month.py`` (one month, in order), ``delivery.py`` (holding each kind: how an exchange
  visit teaches), ``activity_log.py``;
- learning and indicators: ``learning.py`` (gain, absorption, implementation, turnover),
  ``indicators.py`` (true baseline, drift, measurement);
- money: ``pricing.py`` (what an activity costs), ``payers.py`` (who pays);
- one run's results: ``runner.py`` (a run and its counterfactual), ``outcomes.py``,
  ``outcome_registry.py``, ``evaluation.py`` (the evaluation's statistics).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tpn-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
