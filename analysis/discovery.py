"""Scenario discovery: the boxes of uncertain factors where a condition on the outcomes holds.

A condition (`tpn discover DIR --where "EXPR"`) is read over the per-point table of
:func:`experiments.robustness.per_point_table`: ``POLICY.OUTCOME`` and ``POLICY.regret.OUTCOME``,
numbers, ``+ - * / **``, parentheses, comparisons, ``& | ~`` (or ``and or not``). It is read
token by token here, every name checked against the table and replaced by a plain column name,
and only then evaluated by pandas: no other name, call or attribute reaches the evaluator, so a
condition cannot run code.

The boxes come from PRIM (Friedman and Fisher 1999) as EMA Workbench implements it for scenario
discovery (Bryant and Lempert 2010): a box is peeled from the whole sampled space, a sliver at a
time, keeping the points where the condition holds (the cases). Each box is read at one step of
its peeling trajectory: the one with the highest coverage among those dense enough (or the
densest), with the restrictions no quasi-p-value supports dropped. Coverage: the share of all
cases inside the box; density: the share of the box's points that are cases; mass: the share of
all points inside it. EMA Workbench loads matplotlib, which is why this lives in analysis/.
"""

import re
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from sim.errors import InputError

MIN_DENSITY = 0.8  # a box is read where at least this share of its points are cases
MAX_BOXES = 2
SIGNIFICANCE = 0.05  # a restriction with a larger quasi-p-value is dropped (Bryant & Lempert)
RESAMPLES = 10  # PRIM runs on random halves of the points, to tell which restrictions recur
TOKENS = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<operator><=|>=|==|!=|\*\*|[-+*/<>()&|~])"
)
WORDS = ("and", "or", "not")
SYNTAX = "names, numbers, + - * / ** ( ), comparisons, & | ~ and/or/not only"


@dataclass(frozen=True)
class Box:
    """One box of the uncertain factors, at the step of its peeling trajectory chosen."""

    coverage: float
    density: float
    mass: float
    points: int  # points inside the box
    cases: int  # of which the condition holds
    limits: list[dict]  # restricted factors: factor, low, high, side, qp_value
    # every factor: restricted side (or ""), and for a restricted one its qp_value and how often
    # (%) PRIM on random halves of the points restricts it too at the same density
    factors: list[dict]

    def described(self) -> str:
        """``efficacy_exchange_visit is below 0.3 and turnover_multiplier is above 1.6``."""
        return " and ".join(f"{limit['factor']} is {_range_text(limit)}" for limit in self.limits)


@dataclass(frozen=True)
class Discovery:
    """What `tpn discover` found for one condition."""

    expression: str
    label: str  # the condition in words (default: the expression in quotes)
    points: int  # points where the condition could be evaluated
    cases: int  # of which it holds
    min_density: float  # the density a box was to reach
    boxes: tuple[Box, ...]

    def sentence(self) -> str:
        """What was found, in plain words (shown by `tpn discover` and `tpn report`)."""
        label = self.label[0].upper() + self.label[1:]
        if self.cases == 0:
            return f"{label} at none of the {self.points} points."
        if self.cases == self.points:
            return f"{label} at all {self.points} points."
        share = f"{label} at {self.cases / self.points:.0%} of the {self.points} points"
        if not self.boxes:
            return f"{share}, in no box of the uncertain factors."
        found = [
            f"when {box.described()} — {box.mass:.0%} of the points, {box.coverage:.0%} of the "
            f"cases ({box.density:.0%} of the points in the box)"
            for box in self.boxes
        ]
        text = f"{share}, mostly {'; or '.join(found)}."
        if self.boxes[-1].density < self.min_density:
            text += f" That box is less dense than the {self.min_density:.0%} sought."
        return text

    def record(self) -> dict:
        """The discovery as JSON-ready data (``discovery.json``)."""
        return {
            "expression": self.expression,
            "label": self.label,
            "points": self.points,
            "cases": self.cases,
            "min_density": self.min_density,
            "sentence": self.sentence(),
            "boxes": [asdict(box) for box in self.boxes],
        }


