"""The server behind `tpn dashboard`: Solara in a child process, stopped cleanly on Ctrl-C.

The page (:mod:`analysis.dashboard`) is served by ``python -m solara run`` in production mode
(no auto-reload, no version check, no telemetry) so that the parent only waits, prints the
address once the page answers, opens a browser, and on Ctrl-C or SIGTERM stops the server
before returning: nothing is left running.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser

from sim.errors import InputError


def serve(host: str, port: int, open_browser: bool = True) -> int:
    """Serve :mod:`analysis.dashboard` with Solara on ``host:port`` until Ctrl-C (or SIGTERM)."""
    from analysis.dashboard_assets import missing

    if not 1 <= port <= 65535:
        raise InputError("--port", "port", port, "a port number from 1 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(
                "--port", "port", port, f"a free port on {host} ({error.strerror})"
            ) from None
    if missing():
        print(
            "tpn dashboard: Solara's browser files are not installed here, so the page loads "
            "them from the internet; install them with `python -m analysis.dashboard_assets`",
            file=sys.stderr,
        )
    shown_host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, host)
    shown_host = f"[{shown_host}]" if ":" in shown_host and "[" not in shown_host else shown_host
    url = f"http://{shown_host}:{port}/"
    command = [sys.executable, "-m", "solara", "run", "analysis.dashboard"]
    command += ["--host", host, "--port", str(port), "--production", "--no-open"]
    command += ["--no-check-version", "--log-level", "warning"]
    env = {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "ignore:Cookies with samesite=none require https:UserWarning",
        "SOLARA_THEME_SHOW_BANNER": "False",
    }
    server = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the server on SIGTERM too
    try:
        if not _wait_until_serving(url, server, timeout=60):
            status = server.poll()
            reason = f"exited with status {status}" if status is not None else "did not answer"
            print(f"tpn: error: the dashboard server {reason} (see above)", file=sys.stderr)
            return 1
        print(f"tpn dashboard: serving on {url} (press Ctrl-C to stop)", flush=True)
        if open_browser:
            _open_browser(url)
        return server.wait()
    except KeyboardInterrupt:
        print("\ntpn dashboard: stopped", file=sys.stderr)
        return 0
    finally:
        _stop(server)
        signal.signal(signal.SIGTERM, previous)


def _open_browser(url: str) -> None:
    """Open a browser tab where there is a screen; in a terminal without one (SSH, a server)
    webbrowser would start a text browser in the foreground, so only say where to go."""
    graphical = sys.platform in ("darwin", "win32") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY")
    )
    if not (graphical and webbrowser.open(url)):
        print(f"tpn dashboard: open {url} in a browser", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> bool:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with direct.open(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)
