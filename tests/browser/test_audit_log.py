"""The national office's coordinator works with the audit log (in Japanese):
filters it to the reads of one shared report, reads the actions in words,
exports the filtered view as CSV and checks the downloaded file's rows,
and verifies the chain.

Run with:  RENKEI_BIN=target/debug/renkei target/test-venv/bin/python -m pytest -q \
           tests/browser/test_audit_log.py
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD

WAIT = 15
REPORT = "ランサムウェア攻撃の手口に関する分析"


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def load(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit(driver: WebDriver, button_id: str) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()

    def replaced(_d: WebDriver) -> bool:
        try:
            old.is_enabled()
            return False
        except Exception:  # stale: the next page replaced this one
            return True

    wait(driver).until(replaced)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver: WebDriver, base_url: str) -> None:
    load(driver, f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(ADMIN_EMAIL)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    submit(driver, "login-submit")
    assert urlsplit(driver.current_url).path == "/", driver.current_url


def audit_rows(driver: WebDriver) -> list[list[str]]:
    """Rows of the audit table: number, time, actor, action, object,
    source, outcome, detail, hash."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    return [[td.text.strip() for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]


def report_id(driver: WebDriver, base_url: str) -> int:
    """Opens the shared report from the home page; its id."""
    load(driver, f"{base_url}/")
    link = driver.find_element(By.PARTIAL_LINK_TEXT, REPORT)
    path = urlsplit(link.get_attribute("href")).path
    assert path.startswith("/items/"), path
    return int(path.rsplit("/", 1)[1])


def downloaded(folder: Path) -> Path:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == ".csv"]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no CSV downloaded into {folder}: {list(folder.iterdir())}")


def test_coordinator_filters_one_reports_reads_and_exports_them(driver, base_url, tmp_path):
    sign_in(driver, base_url)
    item = report_id(driver, base_url)
    # Two reads of the report by the coordinator, to find again.
    for _ in range(2):
        load(driver, f"{base_url}/items/{item}")
        assert REPORT in driver.find_element(By.TAG_NAME, "h1").text

    load(driver, f"{base_url}/admin/audit")
    assert driver.find_element(By.TAG_NAME, "h1").text == "監査ログ"
    driver.find_element(By.ID, "f-object").send_keys(f"item:{item}")
    Select(driver.find_element(By.ID, "f-action")).select_by_visible_text("共有レポートの閲覧")
    submit(driver, "audit-apply")
    query = parse_qs(urlsplit(driver.current_url).query)
    assert query.get("object") == [f"item:{item}"] and query.get("action") == ["item.read"]

    rows = audit_rows(driver)
    assert len(rows) >= 2, rows
    for r in rows:
        assert r[3] == "共有レポートの閲覧", r
        assert r[4] == f"item:{item}", r
        assert r[6] == "成功", r
        assert ADMIN_EMAIL in r[2], r
        # One line in Japan time, e.g. 2026-12-06 12:34:56 JST.
        assert r[1].endswith("JST") and "\n" not in r[1], r
    seqs = [int(r[0]) for r in rows]
    assert seqs == sorted(seqs, reverse=True)
    # The hash is shortened, its full value in the cell's title.
    code = driver.find_element(By.CSS_SELECTOR, "#audit tbody tr td:last-child code")
    assert len(code.text) == 12 and len(code.get_attribute("title")) == 64

    # Export the filtered view and read the downloaded file.
    folder = tmp_path / "downloads"
    folder.mkdir()
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    export = driver.find_element(By.ID, "audit-export")
    assert export.text == "この条件でCSVに書き出す"
    export.click()
    data = downloaded(folder).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table[0][:5] == ["番号", "日時", "実行者", "組織", "操作"], table[0]
    body = table[1:]
    assert [int(r[0]) for r in body] == seqs, (body, seqs)
    for r in body:
        assert r[4] == "共有レポートの閲覧" and r[5] == "item.read" and r[6] == f"item:{item}", r
        assert r[2] == ADMIN_EMAIL, r

    # The export itself is in the log.
    load(driver, f"{base_url}/admin/audit?action=audit.export")
    exports = audit_rows(driver)
    assert exports and exports[0][3] == "監査ログの書き出し", exports
    assert f"object=item:{item}" in exports[0][7] or exports[0][7].startswith(
        f"{len(body)} entries"
    ), exports[0]


def test_coordinator_verifies_the_chain_and_reads_why_a_filter_is_wrong(driver, base_url):
    sign_in(driver, base_url)
    load(driver, f"{base_url}/admin/audit?from=2026-02-30")
    error = driver.find_element(By.ID, "form-error")
    assert "「開始日」" in error.text, error.text
    assert driver.find_element(By.ID, "f-from").get_attribute("aria-invalid") == "true"

    load(driver, f"{base_url}/admin/audit")
    submit(driver, "audit-verify")
    result = driver.find_element(By.ID, "verify-result")
    assert "監査ログは改ざんされていません" in result.text, result.text
