"""One visual style for every figure: colour-blind-safe colours, readable sizes, labelled axes.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), told apart by
readers with any common colour-vision deficiency. It has seven colours besides black, so no
figure uses more than :data:`MAX_COLOURS` of them for categories: topics beyond that are drawn
in grey as "other topics". Every design has its own colour, the same in every figure.
"""

import matplotlib as mpl

from sim.params import SECTION_OF, SECTIONS

mpl.use("Agg")

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
GREY, LIGHT_GREY = "#7f7f7f", "#d9d9d9"
# Categories in this order (yellow, too light for lines on white, is left for shading).
SERIES = tuple(
    OKABE_ITO[name]
    for name in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue")
)
MAX_COLOURS = len(SERIES)
PROGRAMME_SHADE = OKABE_ITO["yellow"]  # the programme's months, behind time series
DESIGN_COLOURS = {
    "network": OKABE_ITO["bluish_green"],
    "dyad": OKABE_ITO["reddish_purple"],
    "provincial": OKABE_ITO["orange"],
    "hub": OKABE_ITO["blue"],
    "none": GREY,
}
GROUP_COLOURS = {"choosers": OKABE_ITO["blue"], "comparison": GREY}
KIND_MARKERS = {"dhmt": "o", "hospital": "s"}


def category_colour(index: int):
    """The colour of the ``index``-th category of a figure (cycling past the last)."""
    return SERIES[index % len(SERIES)]


def topic_colours(topics_by_weight: list[str]) -> dict[str, str]:
    """Colours of the most important topics (first :data:`MAX_COLOURS` - 1); the rest grey,
    so a figure never asks a reader to tell twelve colours apart."""
    shown = (
        topics_by_weight[: MAX_COLOURS - 1]
        if len(topics_by_weight) > MAX_COLOURS
        else topics_by_weight
    )
    return {t: (SERIES[i] if t in shown else GREY) for i, t in enumerate(topics_by_weight)}


def words(name: str) -> str:
    """A name as a figure shows it: words, not an identifier (``no_twinning`` -> ``no twinning``)."""
    return name.replace("_", " ")


def scenario_words(name: str, design: str = "") -> str:
    """A scenario as a sentence, a table or a legend names it, in words with its design:
    "tpn 2021 (network design)", "no twinning (no programme)"; just the name in words when
    the design is not known ("" or "?")."""
    if design in ("", "?"):
        return words(name)
    kind = "no programme" if design == "none" else f"{words(design)} design"
    return f"{words(name)} ({kind})"


def parameter_words(name: str) -> str:
    """A parameter as a figure names it: words and its unit (``efficacy_coaching`` ->
    ``efficacy coaching (share of the gap)``), from the field's declaration in :mod:`sim.params`."""
    field = SECTIONS[SECTION_OF[name]].model_fields[name] if name in SECTION_OF else None
    unit = (field.json_schema_extra or {}).get("unit", "") if field else ""
    return f"{words(name)} ({unit})" if unit and unit != "-" else words(name)


def design_colour(design: str, fallback_index: int = 0):
    return DESIGN_COLOURS.get(design, category_colour(fallback_index))


def apply() -> None:
    mpl.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 130,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "axes.prop_cycle": mpl.cycler(color=SERIES),
        }
    )
