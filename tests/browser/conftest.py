"""Fixtures for the browser tests of the renkei portal.

A session-wide `renkei demo` server on a free port with a throw-away data
directory, and a fresh headless Chromium (via the Debian chromedriver) per
test. Nothing here downloads anything: Selenium Manager is switched off and
the driver and browser paths are given explicitly.

Environment:
  RENKEI_BIN          the renkei binary (default: <repo>/target/debug/renkei)
  RENKEI_CHROMEDRIVER chromedriver path (default: /usr/bin/chromedriver)
  RENKEI_CHROMIUM     browser path (default: /usr/bin/chromium)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Must be set before Selenium looks for a driver: never download one.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

# Start-up code shared with tests/taxii (tests/support/renkei_server.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from browser_report import SCREENSHOTS, format_violations, save_screenshot  # noqa: E402,F401
from renkei_server import (  # noqa: E402
    DEMO_PASSWORD,
    StartError,
    check_renkei_bin,
    renkei_bin_path,
    start_demo,
)

CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]


@pytest.fixture(scope="session")
def renkei_bin() -> Path:
    path = renkei_bin_path()
    why = check_renkei_bin(path)
    if why:
        pytest.fail(why, pytrace=False)
    return path


@pytest.fixture(scope="session")
def base_url(renkei_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    """Starts `renkei demo` and yields its base URL (no trailing slash)."""
    work = tmp_path_factory.mktemp("renkei-demo")
    try:
        server = start_demo(renkei_bin, work, password=DEMO_PASSWORD)
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def driver(tmp_path: Path):
    """A fresh headless Chromium with its own profile (no cookies carried over)."""
    chromedriver = os.environ.get("RENKEI_CHROMEDRIVER", "/usr/bin/chromedriver")
    chromium = os.environ.get("RENKEI_CHROMIUM", "/usr/bin/chromium")
    for what, path in (("chromedriver", chromedriver), ("chromium", chromium)):
        if not os.access(path, os.X_OK):
            pytest.fail(
                f"{what} not found at {path} (Debian packages chromium, chromium-driver)",
                pytrace=False,
            )
    profile = tempfile.mkdtemp(prefix="renkei-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(
        executable_path=chromedriver,
        log_output=str(tmp_path / "chromedriver.log"),
    )
    drv = webdriver.Chrome(service=service, options=options)
    try:
        drv.set_window_size(1280, 1000)
        drv.set_page_load_timeout(30)
        yield drv
    finally:
        try:
            drv.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


# -- Accessibility (axe-core) and screenshots ------------------------------------------
# axe-core comes from npm, pinned by tests/browser/package-lock.json (`npm ci` in
# scripts/test). It is injected into the page under test and run for WCAG 2.2 AA.
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_AXE_RUN = """
const tags = arguments[0];
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core not installed at {AXE_JS}: run `npm ci --prefix tests/browser` "
            "(scripts/test does)",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str):
    """`axe(driver)`: the WCAG 2.2 AA violations axe-core finds on the current page,
    each as {id, impact, help, nodes}."""

    def run(drv) -> list[dict]:
        drv.set_script_timeout(60)
        if not drv.execute_script("return typeof window.axe !== 'undefined'"):
            drv.execute_script(axe_source)
        return drv.execute_async_script(_AXE_RUN, AXE_TAGS)

    return run


