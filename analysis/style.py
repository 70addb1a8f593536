"""One visual style for every figure: a colour per design and per topic, labelled axes, intervals."""

import matplotlib as mpl

mpl.use("Agg")

DESIGN_COLOURS = {
    "network": "#1b7837",
    "dyad": "#762a83",
    "provincial": "#e08214",
    "hub": "#2166ac",
    "none": "#7f7f7f",
}
GROUP_COLOURS = {"choosers": "#1b7837", "comparison": "#7f7f7f", "counterfactual": "#1b7837"}
KIND_MARKERS = {"dhmt": "o", "hospital": "s"}
TOPIC_PALETTE = mpl.colormaps["tab20"].colors


def topic_colour(names: tuple[str, ...], topic: str):
    return TOPIC_PALETTE[names.index(topic) % len(TOPIC_PALETTE)]


def design_colour(design: str, fallback_index: int = 0):
    return DESIGN_COLOURS.get(design, TOPIC_PALETTE[fallback_index % len(TOPIC_PALETTE)])


def apply() -> None:
    mpl.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 130,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 9,
            "axes.titlesize": 10,
            "legend.frameon": False,
        }
    )
