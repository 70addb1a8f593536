"""The pieces every report is built of: sections, tables, embedded figures and glossaries.

Each piece is a plain dict the template (``analysis/templates/report.html.j2``) renders; the
builders of each folder kind only choose which pieces to show and what they say.
"""

import base64
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sim.outcome_registry import COMPARISON_OUTCOMES, outcome


def section(
    heading: str,
    intro: str = "",
    tables: list | None = None,
    figures: list | None = None,
    level: int = 2,
    points: list[str] | None = None,
    appendix: bool = False,
    summary: bool = False,
) -> dict:
    """A titled part of the report (``level`` 2 or 3: a chapter or a subsection); ``points``
    a list of sentences; ``appendix``: after the results, for readers who check them (full
    tables under the files' names, assumptions); ``summary``: the conclusion on page one."""
    return {
        "heading": heading,
        "intro": intro,
        "tables": tables or [],
        "figures": figures or [],
        "level": level,
        "points": points or [],
        "appendix": appendix,
        "summary": summary,
        "first_appendix": False,
    }


def table(
    frame: pd.DataFrame,
    caption: str = "",
    heading: str = "",
    left: int = 1,
    notes: list[str] | None = None,
    glossary: list[tuple[str, str]] | None = None,
    strong: list[bool] | None = None,
    full: bool = False,
    css: str = "",
) -> dict:
    """A table of text cells; the first ``left`` columns left-aligned (names), the others
    right-aligned (numbers); ``strong`` rows in bold; ``full`` spans the page width; ``css``
    a class of the template's style sheet (``assumptions``: column widths that fit A4)."""
    return {
        "heading": heading,
        "caption": caption,
        "columns": [str(c) for c in frame.columns],
        "rows": [
            ["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)
        ],
        "left": left,
        "notes": notes or [],
        "glossary": glossary or [],
        "strong": strong,
        "full": full,
        "css": css,
    }


def figures(folder: Path, captions: dict[str, str], prefix: str = "") -> list[dict]:
    """Every PNG in ``folder/figures``, embedded as a data URI so the report stands alone, in
    the order of ``captions`` (figures without a caption of their own last, by name)."""
    found = sorted(
        (folder / "figures").glob("*.png") if (folder / "figures").is_dir() else [],
        key=lambda path: (list(captions).index(path.stem) if path.stem in captions else 99, path),
    )
    return [
        {
            "uri": "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii"),
            "caption": captions.get(path.stem) or _named(path.stem).capitalize() + ".",
            "stem": path.stem,
            "alt": _named(path.stem),
            "path": f"{prefix}figures/{path.name}",
        }
        for path in found
    ]


def _named(stem: str) -> str:
    return stem.replace("_", " ").replace("-", " ")


def glossary(names: Iterable[str]) -> list[tuple[str, str]]:
    """What each outcome shown means, from the outcome registry: label, unit and definition,
    once per measure (``<topic>.causal_effect`` stands for every topic's)."""
    entries: dict[str, str] = {}
    for name in names:
        try:
            record = COMPARISON_OUTCOMES.get(name) or outcome(name)
        except KeyError:  # a column that is not an outcome (a factor, a count of runs)
            continue
        entries.setdefault(
            record.declared_name, f"{record.label} ({record.unit}): {record.description}"
        )
    return list(entries.items())
