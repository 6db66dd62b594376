"""Screenshot of a scorecard page, filtered, taken by headless Chromium (no server, no network).

    uv run --locked --no-sync python -m orchestration.tools.screenshots OUT.png
        [--scorecard data/reports/scorecard] [--page index.html] [--mission AA] [--verdict met]
        [--year 2016] [--q TEXT] [--size 1280,1600]

opens `<scorecard>/<page>` from the file system with the filters in the address's fragment
(`index.html#mission=AA`, what `scorecard.js` reads), and writes the visible window as a PNG to OUT.
By default the index filtered to the first mission it lists, 1280 × 1600 pixels: the filter form, the
rates of every programme together and the mission's programmes with the table's CSV link are on
screen. Needs `chromium` on PATH (`make browser`); a relative path is taken from the current folder.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def filtered_url(page: Path, **filters: str | None) -> str:
    """file:///…/index.html#mission=AA&verdict=met (the filters left empty are left out)."""
    chosen = {k: v for k, v in filters.items() if v}
    return page.resolve().as_uri() + (f"#{urlencode(chosen)}" if chosen else "")


def first_mission(index: Path) -> str:
    """The first mission the index lists (its filter's first option after 'every mission')."""
    found = re.search(r'<select name="mission">.*?<option value="([^"]+)"', index.read_text("utf-8"), re.S)
    if not found:
        raise SystemExit(f"{index}: no mission filter (is it a scorecard index?)")
    return found.group(1)


def screenshot(
    url: str, out: Path, size: tuple[int, int] = (1280, 1600), chromium: str | None = None
) -> Path:
    """Write the window of `url` (width × height) as a PNG to `out`, with a throwaway browser profile."""
    browser = chromium or shutil.which("chromium")
    if browser is None:
        raise SystemExit("chromium not found on PATH (make browser)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scorecard-shot-") as profile:
        proc = subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={size[0]},{size[1]}",
                f"--screenshot={out.resolve()}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--scorecard", type=Path, default=Path("data/reports/scorecard"))
    parser.add_argument("--page", default="index.html")
    parser.add_argument("--mission", help="a mission code ('-' for the programmes without one)")
    parser.add_argument("--verdict", help="met, improved, not_improved, no_data or not_retained")
    parser.add_argument("--year")
    parser.add_argument("--q", help="search words")
    parser.add_argument("--size", default="1280,1600", help="width,height in pixels")
    args = parser.parse_args(argv)
    page = args.scorecard / args.page
    if not page.exists():
        raise SystemExit(f"{page} does not exist (make run writes the scorecard)")
    mission = args.mission
    if mission is None and args.page == "index.html":
        mission = first_mission(page)
    width, height = (int(n) for n in args.size.split(","))
    url = filtered_url(page, q=args.q, mission=mission, verdict=args.verdict, year=args.year)
    screenshot(url, args.out, (width, height))
    print(f"{args.out}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
