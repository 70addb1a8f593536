"""The report as one self-contained HTML file: the template filled in, then written safely."""

import os
import re
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from analysis.data_dictionary import DICTIONARY
from analysis.report.calibration import calibrate_content
from analysis.report.decisions import decompose_content, optimize_content
from analysis.report.folder import ResultsFolder, open_folder
from analysis.report.provenance import provenance_facts, synthetic_text
from analysis.report.robustness import robustness_content
from analysis.report.runs import compare_content, run_content
from analysis.report.sweeps import sensitivity_content, sweep_content
from analysis.report.validation import validate_content
from sim.errors import InputError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# What the report says of each kind of folder: title, facts, sections, synthetic flag.
BUILDERS: dict[str, Callable[[ResultsFolder], dict]] = {
    "run": run_content,
    "compare": compare_content,
    "sweep": sweep_content,
    "sensitivity": sensitivity_content,
    "validate": validate_content,
    "decompose": decompose_content,
    "optimize": optimize_content,
    "robustness": robustness_content,
    "calibrate": calibrate_content,
}


def report_command(args) -> int:
    """`tpn report RESULT_DIR [--out FILE] [--force]`: write the report, atomically, and never
    over an existing file unless ``--force``."""
    folder = Path(args.results)
    out = Path(args.out) if args.out else folder / "report.html"
    open_folder(folder)  # a bad folder is refused before anything else is looked at
    if out.is_dir():
        raise InputError("--out", "file", str(out), "an HTML file, not a folder")
    if out.exists() and not args.force:
        raise InputError("--out", "file", str(out), "already exists; pass --force to replace it")
    html = report_html(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(f"Report written to {out}")
    return 0


def report_html(folder: Path) -> str:
    """The whole report as one HTML string (reads ``folder``, writes nothing)."""
    results = open_folder(Path(folder))
    content = BUILDERS[results.kind](results)
    every_figure = [figure for part in content["sections"] for figure in part["figures"]]
    for number, figure in enumerate(every_figure, 1):
        figure["number"] = number
    synthetic = content.pop("synthetic")
    appendices = [part for part in content["sections"] if part["appendix"]]
    if appendices:
        appendices[0]["first_appendix"] = True
    dictionary = DICTIONARY if (results.path / DICTIONARY).is_file() else ""
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["breakable"] = _breakable
    return templates.get_template("report.html.j2").render(
        kind=results.kind,
        synthetic=synthetic,
        synthetic_text=synthetic_text(synthetic),
        facts=[*content.pop("facts"), *provenance_facts(results.manifest)],
        warnings=content.pop("warnings", []),
        folder=results.path.resolve().name,
        version=results.manifest.environment.get("tpn-sim", "unknown"),
        dictionary=dictionary,
        **content,
    )


def _breakable(name: str) -> Markup:
    """A column name that may wrap after its dots and underscores (long outcome names)."""
    return Markup(re.sub(r"([._])", r"\1<wbr>", str(escape(name))))
