"""Funding: who pays, how much each payer can, and what happens when the donor leaves.

Prices are the world's costs.csv; the rules that use these levers are :mod:`sim.payers`.
"""

from typing import Literal

from sim.activity_kinds import MOH_PAYABLE
from sim.params.fields import ASSUMPTION, PUBLICATION, Section, assumed, param


class Funding(Section):
    """Who pays, how much they can, and what happens when the donor leaves (prices: costs.csv)."""

    donor_exit_month: int | None = param(
        None,
        "model month",
        PUBLICATION + ": the TPN was donor-funded",
        "Last month the donor pays is the one before this; blank: the end of the programme.",
        ge=0,
        le=600,
    )
    donor_budget_per_year: float = param(
        250e6,
        "RWF/year",
        ASSUMPTION,
        "Donor's cash for the programme per budget year (model months 0-11, 12-23, ...).",
        ge=0,
    )
    donor_budget_total: float | None = param(
        None,
        "RWF",
        ASSUMPTION,
        "Donor's cash for the whole programme, on top of the yearly cap; blank: no total cap.",
        ge=0,
    )
    moh_budget_per_year: float = param(
        0.0,
        "RWF/year",
        assumed("participants asked the MOH to fund it"),
        "Ministry budget line for cross-district learning; it pays once the donor does not.",
        ge=0,
    )
    moh_pays_for: tuple[Literal[MOH_PAYABLE], ...] = param(
        MOH_PAYABLE,
        "activities",
        ASSUMPTION,
        "Activities the Ministry budget line pays for.",
    )
    self_funding_budget_per_year: float = param(
        1.5e6,
        "RWF/year per institution",
        ASSUMPTION,
        "What a district or hospital that keeps twinning on its own can spend on it a year.",
        ge=0,
    )
    self_funding_base: float = param(
        0.1,
        "probability",
        ASSUMPTION,
        "Chance an institution keeps twinning at its own cost after donor exit, without "
        "committed leadership or a contract.",
        ge=0,
        le=1,
    )
    self_funding_leadership: float = param(
        0.3,
        "probability per unit of commitment",
        assumed("leadership"),
        "Added to that chance per unit of leadership commitment.",
        ge=0,
        le=1,
    )
    performance_contracts: bool = param(
        False,
        "-",
        PUBLICATION + ": participants asked for twinning in district performance contracts",
        "Twinning written into district performance contracts.",
    )
    contract_leadership_boost: float = param(
        0.15,
        "leadership units",
        ASSUMPTION,
        "Rise in DHMTs' leadership commitment at launch under performance contracts.",
        ge=0,
        le=1,
    )
    contract_self_funding_boost: float = param(
        0.35,
        "probability",
        ASSUMPTION,
        "Added to a DHMT's chance of keeping twinning after donor exit under contracts.",
        ge=0,
        le=1,
    )
    continuation_visits_per_year: float = param(
        1.0,
        "visits/year per partnership",
        ASSUMPTION,
        "Exchange visits a partnership plans after the programme ends, if someone pays.",
        ge=0,
        le=12,
    )
    continuation_event_interval_months: int = param(
        6,
        "months",
        ASSUMPTION,
        "Months between learning events after the programme (0: none).",
        ge=0,
        le=600,
    )
    facilitation_base: str = param(
        "Nyarugenge",
        "district",
        ASSUMPTION,
        "Where the facilitation team travels from.",
    )
