"""Open the built site in headless Chromium: screenshots for people, checks for tests.

Uses Playwright's Python driver with the system's Chromium (Debian package
``chromium``); Playwright never downloads a browser here. Both are optional: the
functions raise ``BrowserUnavailable`` saying what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOWCASE = (
    "index.html",
    "approach/superconducting.html",
    "country/DEU.html",
    "funding.html",
    "workforce.html",
    "supply_chain.html",
    "capability/superconducting.html",
    "methods.html",
)
# JavaScript: draws every chart a page has not drawn yet (a page draws a chart as it nears
# the screen: site.js, qcmDrawCharts), then true once every chart div has been drawn by
# Plotly with at least one trace. Drawing them twice draws nothing: each is drawn once.
CHARTS_DRAWN = """() => {
    if (window.qcmDrawCharts) window.qcmDrawCharts();
    return [...document.querySelectorAll('div.chart')].every(
        d => d.classList.contains('js-plotly-plot') && d._fullData && d._fullData.length > 0);
}"""


class BrowserUnavailable(RuntimeError):
    """No Chromium or no Playwright: the message says what to install."""


def chromium_path() -> str:
    """The system Chromium's path; raises BrowserUnavailable when there is none."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise BrowserUnavailable("no Chromium found: install Debian's package 'chromium'")
    return path


@contextmanager
def headless_browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright, closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise BrowserUnavailable("Playwright is not installed: uv sync (dev group)") from err
    executable = chromium_path()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def take_screenshots(
    site: Path, out: Path, pages: tuple[str, ...] = SHOWCASE, browser: Any = None
) -> list[Path]:
    """Full-page PNG screenshots of ``pages`` of the site at ``site``; returns their paths.
    A page the site does not have (a country without data, say) has none: the paths are
    those of the pages it has (``qcm screenshots`` names the others).

    Uses ``browser`` when given (a Playwright browser), else starts a headless Chromium.
    """
    if browser is None:
        with headless_browser() as started:
            return take_screenshots(site, out, pages, started)
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for name in pages:
        if not (site / name).exists():
            continue
        page.goto((site / name).as_uri())
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        path = out / (name.replace("/", "_").removesuffix(".html") + ".png")
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)
    page.close()
    return shots
