"""Look at a generated report the way a person does: in a browser, over HTTP on loopback.

Allure's page loads its data with XHR, which browsers refuse from ``file://``, so the report is served
from 127.0.0.1 for the duration. Playwright drives Debian's Chromium (it never downloads a browser of
its own) with background networking off: this machine's network is closed, and the page needs nothing
beyond loopback.
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kindchaos.errors import HostError, UsageError

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# What a scenario's page shows once its tear-down stage is open: the evidence the chaos fixture attaches.
EVIDENCE_ATTACHMENTS = ("figures", "timeline chart")
# What its set-up stage shows once the health gate is open: how the cluster's nodes were reached.
SET_UP_PATH = (re.compile(r"^chaos$"), re.compile(r"^health gate: "), re.compile(r"^node access$"))
TALLEST_PANE = "Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise HostError("Chromium is not installed", hint="kindchaos doctor --fix (installs Debian's chromium)")
    return found


@dataclass(frozen=True)
class ReportView:
    """Two pages of the report as a person sees them: pictures, and the text on them."""

    overview_png: Path
    overview_text: str
    scenario_png: Path
    scenario_text: str


def _open_evidence(page: Any) -> None:
    """Expand the set-up stage down to the node access, the tear-down stage, the chaos fixture's part of it and its
    evidence, as a reader clicks them."""
    page.get_by_text("Set up", exact=True).first.click()
    for label in SET_UP_PATH:
        found = page.get_by_text(label)
        if not found.count():
            break
        found.first.click()
    page.get_by_text("Tear down", exact=True).first.click()
    page.get_by_text(re.compile(r"^chaos::")).first.click()
    for name in EVIDENCE_ATTACHMENTS:
        found = page.get_by_text(name, exact=True)
        if found.count():
            found.first.click()
    page.wait_for_load_state("networkidle")


def look_at(
    report: Path, shots: Path, *, test_uid: str, width: int = 1400, height: int = 1000, max_height: int = 8000
) -> ReportView:
    """Screenshot the overview and one scenario's page (steps, chart, figures) of ``report`` into ``shots``."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    if not (report / "index.html").exists():
        raise UsageError(f"no report at {report}", hint="run `kindchaos report` first")
    shots.mkdir(parents=True, exist_ok=True)
    overview_png, scenario_png = shots / "overview.png", shots / "scenario.png"
    try:
        with served(report) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url + "#", wait_until="networkidle")
            page.get_by_text(re.compile(r"^test cases?$")).first.wait_for()
            page.screenshot(path=str(overview_png))
            overview_text = page.inner_text("body")
            page.goto(url + f"#testresult/{test_uid}", wait_until="networkidle")
            page.get_by_text("Test body", exact=True).first.wait_for()
            _open_evidence(page)
            # The report scrolls inside its own pane, so a full-page shot needs a viewport as tall as the pane.
            tallest = page.evaluate(TALLEST_PANE)
            page.set_viewport_size({"width": width, "height": min(max(int(tallest), height), max_height)})
            page.screenshot(path=str(scenario_png))
            scenario_text = page.inner_text("body")
            browser.close()
    except PlaywrightError as exc:
        raise HostError(f"failed to look at the report in Chromium: {exc}".splitlines()[0]) from exc
    return ReportView(overview_png, overview_text, scenario_png, scenario_text)
