"""The README's figures, made again from the shipped scenarios: ``make figures``.

The README shows what `make demo` and the Ministry question of the README print; a figure copied
into ``docs/figures/`` by hand goes stale the day a figure or a scenario changes. This runs the
same commands the README shows, in a temporary folder, and copies their figures over the old
ones: ``tpn compare tpn_2021 dyad no_twinning`` (the demo's effects, trajectories and the TPN's
network) and ``tpn compare donor_exit_no_followup donor_exit_performance_contracts
moh_funded_network`` (who pays, what lasts). The first page of the demo's report
(``tpn report``) is photographed in Chromium as it prints on A4. The dashboard's screenshot
comes from its browser test, run by ``make figures`` with ``TPN_UPDATE_DOCS=1``. Figures of long computations
(calibration, Sobol indices, decomposition) are made by the commands the README names for them.
"""

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

from analysis.cli.main import main as tpn

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as `make browser` installs it
A4_WIDTH_PX = 703  # A4 less 12 mm margins at 96 dpi: the width the report prints at
REPORT_PAGE = "report-first-page.png"
# (the command's arguments, {figure in its results folder: file in docs/figures})
COMMANDS = (
    (
        ["compare", "tpn_2021", "dyad", "no_twinning"],
        {
            "figures/effects.png": "demo-effects.png",
            "figures/trajectories.png": "demo-trajectories.png",
            "tpn_2021/figures/network.png": "tpn_2021-network.png",
        },
    ),
    (
        [
            "compare",
            "donor_exit_no_followup",
            "donor_exit_performance_contracts",
            "moh_funded_network",
        ],
        {"figures/costs.png": "ministry-costs.png"},
    ),
)


def make(target: Path = FIGURES) -> list[Path]:
    """Run each command into a temporary folder and copy its figures to ``target``."""
    written = []
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tpn-readme-figures-") as temporary:
        for number, (arguments, copies) in enumerate(COMMANDS):
            folder = Path(temporary) / str(number)
            with contextlib.redirect_stdout(io.StringIO()):  # the figures, not the tables
                status = tpn([*arguments, "--out", str(folder), "--quiet"])
            if status != 0:
                raise SystemExit(status)
            for source, name in copies.items():
                shutil.copyfile(folder / source, target / name)
                written.append(target / name)
            if number == 0:
                written.append(report_first_page(folder, target / REPORT_PAGE))
    return written


def report_first_page(folder: Path, path: Path) -> Path:
    """The report of ``folder`` as its first printed page shows it: the plain-language summary
    and the chart that carries it (the report's ``section.summary``)."""
    from playwright.sync_api import sync_playwright

    with contextlib.redirect_stdout(io.StringIO()):
        if tpn(["report", str(folder)]) != 0:
            raise SystemExit(2)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": A4_WIDTH_PX, "height": 1000})
        page.goto((folder / "report.html").resolve().as_uri())
        page.emulate_media(media="print")
        page.locator("section.summary").screenshot(path=str(path))
        browser.close()
    return path


if __name__ == "__main__":
    for path in make():
        print(f"readme figures: {path}", file=sys.stderr)
