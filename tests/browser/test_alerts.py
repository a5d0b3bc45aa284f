"""Alerts relayed close to home (issue 18): the national office issues an
alert to local governments; 静岡県 relays it to its towns with a local
instruction (whom to call, the prefecture's deadline); みどり町 confirms it
and forwards it to its maintenance vendor and that vendor's
subcontractor; the prefecture and the national office see the town's
confirmation. Then an organisation outside the audience cannot open it."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from test_portal import click_and_wait, fill_login, path_of, wait
from renkei_server import DEMO_PASSWORD

NATIONAL = "analyst@ncso.example.jp"
PREFECTURE = "admin@pref-shizuoka.example.jp"
TOWN = "admin@town-midori.example.jp"
VENDOR = "admin@sakura-net.example.jp"
SUBCONTRACTOR = "admin@fuji-giken.example.jp"
OUTSIDER = "admin@toto-power.example.jp"


def sign_in_as(driver, base_url, email):
    driver.delete_all_cookies()
    fill_login(driver, base_url, email, DEMO_PASSWORD)
    assert path_of(driver) == "/", f"{email} did not sign in: {driver.current_url}"


def alert_id(driver) -> int:
    m = re.search(r"/alerts/(\d+)", driver.current_url)
    assert m, driver.current_url
    return int(m.group(1))


def recipient_status(driver, name: str) -> str:
    for row in driver.find_elements(By.CSS_SELECTOR, "#recipients tbody tr"):
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        if name in cells:
            return cells[-1]
    raise AssertionError(f"{name} not in {driver.find_element(By.ID, 'recipients').text}")


def test_a_prefecture_relays_a_national_alert_and_a_town_confirms_and_forwards(driver, base_url):
    # -- the national office issues an alert to local governments ---------
    sign_in_as(driver, base_url, NATIONAL)
    driver.get(f"{base_url}/alerts/new")
    driver.find_element(By.ID, "title").send_keys("VPN機器の脆弱性を悪用した攻撃について")
    driver.find_element(By.ID, "summary").send_keys("自治体の外部接続点を狙う攻撃が続いています。")
    driver.find_element(By.ID, "steps").send_keys(
        "VPN機器のファームウェアを更新する\n管理画面をインターネットに公開しない"
    )
    driver.find_element(By.ID, "indicators").send_keys("198.51.100.77")
    driver.find_element(By.CSS_SELECTOR, "input[name='tlp'][value='AMBER']").click()
    driver.find_element(By.ID, "audience").send_keys("sector:government")
    click_and_wait(driver, "alert-publish")
    assert "/alerts/" in driver.current_url and "ok=issued" in driver.current_url, (
        driver.find_element(By.TAG_NAME, "main").text
    )
    national_id = alert_id(driver)
    assert "未確認" in recipient_status(driver, "みどり町")

    # -- 静岡県 relays it to its towns with a local instruction ------------
    sign_in_as(driver, base_url, PREFECTURE)
    driver.get(f"{base_url}/alerts/{national_id}")
    relay = driver.find_element(By.ID, "alert-relay").text
    assert "みどり町" in relay and "ひので町" in relay, relay
    driver.find_element(By.ID, "relay-vendor").send_keys("さくらネットワーク 054-000-1234")
    driver.execute_script("document.getElementById('relay-deadline').value = '2026-12-25'")
    driver.find_element(By.ID, "relay-note").send_keys("12月25日までに県へ対応状況を報告してください。")
    click_and_wait(driver, "relay-submit")
    assert "ok=relayed" in driver.current_url, driver.find_element(By.TAG_NAME, "main").text
    relay_id = alert_id(driver)
    assert relay_id != national_id

    # -- みどり町 reads the relay, confirms it, forwards it ---------------
    sign_in_as(driver, base_url, TOWN)
    driver.get(f"{base_url}/alerts")
    assert "都道府県からの中継" in driver.find_element(By.ID, "alerts").text
    driver.get(f"{base_url}/alerts/{relay_id}")
    assert driver.find_element(By.ID, "alert-issuer").text == "静岡県"
    assert "054-000-1234" in driver.find_element(By.ID, "local-vendor").text
    assert driver.find_element(By.ID, "local-deadline").text == "2026-12-25"
    assert "ファームウェア" in driver.find_element(By.ID, "alert-steps").text
    click_and_wait(driver, "status-confirmed")
    assert driver.find_element(By.ID, "my-status").text == "確認済み"
    forward = driver.find_element(By.ID, "alert-forward").text
    assert "有限会社さくらネットワーク" in forward and "有限会社ふじ技研" in forward, forward
    driver.find_element(By.ID, "forward-note").send_keys("至急、当町の VPN 機器を確認してください。")
    click_and_wait(driver, "forward-submit")
    assert "ok=forwarded" in driver.current_url, driver.find_element(By.TAG_NAME, "main").text

    # -- the vendor and its subcontractor receive the forward -------------
    for who in (VENDOR, SUBCONTRACTOR):
        sign_in_as(driver, base_url, who)
        driver.get(f"{base_url}/alerts")
        listed = driver.find_element(By.ID, "alerts").text
        assert "委託先への転送" in listed and "VPN機器" in listed, listed
        # The original is not theirs to read.
        driver.get(f"{base_url}/alerts/{national_id}")
        assert driver.find_elements(By.ID, "alert-title") == []

    # -- the prefecture and the national office see the confirmation ------
    sign_in_as(driver, base_url, PREFECTURE)
    driver.get(f"{base_url}/alerts/{relay_id}")
    assert "確認済み" in recipient_status(driver, "みどり町")
    assert "未確認" in recipient_status(driver, "ひので町")

    sign_in_as(driver, base_url, NATIONAL)
    driver.get(f"{base_url}/alerts/{national_id}")
    assert "確認済み" in recipient_status(driver, "みどり町")
    assert "未確認" in recipient_status(driver, "ひので町")
    click_and_wait(driver, "remind")
    assert "ok=reminded" in driver.current_url

    # -- outside the audience: not found, as for anything that is not there
    sign_in_as(driver, base_url, OUTSIDER)
    driver.get(f"{base_url}/alerts/{national_id}")
    assert driver.find_elements(By.ID, "alert-title") == []
    driver.get(f"{base_url}/alerts")
    assert "VPN機器の脆弱性" not in driver.find_element(By.TAG_NAME, "main").text
    wait(driver)
