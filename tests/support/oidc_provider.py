"""Starts and stops the real OpenID Connect provider of the OIDC sign-in tests.

`tests/oidc/provider.mjs` runs panva's oidc-provider (pinned in
tests/oidc/package.json, installed by scripts/test with `npm ci`) under node on
a free loopback port; its first stdout line names the issuer. `unavailable()`
says why it cannot run here (no node, package not installed), so a test can
skip loudly, or fail under CI.
"""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from renkei_server import REPO, stop_process

OIDC_DIR = REPO / "tests" / "oidc"
STARTUP_TIMEOUT = 30.0


def unavailable() -> str | None:
    """Why the provider cannot start here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return (
            f"oidc-provider is not installed in {OIDC_DIR / 'node_modules'} "
            "(`npm ci --prefix tests/oidc`; scripts/test does it)"
        )
    return None


def free_port() -> int:
    """A loopback port free right now (for a server whose URL must be known first)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        stop_process(self.proc)


def start_provider(
    work: Path,
    *,
    client_id: str,
    client_secret: str,
    redirect_uris: list[str],
    accounts: Path | None = None,
) -> Provider:
    """Starts the provider with one client; raises RuntimeError with its log on failure."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "oidc-provider.log"
    cmd = [
        "node",
        str(OIDC_DIR / "provider.mjs"),
        "--client-id",
        client_id,
        "--client-secret",
        client_secret,
        "--watch-stdin",
    ]
    for uri in redirect_uris:
        cmd += ["--redirect-uri", uri]
    if accounts:
        cmd += ["--accounts", str(accounts)]
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # Keeps draining stdout so the provider never writes to a full or closed pipe.
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="oidc-provider-stdout", daemon=True).start()
    try:
        first = lines.get(timeout=STARTUP_TIMEOUT)
    except queue.Empty:
        first = None
    prefix = "oidc-provider: "
    if not first or not first.startswith(prefix):
        stop_process(proc)
        raise RuntimeError(
            f"oidc provider did not start ({first!r}):\n{log.read_text(errors='replace')}"
        )
    return Provider(issuer=first[len(prefix) :].strip(), proc=proc, log=log)
