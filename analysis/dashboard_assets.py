"""Solara's browser files for machines without internet: ``python -m analysis.dashboard_assets``.

A Solara page loads its JavaScript, CSS and fonts from a CDN (jsDelivr) through a cache folder of
the server, ``{sys.prefix}/share/solara/cdn``. A machine that reaches only package registries
cannot reach the CDN, and the page stays blank. The files are the contents of npm packages, so
this fills the cache with ``npm pack`` from the npm registry: the packages and versions are read
from the installed Solara's page template, so they follow Solara upgrades. Packages already in
the cache are left alone; without ``npm`` it says so and exits with status 1 (the dashboard then
works only where the CDN can be reached).
"""

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

EXTRA = ("requirejs@2.3.6",)  # loaded by Solara components at run time, not by the template


def required() -> list[str]:
    """npm package specs (``name@version``) the installed Solara's page loads from its CDN."""
    import solara.server
    from solara.server import settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = re.findall(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", template.read_text())
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    return list(dict.fromkeys([*found, fontawesome, *EXTRA]))


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path | None = None) -> list[str]:
    cache = cache or cache_dir()
    return [spec for spec in required() if not any((cache / spec).glob("*"))]


def install(specs: list[str], cache: Path) -> None:
    """``npm pack`` each spec and unpack its ``package/`` folder into ``cache/spec``."""
    with tempfile.TemporaryDirectory(prefix="tpn-solara-assets-") as folder:
        for spec in specs:
            packed = subprocess.run(
                ["npm", "pack", spec, "--pack-destination", folder, "--silent"],
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            archive = Path(folder) / packed.stdout.strip().splitlines()[-1]
            target = cache / spec
            partial = target.with_name(f".{target.name}.partial")
            shutil.rmtree(partial, ignore_errors=True)
            with tarfile.open(archive) as tar:
                members = []
                for member in tar.getmembers():
                    wanted = member.isdir() or (
                        member.isfile() and not member.name.endswith(".map")
                    )
                    if member.name.startswith("package/") and wanted:  # source maps: 100 MB
                        member.name = member.name.removeprefix("package/")
                        members.append(member)
                tar.extractall(partial, members=members, filter="data")
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
            print(f"solara assets: {spec} -> {target}")


def main() -> int:
    cache = cache_dir()
    needed = missing(cache)
    if not needed:
        print(f"solara assets: all present in {cache}")
        return 0
    if shutil.which("npm") is None:
        print(
            "solara assets: npm not found; the dashboard will load Solara's files from its CDN "
            f"(needs internet). Missing: {', '.join(needed)}",
            file=sys.stderr,
        )
        return 1
    cache.mkdir(parents=True, exist_ok=True)
    try:
        install(needed, cache)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        print(f"solara assets: npm pack failed: {detail.strip()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
