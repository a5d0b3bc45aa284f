"""Fixtures for the REST API tests: a `renkei demo` per storage backend and
the Python client generated from the OpenAPI document that server serves.

`api` is one session-wide server per backend, like tests/taxii: SQLite in a
throw-away data directory, and PostgreSQL (`--database $RENKEI_E2E_API_PG_URL`,
a fresh database that scripts/test creates). Without RENKEI_E2E_API_PG_URL
the PostgreSQL half is skipped, unless CI is set: then it fails.

The servers may deliver webhooks to loopback addresses
(`webhook_allow_private`), so the webhooks the tests register point at a
receiver on 127.0.0.1 that the fixture runs: nothing leaves the machine.

Environment:
  RENKEI_BIN              the renkei binary (default: <repo>/target/debug/renkei)
  RENKEI_E2E_API_PG_URL   an empty PostgreSQL database for the second server
  CI                      when set, a missing RENKEI_E2E_API_PG_URL is a failure
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from renkei_server import (  # noqa: E402
    DEMO_PASSWORD,
    StartError,
    check_renkei_bin,
    renkei_bin_path,
    start_demo,
)

BACKENDS = ["sqlite", "postgres"]
# The generator is run from the venv the tests run in (tests/requirements.txt).
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@dataclass
class ApiServer:
    backend: str
    url: str
    document: dict
    # The client package generated from `document` (openapi-python-client).
    client: ModuleType
    webhook_url: str


class _Receiver(BaseHTTPRequestHandler):
    """Takes webhook deliveries and answers 204."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def webhook_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/renkei"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def renkei_bin() -> Path:
    path = renkei_bin_path()
    why = check_renkei_bin(path)
    if why:
        pytest.fail(why, pytrace=False)
    return path


def generate_client(document: dict, out: Path, package: str) -> ModuleType:
    """Generates the client package `package` under `out` from `document`
    with openapi-python-client, and imports it. Fails on any operation the
    generator left out (it warns and goes on)."""
    out.mkdir(parents=True, exist_ok=True)
    doc_path = out / "openapi.json"
    doc_path.write_text(json.dumps(document), encoding="utf-8")
    # No post-hooks (ruff): the generated code runs as it is, offline.
    config = out / "generator.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")
    if not GENERATOR.is_file():
        pytest.fail(f"{GENERATOR} not found: install tests/requirements.txt", pytrace=False)
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(doc_path),
            "--output-path",
            str(out / package),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"openapi-python-client failed:\n{log}"
    assert "will not be generated" not in log, f"the generator dropped an operation:\n{log}"
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


@pytest.fixture(scope="session", params=BACKENDS)
def api(request, renkei_bin: Path, tmp_path_factory: pytest.TempPathFactory, webhook_receiver: str):
    """A `renkei demo` on this backend and the client generated from its document."""
    backend = request.param
    database = None
    if backend == "postgres":
        database = os.environ.get("RENKEI_E2E_API_PG_URL")
        if not database:
            if os.environ.get("CI"):
                pytest.fail(
                    "RENKEI_E2E_API_PG_URL is not set but CI is: the PostgreSQL half of the "
                    "API tests must run in CI (scripts/test sets it)",
                    pytrace=False,
                )
            pytest.skip("RENKEI_E2E_API_PG_URL not set (scripts/test creates the database)")
    work = tmp_path_factory.mktemp(f"renkei-api-{backend}")
    config = work / "renkei.toml"
    config.write_text("webhook_allow_private = true\n", encoding="utf-8")
    try:
        server = start_demo(
            renkei_bin, work / "server", password=DEMO_PASSWORD, database=database, config=config
        )
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        with urllib.request.urlopen(f"{server.url}/api/openapi.json", timeout=30) as r:
            assert r.status == 200
            document = json.load(r)
        client = generate_client(document, work / "generated", f"renkei_api_{backend}")
        yield ApiServer(backend, server.url, document, client, webhook_receiver)
    finally:
        server.stop()
