"""`renkei report export` against `renkei demo` (SQLite): the demo's report 1
(Toto Electric's ransomware flash report, filed by soc@toto-power.example.jp)
exported by the CLI as that user to .xlsx and read back with a real
spreadsheet reader (openpyxl): every field of the version is there, each
value a text cell. The JSON export says what each field is; the REST
download of the same version is the same bytes; another organisation's
user gets nothing and no file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from renkei_server import DEMO_PASSWORD, StartError, start_demo  # noqa: E402

REPORTER = "soc@toto-power.example.jp"
OTHER = "soc@kansai-rail.example.jp"
ADMIN = "admin@ncso.example.jp"  # platform administrator: reads the audit log
REPORT = 1


@pytest.fixture(scope="module")
def demo(renkei_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("renkei-report-export")
    try:
        server = start_demo(renkei_bin, work / "server", password=DEMO_PASSWORD)
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield server, work / "server" / "data"
    finally:
        server.stop()


def export(renkei_bin: Path, data: Path, out: Path, fmt: str, who: str = REPORTER, *extra: str):
    return subprocess.run(
        [str(renkei_bin), "report", "export", str(REPORT), "--format", fmt, "--out", str(out),
         "--as", who, "--data", str(data), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_exports_the_demo_report_to_a_workbook_with_every_field_as_text(
    renkei_bin: Path, demo, tmp_path: Path
):
    server, data = demo
    with httpx.Client(base_url=server.url, auth=(REPORTER, DEMO_PASSWORD), timeout=30) as h:
        version = h.get(f"/api/v1/reports/{REPORT}/versions/1")
        assert version.status_code == 200, version.text[:300]
        values = json.loads(version.json()["body"])
        rest_xlsx = h.get(f"/api/v1/reports/{REPORT}/versions/1/export", params={"format": "xlsx"})
        assert rest_xlsx.status_code == 200, rest_xlsx.text[:300]
    assert values["report-category"] == "flash" and values["operator"] == "東都電力株式会社"

    js = tmp_path / "report.json"
    run = export(renkei_bin, data, js, "json", REPORTER, "--version", "1")
    assert run.returncode == 0, run.stderr
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["format"] == "renkei-report-export/1"
    assert doc["stage"]["id"] == "flash" and doc["form"]["id"] == "ransomware"
    assert doc["sha256"] == version.json()["sha256"]
    by_id = {f["id"]: f for f in doc["fields"]}
    for k, v in values.items():
        assert by_id[k]["value"] == v, k

    out = tmp_path / "report.xlsx"
    run = export(renkei_bin, data, out, "xlsx")
    assert run.returncode == 0, run.stderr
    assert out.read_bytes()[:2] == b"PK"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["速報 第1版"], book.sheetnames
    sheet = book[book.sheetnames[0]]
    rows = {}
    for row in sheet.iter_rows():
        label = row[1].value if len(row) > 1 else None
        if label and len(row) > 3:
            rows[label] = row[3]
    assert rows["事業者名"].value, rows
    assert rows["版"].value == "1"
    assert rows["SHA-256"].value == doc["sha256"]
    # Every field of the form, by its Japanese label; each filled-in one
    # holds what a person reads for the value, as a text cell.
    for f in doc["fields"]:
        label = f["label"]["ja"]
        assert label in rows, f"{label} missing from the workbook"
        cell = rows[label]
        want = f["text"]["ja"]
        if f["id"] in values:
            assert want, f["id"]
            assert cell.data_type == "s", f"{label}: {cell.data_type} {cell.value!r}"
            assert cell.value == want, f"{label}: {cell.value!r} != {want!r}"
        else:
            assert cell.value in (None, ""), f"{label}: {cell.value!r}"
    indicators = rows[by_id["indicators"]["label"]["ja"]].value
    assert indicators.split("\n") == values["indicators"]

    # The REST download of the version is the same workbook as the CLI's.
    one = tmp_path / "v1.xlsx"
    run = export(renkei_bin, data, one, "xlsx", REPORTER, "--version", "1")
    assert run.returncode == 0, run.stderr
    assert one.read_bytes() == rest_xlsx.content

    # The CLI's reads are in the audit log, as the user's, from the command line.
    with httpx.Client(base_url=server.url, auth=(ADMIN, DEMO_PASSWORD), timeout=30) as h:
        audit = h.get("/api/v1/audit", params={"action": "report.read", "object": f"report:{REPORT}"})
        assert audit.status_code == 200, audit.text[:300]
    cli = [e for e in audit.json() if e["source"] == "cli"]
    assert cli and all(e["actor"] == REPORTER and e["outcome"] == "ok" for e in cli), audit.json()[:5]


def test_another_organisation_gets_nothing_and_a_bad_format_is_refused(
    renkei_bin: Path, demo, tmp_path: Path
):
    _, data = demo
    out = tmp_path / "no.xlsx"
    run = export(renkei_bin, data, out, "xlsx", OTHER)
    assert run.returncode != 0
    assert "not-found" in run.stderr or "not found" in run.stderr.lower(), run.stderr
    assert not out.exists()
    run = export(renkei_bin, data, out, "pdf")
    assert run.returncode != 0 and "--format" in run.stderr, run.stderr
    assert not out.exists()
