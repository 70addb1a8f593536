"""End to end in a real browser: `tpn dashboard` driven with Playwright in Debian's Chromium.

Starts the dashboard on a free port of 127.0.0.1, changes a lever, runs two designs, and checks
what the page shows (key figures, comparison table, trajectory and network figures); saves a
screenshot to test-artifacts/ (with TPN_UPDATE_DOCS=1 also to docs/figures/, the README's picture,
so that running the tests never edits a tracked file). It also opens a `tpn report` of a
`tpn run` folder in the same browser.

Chromium comes from Debian (`make test` installs it as root): Playwright's own browser download
cannot work here. Without /usr/bin/chromium the test is skipped locally and fails in CI.
"""

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = (ROOT / "test-artifacts" / "dashboard.png",) + (
    (ROOT / "docs" / "figures" / "dashboard.png",) if os.environ.get("TPN_UPDATE_DOCS") else ()
)
NUMBER_WITH_INTERVAL = re.compile(r"-?\d[\d,]*\.?\d* \[-?\d[\d,.e-]*, -?\d[\d,.e-]*\]")
TIMEOUT_MS = 30_000


def _require(ready: bool, what: str) -> None:
    """Skip locally, fail in CI, when the browser (or Playwright) is missing."""
    if ready:
        return
    message = f"{what}; `make test` installs it as root (apt-get install chromium)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message}: required in CI")
    pytest.skip(message)


def _tpn() -> list[str]:
    script = Path(sys.executable).with_name("tpn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "analysis.cli.main"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float) -> None:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"tpn dashboard exited early:\n{log.read_text()}"
        try:
            with direct.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"tpn dashboard did not answer on {url} within {timeout:.0f} s:\n{log.read_text()}")


def _stop(server: subprocess.Popen) -> bool:
    """SIGTERM to `tpn dashboard`, which must stop its Solara server and exit; whatever of the
    process group this test started is still alive after 10 s is killed. True if it was clean."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)  # is any process of the group left?
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)
    return False


def _image_drawn(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate("img => img.complete && img.naturalWidth > 100")


def test_dashboard_in_chromium(tmp_path):
    _require(CHROMIUM.exists(), f"{CHROMIUM} not found")
    _require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "dashboard.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*_tpn(), "dashboard", "--no-browser", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        _wait_until_serving(url, server, log, timeout=60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
            try:
                page = browser.new_page(viewport={"width": 1500, "height": 1900})
                page.set_default_timeout(TIMEOUT_MS)
                _drive_dashboard(page, url)
                _check_report(page, tmp_path)
            finally:
                browser.close()
    finally:
        stopped_cleanly = _stop(server)
    assert "serving on " + url in log.read_text()
    assert stopped_cleanly, "the Solara server outlived `tpn dashboard` after SIGTERM"
    assert "tpn dashboard: stopped" in log.read_text()


def _drive_dashboard(page, url: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from analysis.dashboard_assets import missing

    page.goto(url)
    run = page.get_by_role("button", name=re.compile("^Run "))
    try:
        run.wait_for()
    except PlaywrightTimeout:
        absent = missing()
        hint = f"; Solara's browser files are missing: {absent}" if absent else ""
        pytest.fail(f"the dashboard page did not show its Run button{hint}")
    assert "Choose a scenario and levers" in page.inner_text("body")

    # A second design, B: the dyad scenario with 80% of activities online instead of 30%.
    page.get_by_label("Compare with a second design (B)").check()
    lever = page.locator(".tpn-lever-virtual_share").nth(1)
    slider = lever.get_by_role("slider")
    slider.focus()
    for _ in range(10):  # 0.05 a step
        slider.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelectorAll('.tpn-lever-virtual_share')[1].innerText.includes('0.8')"
    )
    assert "designs A and B" in run.text_content()

    started = time.monotonic()
    run.click()
    page.locator("table.tpn-comparison").wait_for()
    seconds = time.monotonic() - started
    print(f"\nRun click to results (2 designs x 10 replications): {seconds:.1f} s")
    assert seconds < 30

    comparison = page.inner_text("table.tpn-comparison")
    assert "B − A [paired, 95% CI of the mean, chance only]" in comparison
    assert NUMBER_WITH_INTERVAL.search(comparison), comparison[:500]
    assert "share run virtually 0.3 → 0.8" in page.inner_text("body")
    assert NUMBER_WITH_INTERVAL.search(page.inner_text("table.tpn-headline"))
    assert "gain caused by twinning" in page.inner_text(".tpn-keys")
    for figure in (".tpn-network img", ".tpn-trajectories img", ".tpn-effects img"):
        page.locator(figure).first.wait_for()
        assert _image_drawn(page, figure), f"{figure} was not drawn"
    page.wait_for_timeout(500)  # let the last images paint before the screenshot
    for path in SCREENSHOTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))


def _check_report(page, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    for command in (
        ["run", "tpn_2021", "--reps", "3", "--out", str(folder), "--quiet"],
        ["report", str(folder)],
    ):
        done = subprocess.run(
            [*_tpn(), *command], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
    report = folder / "report.html"
    page.goto(report.as_uri())
    page.locator("table").first.wait_for()
    assert page.locator("table").count() >= 1
    assert re.search(r"\d+\.\d+", page.inner_text("table >> nth=0"))
    images = page.locator("img")
    assert images.count() >= 2
    drawn = images.evaluate_all("all => all.filter(i => i.complete && i.naturalWidth > 100).length")
    assert drawn == images.count(), "a figure of the report is not drawn"
    shutil.copy(report, ROOT / "test-artifacts" / "report.html")
