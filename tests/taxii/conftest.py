"""Fixtures for the TAXII 2.1 end-to-end tests (taxii2-client, stix2, stix2-validator).

`taxii` is one session-wide `renkei demo` per storage backend: the suite runs
once against SQLite (in a throw-away data directory) and once against
PostgreSQL (`--database $RENKEI_E2E_PG_URL`, a fresh database that
scripts/test creates). Without RENKEI_E2E_PG_URL the PostgreSQL half is
skipped, unless CI is set: then it fails.

Every STIX object the server returns over HTTP during a test (any
`objects` list in a TAXII 2.1 response, whichever client fetched it) is
checked with stix2-validator after the test body; a test that passed fails
when one of them is invalid STIX 2.1.

Environment:
  RENKEI_BIN          the renkei binary (default: <repo>/target/debug/renkei)
  RENKEI_E2E_PG_URL   an empty PostgreSQL database for the second server
  CI                  when set, a missing RENKEI_E2E_PG_URL is a failure
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from renkei_server import (  # noqa: E402
    DEMO_PASSWORD,
    StartError,
    check_renkei_bin,
    renkei_bin_path,
    start_demo,
)
from taxii_helpers import (  # noqa: E402
    COUNCIL,
    ISAC,
    MIRAI_ADMIN,
    NCSO_ANALYST,
    TaxiiServer,
    stix_errors,
)

BACKENDS = ["sqlite", "postgres"]


# -- every object the server returns is validated ---------------------------------------


class Returned:
    """STIX objects received from the server, per test and for the session."""

    def __init__(self) -> None:
        self.current: list[dict] = []  # this test's, in arrival order
        self.checked: dict[str, list[str]] = {}  # canonical JSON -> errors
        self.responses = 0
        self.invalid_in_failed_tests: list[tuple[str, str, list[str]]] = []

    def record(self, response: requests.Response) -> None:
        if response.request.method != "GET" or response.status_code != 200:
            return
        if not response.headers.get("Content-Type", "").startswith("application/taxii+json"):
            return
        try:
            body = response.json()
        except ValueError:
            return
        objects = body.get("objects") if isinstance(body, dict) else None
        if not isinstance(objects, list):
            return
        self.responses += 1
        # Manifest entries have no "type"; STIX objects always do.
        self.current.extend(o for o in objects if isinstance(o, dict) and "type" in o)

    def problems(self) -> list[tuple[dict, list[str]]]:
        out = []
        for o in self.current:
            key = json.dumps(o, sort_keys=True, ensure_ascii=False)
            if key not in self.checked:
                self.checked[key] = stix_errors(o)
            if self.checked[key]:
                out.append((o, self.checked[key]))
        return out


RETURNED = Returned()


@pytest.fixture(scope="session", autouse=True)
def _record_returned_objects():
    original = requests.Session.send

    def send(self, request, **kwargs):
        response = original(self, request, **kwargs)
        RETURNED.record(response)
        return response

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(requests.Session, "send", send)
        yield


@pytest.fixture
def returned_objects() -> list[dict]:
    """The STIX objects the server has returned so far in this test."""
    return RETURNED.current


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    RETURNED.current.clear()
    try:
        result = yield
    except BaseException:
        for o, errors in RETURNED.problems():
            RETURNED.invalid_in_failed_tests.append((item.nodeid, o.get("id", "?"), errors))
        raise
    problems = RETURNED.problems()
    if problems:
        lines = [f"{o.get('id', '(no id)')}: {errors}\n    {json.dumps(o, ensure_ascii=False)}" for o, errors in problems]
        pytest.fail(
            f"stix2-validator: {len(problems)} of {len(RETURNED.current)} objects the server returned "
            "are not valid STIX 2.1:\n" + "\n".join(lines),
            pytrace=False,
        )
    return result


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RETURNED.checked:
        return
    bad = sum(1 for e in RETURNED.checked.values() if e)
    terminalreporter.write_line(
        f"stix2-validator: {len(RETURNED.checked)} distinct STIX objects from "
        f"{RETURNED.responses} TAXII responses validated, {bad} invalid"
    )
    for nodeid, oid, errors in RETURNED.invalid_in_failed_tests:
        terminalreporter.write_line(f"  invalid (in failed test {nodeid}): {oid}: {errors}")


# -- servers --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def renkei_bin() -> Path:
    path = renkei_bin_path()
    why = check_renkei_bin(path)
    if why:
        pytest.fail(why, pytrace=False)
    return path


def _find_collection(s: requests.Session, root_url: str, title_part: str) -> str:
    r = s.get(root_url + "collections/")
    assert r.status_code == 200, f"GET {root_url}collections/: {r.status_code} {r.text}"
    found = [c["id"] for c in r.json().get("collections", []) if title_part in c.get("title", "")]
    assert len(found) == 1, f"expected one collection titled *{title_part}* at {root_url}: {r.text}"
    return found[0]


@pytest.fixture(scope="session", params=BACKENDS)
def taxii(request, renkei_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    """A `renkei demo` on this backend, with its demo collections located."""
    backend = request.param
    database = None
    if backend == "postgres":
        database = os.environ.get("RENKEI_E2E_PG_URL")
        if not database:
            if os.environ.get("CI"):
                pytest.fail(
                    "RENKEI_E2E_PG_URL is not set but CI is: the PostgreSQL half of the "
                    "TAXII tests must run in CI (scripts/test sets it)",
                    pytrace=False,
                )
            pytest.skip("RENKEI_E2E_PG_URL not set (scripts/test creates the database)")
    work = tmp_path_factory.mktemp(f"renkei-taxii-{backend}")
    try:
        server = start_demo(renkei_bin, work, password=DEMO_PASSWORD, database=database)
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        probe = TaxiiServer(backend, server.url, "", "")
        try:
            council = _find_collection(
                probe.http(NCSO_ANALYST), probe.root_url(COUNCIL), "Council indicators"
            )
            isac = _find_collection(
                probe.http(MIRAI_ADMIN), probe.root_url(ISAC), "Electricity ISAC indicators"
            )
        except AssertionError as e:
            hint = ""
            if database:
                # `renkei demo` keeps an existing world (and its passwords) as it is.
                hint = f"\n(is {database} a fresh, empty database? scripts/test creates one per run)"
            pytest.fail(f"{backend}: demo collections not found: {e}{hint}\n{server.output()}", pytrace=False)
        yield TaxiiServer(backend, server.url, council, isac)
    finally:
        server.stop()
