"""Intelligence a non-specialist can read: the single IT officer of みどり町
accepts the council's terms, opens a TLP:GREEN indicator and reads it in
words (kind and value, who shared it, what GREEN allows, who may read it,
who saw it), in Japanese, in real headless Chromium."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from test_portal import click_and_wait, fill_login, html_lang, path_of, wait
from renkei_server import DEMO_PASSWORD

TOWN_OFFICER = "admin@town-midori.example.jp"
# The national office's GREEN indicator in the council's collection (demo).
GREEN_INDICATOR = "indicator--5e1a0001-0000-4000-8000-000000000001"


def accept_council_terms(driver, base_url):
    """Accepts the council's terms from the communities page, unless done."""
    driver.get(f"{base_url}/admin/communities")
    buttons = driver.find_elements(
        By.CSS_SELECTOR, "form[action^='/admin/memberships/'][action$='/accept'] button"
    )
    for b in buttons:
        old = driver.find_element(By.TAG_NAME, "html")
        b.click()
        wait(driver).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))
        break


def test_town_officer_reads_a_green_indicator_in_words(driver, base_url):
    fill_login(driver, base_url, TOWN_OFFICER, DEMO_PASSWORD)
    assert path_of(driver) == "/", driver.current_url
    accept_council_terms(driver, base_url)

    driver.get(f"{base_url}/intel/objects/{GREEN_INDICATOR}")
    assert html_lang(driver) == "ja"
    summary = driver.find_element(By.ID, "object-summary").text
    # The kind and value in words, not a STIX pattern.
    assert "IPアドレス" in summary and "203.0.113.45" in summary, summary
    assert "[ipv4-addr:value" not in driver.find_element(By.TAG_NAME, "main").text
    # Who shared it and who may read it, by name.
    assert driver.find_element(By.ID, "object-owner").text == "国家サイバー統括室"
    assert "サイバーセキュリティ協議会" in driver.find_element(By.ID, "object-audience").text
    # What GREEN lets the reader do, in one sentence.
    meaning = driver.find_element(By.ID, "tlp-meaning").text
    assert "コミュニティ" in meaning and "公開" in meaning, meaning
    # Sightings by name, with dates in JST.
    sightings = driver.find_element(By.ID, "sightings-by-org").text
    assert "関西中央鉄道株式会社が12回観測" in sightings, sightings
    assert "JST" in driver.find_element(By.ID, "sightings-period").text
    # The network holding the address, linked by its name; freshness said.
    correlated = driver.find_element(By.LINK_TEXT, "VPN探索の発信元ネットワーク")
    assert driver.find_element(By.ID, "decay-explained").text
    # The pattern is there for whoever opens the toggle.
    raw = driver.find_element(By.ID, "object-raw")
    raw.find_element(By.TAG_NAME, "summary").click()
    assert "[ipv4-addr:value = '203.0.113.45']" in raw.text

    # The network's page lists the address inside it.
    correlated.click()
    wait(driver).until(lambda d: "/intel/objects/" in d.current_url and GREEN_INDICATOR not in d.current_url)
    assert "ネットワーク" in driver.find_element(By.ID, "object-summary").text
    assert driver.find_element(By.LINK_TEXT, "VPN機器を狙う攻撃元")

    # One search: the phishing host finds the URL shared on it, in words;
    # the report sent to the railway alone stays out of the town's results.
    driver.get(f"{base_url}/intel/search?q=kansai-rail-login[.]example[.]com")
    results = driver.find_element(By.ID, "results").text
    assert "フィッシングURL" in results and "http://kansai-rail-login.example.com/login" in results, results
    assert "URL" in results
    assert "貴社ドメインを騙るフィッシングサイトについて" not in driver.find_element(By.TAG_NAME, "main").text