def condition_columns(expression: str, names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The expression with each name replaced by ``column_i``, and which name each stands for;
    anything but :data:`SYNTAX` or a name outside ``names`` is a one-line error."""
    known = set(names)
    used: dict[str, str] = {}
    parts: list[str] = []
    position = 0
    while position < len(expression):
        match = TOKENS.match(expression, position)
        if match is None:
            raise InputError(
                "--where", "expression", expression, f"{SYNTAX} (at '{expression[position:]}')"
            )
        kind, text = match.lastgroup, match.group()
        if kind == "name" and text not in WORDS:
            if text not in known:
                raise InputError("--where", "name", text, _known_names(names))
            parts.append(used.setdefault(text, f"column_{len(used)}"))
        elif kind != "space":
            parts.append(text)
        position = match.end()
    if not used:
        raise InputError("--where", "expression", expression, "a condition on outcomes")
    return " ".join(parts), {column: name for name, column in used.items()}


def _known_names(names: Sequence[str]) -> str:
    """What a condition may name: ``POLICY.OUTCOME`` and ``POLICY.regret.OUTCOME``."""
    policies = dict.fromkeys(name.split(".", 1)[0] for name in names)
    outcomes = dict.fromkeys(name.split(".", 1)[1] for name in names if ".regret." not in name)
    return (
        f"POLICY.OUTCOME or POLICY.regret.OUTCOME with POLICY one of {', '.join(policies)} and "
        f"OUTCOME one of {', '.join(outcomes)}"
    )


def evaluate_condition(expression: str, table: pd.DataFrame) -> pd.Series:
    """Whether the condition holds at each point (a boolean Series on ``table``'s index),
    at the points where every name it uses has a value."""
    text, columns = condition_columns(expression, [c for c in table.columns if "." in str(c)])
    frame = table[list(columns.values())].set_axis(list(columns), axis=1).dropna()
    try:
        result = frame.eval(text, engine="python")
    except Exception as error:  # pandas raises many kinds for a malformed expression
        raise InputError(
            "--where", "expression", expression, f"a well-formed condition ({error})"
        ) from None
    if not isinstance(result, pd.Series) or result.dtype != bool:
        raise InputError(
            "--where",
            "expression",
            expression,
            "a condition, true or false at each point: a comparison such as "
            "'network.accreditation.causal_effect - dyad.accreditation.causal_effect < 0'",
        )
    return result


def discover(
    factors: pd.DataFrame,
    holds: pd.Series,
    *,
    min_density: float = MIN_DENSITY,
    max_boxes: int = MAX_BOXES,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[tuple[Box, ...], tuple[pd.DataFrame, ...]]:
    """PRIM boxes of the numeric ``factors`` (one row per point) where ``holds`` is true, and
    each box's peeling trajectory (step, coverage, density, mass, restricted, chosen). A further
    box is sought only after one dense enough, on the points outside the boxes found; none when
    the condition holds nowhere or everywhere."""
    with warnings.catch_warnings():  # optional helpers it lacks (ipyparallel, altair)
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim

    x = factors.loc[holds.index].select_dtypes("number").astype(float).reset_index(drop=True)
    y = holds.to_numpy(dtype=int)
    boxes: list[Box] = []
    trajectories: list[pd.DataFrame] = []
    if y.sum() in (0, len(y)):
        return (), ()
    with warnings.catch_warnings():  # EMA Workbench's own use of pandas features on the way out
        warnings.simplefilter("ignore", pd.errors.PandasDeprecationWarning)
        prim = Prim(x, y)
        while len(boxes) < max_boxes:
            found = prim.find_box()
            if found is None:
                break
            found.select(_chosen_step(found.peeling_trajectory, min_density))
            _drop_unsupported(found)
            stats, limits = found.inspect(style="data")[0]
            if limits.empty:  # the whole space: no box says more than the share of cases
                break
            boxes.append(_box(found, stats, limits, prim.box_init, resamples, seed))
            trajectories.append(_trajectory(found.peeling_trajectory, int(stats["id"])))
            if stats["density"] < min_density:
                break
    return tuple(boxes), tuple(trajectories)


def _chosen_step(trajectory: pd.DataFrame, min_density: float) -> int:
    """The step with the highest coverage among those at least ``min_density`` dense (then the
    denser, then the fewer restrictions), else the densest step."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    order = dense.sort_values(
        ["coverage", "density", "res_dim"], ascending=[False, False, True], kind="stable"
    )
    return int(order.index[0])


def _drop_unsupported(box) -> None:
    """Drop, one at a time, each restriction whose every quasi-p-value exceeds
    :data:`SIGNIFICANCE`: a limit chance alone would often draw."""
    while True:
        _, limits = box.inspect(style="data")[0]
        quasi_p = limits.iloc[:, 2:].min(axis=1, skipna=True)
        unsupported = quasi_p[quasi_p > SIGNIFICANCE]
        if unsupported.empty:
            return
        box.drop_restriction(unsupported.idxmax())


def _box(box, stats, limits, initial, resamples: int, seed: int) -> Box:
    quasi_p = limits.iloc[:, 2:].min(axis=1, skipna=True)
    lows, highs = limits.iloc[:, 0], limits.iloc[:, 1]
    restricted = []
    for factor in limits.index:
        side_low = lows[factor] > initial.loc[0, factor]
        side_high = highs[factor] < initial.loc[1, factor]
        side = "both" if side_low and side_high else ("low" if side_low else "high")
        restricted.append(
            {
                "factor": factor,
                "low": float(lows[factor]),
                "high": float(highs[factor]),
                "side": side,
                "qp_value": float(quasi_p[factor]),
            }
        )
    recurring = (
        box.resample(int(stats["id"]), iterations=resamples, rng=seed)["reproduce density"]
        if resamples
        else pd.Series(dtype=float)
    )
    sides = {limit["factor"]: limit for limit in restricted}
    factors = [
        {
            "factor": factor,
            "restricted": sides[factor]["side"] if factor in sides else "",
            "qp_value": sides[factor]["qp_value"] if factor in sides else None,
            # Only of a limit the box keeps: a resampled box at the same density may also trim
            # factors this one leaves whole, which says nothing of theirs.
            "reproduced": round(float(recurring[factor]), 1)
            if factor in sides and factor in recurring
            else None,
        }
        for factor in initial.columns
    ]
    factors.sort(key=lambda f: (f["restricted"] == "", f["qp_value"] or 1.0))
    return Box(
        coverage=float(stats["coverage"]),
        density=float(stats["density"]),
        mass=float(stats["mass"]),
        points=int(stats["n"]),
        cases=int(stats["k"]),
        limits=restricted,
        factors=factors,
    )


def _trajectory(trajectory: pd.DataFrame, chosen: int) -> pd.DataFrame:
    table = trajectory[["coverage", "density", "mass", "res_dim"]].rename(
        columns={"res_dim": "restricted"}
    )
    return table.assign(chosen=table.index == chosen).rename_axis("step").reset_index()


def factor_table(box: dict) -> pd.DataFrame:
    """Every factor of a box (a :class:`Box` as a dict, as in ``discovery.json``): its limit,
    its quasi-p-value, and how often PRIM on half the points restricts it too."""
    limits = {limit["factor"]: limit for limit in box["limits"]}
    rows = []
    for factor in box["factors"]:
        limit = limits.get(factor["factor"])
        reproduced = factor["reproduced"]
        rows.append(
            {
                "factor": factor["factor"],
                "box": "-" if limit is None else _range_text(limit),
                "qp value": "-" if limit is None else f"{limit['qp_value']:.1g}",
                "reproduced": "-" if reproduced is None else f"{reproduced:.0f}%",
            }
        )
    return pd.DataFrame(rows)


def _range_text(limit: dict) -> str:
    low, high = _plain(limit["low"]), _plain(limit["high"])
    return {"low": f"above {low}", "high": f"below {high}"}.get(
        limit["side"], f"between {low} and {high}"
    )


def _plain(value: float) -> str:
    """A limit as a reader says it: two significant digits, thousands written out."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"
