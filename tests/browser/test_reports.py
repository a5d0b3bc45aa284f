"""Browser tests of incident reporting as its users live it.

An electricity operator's SOC analyst files a ransomware incident under the
Cyber Response Act 23 hours after becoming aware of it: the flash report's
countdown shows under an hour left, the reminder e-mail arrives in a real SMTP
server (aiosmtpd, started here), the form refuses a missing item by name, the
flash report goes in with its SHA-256, and a detailed report amends it as a
second version. The national office's analyst finds it in the queue with its
clocks and asks a question in the thread, which the reporter sees.
"""

from __future__ import annotations

import email
import email.policy
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from renkei_server import DEMO_PASSWORD, StartError, start_demo
from test_portal import fill_login, path_of, submit_and_wait, wait

SOC = "soc@toto-power.example.jp"
ANALYST = "analyst@ncso.example.jp"
JST = timezone(timedelta(hours=9))


class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mail():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def base_url(renkei_bin: Path, tmp_path_factory, mail):
    """The demo with mail to the test SMTP server and a reminder sweep each second."""
    _, port = mail
    work = tmp_path_factory.mktemp("renkei-reports")
    config = work / "renkei.toml"
    config.write_text(
        f'smtp_url = "smtp://127.0.0.1:{port}"\n'
        'mail_from = "renkei <noreply@renkei.example.jp>"\n'
        "report_reminder_interval_secs = 1\n",
        encoding="utf-8",
    )
    try:
        server = start_demo(renkei_bin, work / "demo", password=DEMO_PASSWORD, config=config)
    except StartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


def sign_in_as(driver, base_url: str, who: str) -> None:
    driver.delete_all_cookies()
    fill_login(driver, base_url, who, DEMO_PASSWORD)
    assert path_of(driver) == "/", driver.current_url


def fill(driver, field_id: str, text: str) -> None:
    el = driver.find_element(By.ID, field_id)
    el.clear()
    el.send_keys(text)


def set_datetime_local(driver, field_id: str, when: datetime) -> None:
    # Typing into datetime-local depends on the locale; set the value as a browser form would hold it.
    driver.execute_script(
        "arguments[0].value = arguments[1]", driver.find_element(By.ID, field_id), when.strftime("%Y-%m-%dT%H:%M")
    )


def test_an_operator_files_a_ransomware_flash_report_and_amends_it(driver, base_url, mail):
    inbox, _ = mail
    sign_in_as(driver, base_url, SOC)
    driver.get(f"{base_url}/reports")
    submit_and_wait(driver, "report-new")
    assert path_of(driver) == "/reports/new"
    title = f"ファイルサーバ暗号化 {int(time.time())}"
    fill(driver, "f-title", title)
    aware = datetime.now(JST) - timedelta(hours=23, minutes=20)
    set_datetime_local(driver, "f-awareness", aware)
    fill(driver, "f-summary", "本社ファイルサーバが暗号化され、身代金要求の文書が置かれた。")
    assert driver.find_element(By.ID, "regime-jp-cyber-response").is_selected()
    submit_and_wait(driver, "incident-submit")
    report_path = path_of(driver)
    assert report_path.startswith("/reports/"), report_path

    # The flash report's clock: under an hour left, counting down.
    flash = driver.find_element(By.ID, "clock-flash")
    assert "期限間近" in flash.text, flash.text
    countdown = flash.find_element(By.CSS_SELECTOR, "time.countdown").text
    assert countdown.startswith("あと 0 日 0 時間"), countdown

    # The reminder e-mail reaches the operator's filers (the sweep runs each second).
    deadline = time.time() + 30
    while time.time() < deadline and not any(SOC in to for to, _ in inbox.messages):
        time.sleep(0.5)
    got = [(to, m) for to, m in inbox.messages if SOC in to]
    assert got, f"no reminder for {SOC}: {[to for to, _ in inbox.messages]}"
    _, msg = got[0]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "速報" in body and report_path in body, body

    # Submitting without a required item is refused, naming it.
    Select(driver.find_element(By.ID, "c-form")).select_by_value("ransomware")
    submit_and_wait(driver, "stage-choose")
    Select(driver.find_element(By.ID, "v-report-category")).select_by_value("flash")
    fill(driver, "v-sector", "電力")
    fill(driver, "v-incident-overview", "本社ファイルサーバ3台が暗号化された。")
    fill(driver, "v-affected-computer", "本社ファイルサーバ")
    fill(driver, "v-response-taken", "ネットワークから隔離した。")
    fill(driver, "v-contact", "")
    fill(driver, "v-ransom-note", "README-RESTORE.txt")
    fill(driver, "v-indicators", "185.220.101.47\nrestore-files.example.net")
    submit_and_wait(driver, "report-submit")
    assert driver.find_element(By.ID, "form-error").is_displayed()
    contact = driver.find_element(By.ID, "v-contact")
    assert contact.get_attribute("aria-invalid") == "true"
    assert "必須" in driver.find_element(By.ID, "field-contact").text
    assert driver.find_element(By.ID, "v-ransom-note").get_attribute("value") == "README-RESTORE.txt"

    fill(driver, "v-contact", "情報セキュリティ室 03-0000-0000")
    submit_and_wait(driver, "report-submit")
    flash_note = driver.find_element(By.ID, "report-flash").text
    assert "第1版" in flash_note and "SHA-256" in flash_note, flash_note
    assert "期限内に提出済み" in driver.find_element(By.ID, "clock-flash").text

    # The detailed report amends it as version 2; version 1 stays as it was.
    Select(driver.find_element(By.ID, "c-stage")).select_by_value("detailed")
    Select(driver.find_element(By.ID, "c-form")).select_by_value("ransomware")
    submit_and_wait(driver, "stage-choose")
    Select(driver.find_element(By.ID, "v-report-category")).select_by_value("detailed")
    fill(driver, "v-ransomware-family", "LockBit 3.0")
    fill(driver, "f-note", "ランサムウェアの種別が判明")
    submit_and_wait(driver, "report-submit")
    versions = driver.find_elements(By.CSS_SELECTOR, "#versions li")
    assert len(versions) == 2, [v.text for v in versions]
    driver.find_element(By.CSS_SELECTOR, "#version-1 a").click()
    wait(driver).until(lambda d: "/versions/1" in d.current_url)
    assert "LockBit" not in driver.find_element(By.ID, "version-values").text

    # The national office's analyst finds it in the queue and asks a question.
    sign_in_as(driver, base_url, ANALYST)
    driver.get(f"{base_url}/reports/queue")
    row = driver.find_element(By.XPATH, f"//table[@id='report-table']//a[text()='{title}']")
    row.click()
    wait(driver).until(lambda d: path_of(d) == report_path)
    assert driver.find_element(By.ID, "clocks").is_displayed()
    fill(driver, "f-message", "暗号化されたサーバは制御系と分離されていますか。")
    submit_and_wait(driver, "message-submit")
    Select(driver.find_element(By.ID, "f-state")).select_by_value("waiting")
    submit_and_wait(driver, "state-submit")
    assert "報告者の回答待ち" in driver.find_element(By.ID, "report-state").text

    # The reporter sees the question.
    sign_in_as(driver, base_url, SOC)
    driver.get(f"{base_url}{report_path}")
    assert "制御系と分離" in driver.find_element(By.ID, "thread").text


