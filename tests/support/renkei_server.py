"""Starts and stops `renkei demo` for the Python test suites (tests/browser, tests/taxii).

`start_demo` runs `renkei demo --listen 127.0.0.1:0 --data DIR [--database URL]`
with every demo account's password set, reads the address from the first
stdout line (`renkei demo: http://127.0.0.1:PORT/`), keeps draining stdout
for the server's whole life so it never blocks, and waits for /healthz.
Failures name the reason and show the server's output.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Every demo account's password in the test servers (RENKEI_DEMO_PASSWORD).
DEMO_PASSWORD = "browser-test-password"
# The national coordinator's administrator (portal tests sign in as them).
ADMIN_EMAIL = "admin@ncso.example.jp"
STARTUP_TIMEOUT = 60.0
BANNER = re.compile(r"^renkei demo: (http://[^\s/]+:\d+)/?\s*$")


class StartError(RuntimeError):
    """The server did not come up; the message carries its output."""


def renkei_bin_path() -> Path:
    """RENKEI_BIN, or <repo>/target/debug/renkei."""
    return Path(os.environ.get("RENKEI_BIN") or REPO / "target" / "debug" / "renkei")


def check_renkei_bin(path: Path) -> str | None:
    """Why `path` is not a usable binary, or None."""
    if path.is_file() and os.access(path, os.X_OK):
        return None
    return (
        f"renkei binary not found at {path}; build it with "
        "`cargo build -p renkei --bin renkei` or set RENKEI_BIN"
    )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class DemoServer:
    """A running `renkei demo`; `url` has no trailing slash."""

    url: str
    proc: subprocess.Popen
    stderr_log: Path
    stdout_seen: list[str] = field(default_factory=list)

    def output(self) -> str:
        return (
            "--- stdout ---\n"
            + "\n".join(self.stdout_seen)
            + f"\n--- stderr (tail) ---\n{_tail(self.stderr_log)}"
        )

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def start_demo(
    renkei_bin: Path,
    work: Path,
    *,
    password: str = DEMO_PASSWORD,
    database: str | None = None,
    timeout: float = STARTUP_TIMEOUT,
    listen: str = "127.0.0.1:0",
    config: Path | None = None,
) -> DemoServer:
    """Starts `renkei demo` with its data directory under `work`.

    `database` (e.g. postgres://…) loads the demo world into that database
    instead of SQLite in the data directory; `config` is a settings file
    (`renkei demo --config`). Raises StartError with the server's output
    when it does not answer /healthz in time.
    """
    work.mkdir(parents=True, exist_ok=True)
    stderr_log = work / "stderr.log"
    cmd = [str(renkei_bin), "demo", "--listen", listen, "--data", str(work / "data")]
    if database:
        cmd += ["--database", database]
    if config:
        cmd += ["--config", str(config)]
    env = dict(os.environ, RENKEI_DEMO_PASSWORD=password)
    with open(stderr_log, "wb") as err:
        proc = subprocess.Popen(
            cmd,
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
    seen: list[str] = []

    def pump() -> None:
        # Keeps draining stdout for the server's whole life so it never blocks.
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="renkei-stdout", daemon=True).start()

    def fail(why: str) -> None:
        stop_process(proc)
        raise StartError(
            f"renkei demo ({' '.join(cmd[1:])}): {why}\n--- stdout ---\n"
            + "\n".join(seen)
            + f"\n--- stderr (tail) ---\n{_tail(stderr_log)}"
        )

    deadline = time.monotonic() + timeout
    try:
        first = lines.get(timeout=timeout)
    except queue.Empty:
        first = None
        fail(f"no output within {timeout:.0f} s")
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
            fail(f"/healthz did not answer 200 within {timeout:.0f} s")
        time.sleep(0.2)
    return DemoServer(url=url, proc=proc, stderr_log=stderr_log, stdout_seen=seen)
