"""What a run changes, month by month, in one place.

Everything else a :class:`sim.model.TwinningModel` holds is fixed when it is built: the world,
who is a member, launch months, the plan, strengths, turnover and workload. Month by month the
rules (:mod:`sim.delivery`, :mod:`sim.learning`, :mod:`sim.indicators`) change only what is
here, plus the money spent, which the payers' ledger keeps (:class:`sim.payers.Payers`).
"""

from dataclasses import dataclass, field

import numpy as np

from sim.activity_log import ActivityLog
from sim.calendar import PLAN_DTYPE
from sim.ties import Ties

# Competence and know-how are float32: half the memory traffic on the hot path, and 7
# significant digits are ample for competences on a 0-1 scale.
STATE = np.float32


@dataclass(eq=False)
class State:
    """Arrays by institution (N) and topic (K); competence and know-how in competence units
    (0-1, one unit is the whole width of a topic's indicator scale), float32."""

    competence: np.ndarray  # (N, K) institutional competence, drives the indicator
    knowhow: np.ndarray  # (N, K) learned by staff, not yet built into routines
    leadership: np.ndarray  # (N,) leaders' commitment, 0-1
    rising: np.ndarray  # (N, K) bool: the topics each team works on now
    twinning: np.ndarray  # (N,) bool: still twinning (changes when the donor leaves)
    ties: Ties  # who learns from whom, and each host's load
    log: ActivityLog = field(default_factory=ActivityLog)
    carried: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=PLAN_DTYPE))
    # mid-course priority switches so far, by replication (one, or a batch's: sim.batch)
    switches: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
