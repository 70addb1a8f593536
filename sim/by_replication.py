"""Parameters that may differ from one replication of a batch to the next.

A batch (:mod:`sim.batch`) may step replications whose scenarios differ in parameters the
months read one replication at a time: a Sobol analysis, a calibration or a posterior's draws
give every run its own efficacies, turnover or implementation rate, a sweep its own share of
virtual visits. The month's rules read such a parameter for the rows they act on with
:func:`of_rows`: a model alone, or a batch whose replications agree, gets the one number,
exactly as before; otherwise each row gets its replication's own value.
"""

import numpy as np
from pydantic import BaseModel


def of_rows(value, blocks: np.ndarray):
    """``value`` (one number, or one per replication) for rows of the given replications."""
    return value if np.ndim(value) == 0 else value[blocks]


class ByReplication:
    """One section of parameters (context, or design levers) of a batch's replications: each
    field one value where every replication has the same, else an array with one number per
    replication (read only by rules that take each row's own, :func:`of_rows`)."""

    def __init__(self, sections: list[BaseModel]) -> None:
        self._sections = sections

    def __getattr__(self, name: str):
        values = [getattr(section, name) for section in self._sections]
        value = values[0] if all(v == values[0] for v in values[1:]) else np.array(values)
        if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
            raise ValueError(f"Batch: {name} differs between replications: {values}")
        setattr(self, name, value)  # found once
        return value
