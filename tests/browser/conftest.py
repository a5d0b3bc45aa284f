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
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# Must be set before Selenium looks for a driver: never download one.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "browser-test-password"
ADMIN_EMAIL = "admin@ncso.example.jp"
STARTUP_TIMEOUT = 60.0
BANNER = re.compile(r"^renkei demo: (http://[^\s/]+:\d+)/?\s*$")

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


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def renkei_bin() -> Path:
    path = Path(os.environ.get("RENKEI_BIN") or REPO / "target" / "debug" / "renkei")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"renkei binary not found at {path}; build it with "
            "`cargo build -p renkei --bin renkei` or set RENKEI_BIN",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def base_url(renkei_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    """Starts `renkei demo` and yields its base URL (no trailing slash)."""
    work = tmp_path_factory.mktemp("renkei-demo")
    data = work / "data"
    stderr_log = work / "stderr.log"
    env = dict(os.environ, RENKEI_DEMO_PASSWORD=DEMO_PASSWORD)
    with open(stderr_log, "wb") as err:
        proc = subprocess.Popen(
            [str(renkei_bin), "demo", "--listen", "127.0.0.1:0", "--data", str(data)],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    lines: queue.Queue[str | None] = queue.Queue()
    stdout_seen: list[str] = []

    def pump() -> None:
        # Keeps draining stdout for the server's whole life so it never blocks.
        assert proc.stdout is not None
        for line in proc.stdout:
            stdout_seen.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="renkei-stdout", daemon=True).start()

    def fail(why: str) -> None:
        _stop(proc)
        pytest.fail(
            f"renkei demo: {why}\n--- stdout ---\n"
            + "\n".join(stdout_seen)
            + f"\n--- stderr (tail) ---\n{_tail(stderr_log)}",
            pytrace=False,
        )

    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        first = lines.get(timeout=STARTUP_TIMEOUT)
    except queue.Empty:
        first = None
        fail(f"no output within {STARTUP_TIMEOUT:.0f} s")
    if first is None:
        fail(f"exited with status {proc.wait()} before printing its address")
    m = BANNER.match(first.strip())
    if not m:
        fail(f"unexpected first line {first!r}")
    url = m.group(1)

    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if proc.poll() is not None:
            fail(f"exited with status {proc.returncode} before /healthz answered")
        if time.monotonic() > deadline:
            fail(f"/healthz did not answer 200 within {STARTUP_TIMEOUT:.0f} s")
        time.sleep(0.2)

    try:
        yield url
    finally:
        _stop(proc)


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