RAIL = "soc@kansai-rail.example.jp"


def test_the_national_office_turns_a_report_into_an_alert_a_third_organisation_reads(driver, base_url):
    """The demo's ransomware report (Toto Electric, consented to sanitised use) becomes an
    alert with concrete steps; Kansai Railway reads it in the portal and over TAXII, and
    neither names the reporter."""
    sign_in_as(driver, base_url, ANALYST)
    driver.get(f"{base_url}/reports/queue")
    driver.find_element(By.XPATH, "//table[@id='report-table']//a[text()='ファイルサーバのランサムウェア感染']").click()
    wait(driver).until(lambda d: path_of(d).startswith("/reports/"))
    report_id = path_of(driver).rsplit("/", 1)[1]
    submit_and_wait(driver, "report-to-alert")
    assert path_of(driver) == "/alerts/new"
    editor = driver.find_element(By.TAG_NAME, "form").get_attribute("innerHTML")
    for gone in ["東都電力", "Toto", "田中", "03-0000-0000"]:
        assert gone not in editor, f"{gone} left in the editor"
    assert driver.find_element(By.ID, "sources").get_attribute("value") == report_id
    assert "185.220.101.47" in driver.find_element(By.ID, "indicators").get_attribute("value")
    title = f"ファイルサーバを狙うランサムウェアへの注意喚起 {int(time.time())}"
    fill(driver, "title", title)
    fill(driver, "steps", "VPN 機器のファームウェアを最新にする\n管理画面をインターネットに公開しない\nバックアップをオフラインで保管する")
    driver.find_element(By.CSS_SELECTOR, "input[name='tlp'][value='GREEN']").click()
    fill(driver, "audience", "sector:railway,sector:electricity")
    driver.find_element(By.ID, "audience-chosen").click()
    submit_and_wait(driver, "alert-publish")
    alert_path = path_of(driver)
    assert alert_path.startswith("/alerts/"), driver.current_url

    # A third organisation reads it, with its steps, and nothing naming the reporter.
    sign_in_as(driver, base_url, RAIL)
    driver.get(f"{base_url}{alert_path}")
    page = driver.find_element(By.TAG_NAME, "main").text
    assert title in page and "バックアップをオフラインで保管する" in page, page
    for gone in ["東都電力", "Toto"]:
        assert gone not in page, f"{gone} shown to a third organisation"

    # Over TAXII too: the report object with its course-of-action steps.
    from taxii2client.v21 import Server

    server = Server(f"{base_url}/taxii2/", user=RAIL, password=DEMO_PASSWORD)
    found = []
    for root in server.api_roots:
        for col in root.collections:
            objects = col.get_objects().get("objects", [])
            found += [o for o in objects if o.get("type") == "report" and o.get("name") == title]
            if found:
                steps = [o for o in objects if o.get("type") == "course-of-action"]
                assert any("バックアップ" in (o.get("description") or o.get("name", "")) for o in steps)
                break
    assert found, "the alert's STIX report is not readable over TAXII"
    assert "東都電力" not in str(found) and "Toto" not in str(found)
