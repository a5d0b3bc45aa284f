"""First steps of a new member, in Japanese: みどり町's single IT officer (吉田 茂,
the town's administrator), whose town is a member of the council but has not
yet accepted its confidentiality terms, finds the terms from the intelligence
page, reads them on the home page, accepts them there, then reads a TLP:GREEN
alert in words and finds it among the notifications.

Run with:  RENKEI_BIN=target/debug/renkei target/test-venv/bin/python -m pytest -q \
    tests/browser/test_first_steps.py
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from renkei_server import DEMO_PASSWORD

WAIT = 15
TOWN_OFFICER = "admin@town-midori.example.jp"
GREEN_ALERT = "ランサムウェア攻撃の手口に関する分析（2026年11月）"
TERMS_START = "サイバーセキュリティ協議会 構成員の守秘に関する規約"


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def replaced(old):
    def check(_driver: WebDriver) -> bool:
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    return check


def click_and_wait(driver: WebDriver, element) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait(driver).until(replaced(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def unread(driver: WebDriver) -> int:
    """The unread count the navigation shows (0 when it shows none)."""
    found = driver.find_elements(By.ID, "unread-count")
    if not found:
        return 0
    m = re.fullmatch(r"\((\d+)\)", found[0].text.strip())
    assert m, found[0].text
    return int(m.group(1))


def test_the_town_officer_accepts_the_terms_from_the_banner_and_reads_a_green_alert(
    driver: WebDriver, base_url: str
) -> None:
    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(TOWN_OFFICER)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    click_and_wait(driver, driver.find_element(By.ID, "login-submit"))
    assert urlsplit(driver.current_url).path == "/"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"

    # The intelligence page says why nothing is there, and links to the terms.
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav.main a[href='/intel']"))
    note = driver.find_element(By.CSS_SELECTOR, "main p[role='note']").text
    assert "サイバーセキュリティ協議会" in note and "同意するまで" in note, note
    click_and_wait(driver, driver.find_element(By.ID, "terms-link"))
    assert urlsplit(driver.current_url).path == "/"

    # The banner shows the terms themselves, not only their version.
    banner = driver.find_element(By.CSS_SELECTOR, "#terms section")
    heading = banner.find_element(By.TAG_NAME, "h2").text
    assert "サイバーセキュリティ協議会" in heading and "同意が必要です" in heading, heading
    text = banner.find_element(By.CSS_SELECTOR, ".terms-text").text
    assert TERMS_START in text, text
    assert "第45条" in text, text
    assert "2026.10" in banner.text
    # Not yet readable: the council's GREEN alert is not listed.
    assert GREEN_ALERT not in driver.find_element(By.TAG_NAME, "main").text
    before = unread(driver)

    # Accept from the banner.
    button = banner.find_element(By.CSS_SELECTOR, "button[type='submit']")
    assert "同意する" in button.text, button.text
    click_and_wait(driver, button)
    assert urlsplit(driver.current_url).path == "/"
    status = driver.find_element(By.CSS_SELECTOR, "p.ok[role='status']").text
    assert "同意を記録しました" in status, status
    assert not driver.find_elements(By.CSS_SELECTOR, "#terms section")

    # Now the GREEN alert is there; it reads in words, with its TLP explained.
    main = driver.find_element(By.TAG_NAME, "main")
    click_and_wait(driver, main.find_element(By.LINK_TEXT, GREEN_ALERT))
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == GREEN_ALERT
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "TLP:GREEN" in body
    assert "侵入経路の多くは保守用リモート接続でした" in body, body
    # In words: what GREEN allows in a sentence, who shared it, who may read it.
    meaning = driver.find_element(By.ID, "tlp-meaning").text
    assert "コミュニティ" in meaning and "公開" in meaning, meaning
    facts = driver.find_element(By.CSS_SELECTOR, "dl.meta").text
    assert "国家サイバー統括室" in facts and "サイバーセキュリティ協議会" in facts, facts
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "a[href='/help#tlp-green']"))
    green = driver.find_element(By.ID, "tlp-green").find_element(By.XPATH, "following-sibling::dd[1]")
    assert "コミュニティ" in green.text and "公開してはいけません" in green.text, green.text

    # The alert is among the notifications, unread, and can be marked read.
    after = unread(driver)
    assert after > before, (before, after)
    link = driver.find_element(By.ID, "nav-notifications")
    assert f"未読 {after} 件" in link.get_attribute("textContent")
    click_and_wait(driver, link)
    row = driver.find_element(
        By.XPATH, f"//table[@id='notifications']//tr[.//a[normalize-space()='{GREEN_ALERT}']]"
    )
    assert "未読" in row.text and "国家サイバー統括室" in row.text, row.text
    click_and_wait(driver, row.find_element(By.CSS_SELECTOR, "button[type='submit']"))
    assert unread(driver) == after - 1
    row = driver.find_element(
        By.XPATH, f"//table[@id='notifications']//tr[.//a[normalize-space()='{GREEN_ALERT}']]"
    )
    assert "既読" in row.text, row.text
