"""Browser tests of the portal's intelligence pages: share with an explicit
TLP, search, object page with correlations and a sighting, file import with a
per-line error report, warning-list entries, in real headless Chromium."""

from __future__ import annotations

import uuid
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_portal import (
    click_and_wait,
    h1,
    html_lang,
    nav_status,
    replaced,
    sign_in,
    submit_and_wait,
    table_rows,
    unlabelled_controls,
    wait,
)


def test_share_search_object_and_sighting(driver, base_url):
    sign_in(driver, base_url)
    driver.get(f"{base_url}/intel/share")
    assert html_lang(driver) == "ja"
    assert unlabelled_controls(driver) == []
    # A unique address so reruns against one server stay independent.
    octet = uuid.uuid4().int % 250 + 1
    addr = f"45.33.{octet}.{uuid.uuid4().int % 250 + 1}"
    defanged = addr.replace(".", "[.]", 1)
    values = driver.find_element(By.ID, "f-values")
    values.send_keys(f"C2: hxxps://login[.]evil-{octet}[.]co[.]jp/owa\n{defanged}\n")
    # Submitting without a TLP is refused and keeps what was typed.
    submit_and_wait(driver, "share-submit")
    assert nav_status(driver) == 422
    assert driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
    assert defanged in driver.find_element(By.ID, "f-values").get_attribute("value")
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-green").click()
    submit_and_wait(driver, "share-submit")
    assert nav_status(driver) == 200
    submit_and_wait(driver, "share-confirm")
    assert driver.find_element(By.ID, "share-ok").text

    driver.get(f"{base_url}/intel/search?q={addr}")
    rows = table_rows(driver, "results")
    assert len(rows) == 1 and rows[0][0] == "TLP:GREEN", rows
    link = driver.find_element(By.CSS_SELECTOR, "#results tbody a")
    link.click()
    assert addr in driver.page_source
    assert unlabelled_controls(driver) == []
    driver.find_element(By.ID, "sg-count").clear()
    driver.find_element(By.ID, "sg-count").send_keys("3")
    driver.find_element(By.ID, "sg-tlp-green").click()
    submit_and_wait(driver, "sighting-submit")
    assert "合計 3 回" in driver.find_element(By.ID, "sighting-count").text


def test_import_upload_lists_every_bad_line_previews_and_stores_once(driver, base_url, tmp_path: Path):
    sign_in(driver, base_url)
    driver.get(f"{base_url}/intel/import")
    assert unlabelled_controls(driver) == []
    marker = f"ok-{uuid.uuid4().hex[:8]}.evil-co.jp"
    bad = tmp_path / "list.csv"
    bad.write_text(f"value,type\n{marker},domain\n300.1.1.1,ipv4\nnot a value\n", encoding="utf-8")
    driver.find_element(By.ID, "f-file").send_keys(str(bad))
    # No format, collection or TLP is chosen in advance.
    Select(driver.find_element(By.ID, "f-format")).select_by_value("csv")
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-green").click()
    submit_and_wait(driver, "import-submit")
    assert nav_status(driver) == 422
    lines = [r[0] for r in table_rows(driver, "line-errors")]
    assert lines == ["3", "4"], lines
    driver.get(f"{base_url}/intel/search?q={marker}")
    assert table_rows(driver, "results") == [], "nothing was stored"

    good = tmp_path / "good.csv"
    good.write_text(f"value\n{marker}\n", encoding="utf-8")
    driver.get(f"{base_url}/intel/import")
    driver.find_element(By.ID, "f-file").send_keys(str(good))
    Select(driver.find_element(By.ID, "f-format")).select_by_value("csv")
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-green").click()
    submit_and_wait(driver, "import-submit")
    # A preview first: what will be stored, by kind, and who will read it.
    assert nav_status(driver) == 200
    counts = driver.find_element(By.ID, "import-counts").text
    assert "ドメイン" in counts and "1 件" in counts, counts
    assert driver.find_elements(By.CSS_SELECTOR, ".reader-orgs li")
    assert unlabelled_controls(driver) == []
    submit_and_wait(driver, "import-confirm")
    assert driver.find_element(By.ID, "import-ok").text
    # The result page's address (post/redirect/get): a reload stores nothing more.
    assert "/intel/import?done=" in driver.current_url
    driver.refresh()
    driver.get(f"{base_url}/intel/search?q={marker}")
    assert len(table_rows(driver, "results")) == 1


def test_intel_pages_in_english(driver, base_url):
    sign_in(driver, base_url)
    driver.get(f"{base_url}/lang/en?next=/intel/share")
    assert html_lang(driver) == "en"
    assert h1(driver) == "Share indicators"
    driver.get(f"{base_url}/notifications")
    assert h1(driver) == "Notifications"
    driver.get(f"{base_url}/intel/warninglists")
    assert h1(driver) == "Warning lists (known-benign values)"
    assert unlabelled_controls(driver) == []


def test_warning_list_entry_added_refused_and_removed(driver, base_url):
    sign_in(driver, base_url)
    driver.get(f"{base_url}/intel")
    click_and_wait(driver, "intel-warninglists")
    assert h1(driver).startswith("警告リスト")
    assert unlabelled_controls(driver) == []
    assert table_rows(driver, "warning-builtin"), "the built-in lists are shown"
    name = f"cdn-{uuid.uuid4().hex[:8]}.renkei-test.co.jp"
    driver.find_element(By.ID, "wl-list").send_keys("our-cdn")
    driver.find_element(By.ID, "wl-value").send_keys("not a value")
    # Refused, naming the field, keeping what was typed.
    submit_and_wait(driver, "warning-submit")
    assert nav_status(driver) == 422
    assert driver.find_element(By.ID, "wl-value").get_attribute("aria-invalid") == "true"
    assert driver.find_element(By.ID, "wl-list").get_attribute("value") == "our-cdn"
    field = driver.find_element(By.ID, "wl-value")
    field.clear()
    field.send_keys(name.replace(".", "[.]"))
    submit_and_wait(driver, "warning-submit")
    assert nav_status(driver) == 200
    assert driver.find_element(By.ID, "warning-ok").text
    rows = [r for r in table_rows(driver, "warning-entries") if r[2] == name]
    assert len(rows) == 1 and rows[0][0] == "our-cdn", table_rows(driver, "warning-entries")
    # Its row's button removes it.
    button = driver.find_element(
        By.XPATH, f"//table[@id='warning-entries']//tr[td/code[text()='{name}']]//button"
    )
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait(driver).until(replaced(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert driver.find_element(By.ID, "warning-ok").text
    assert name not in driver.page_source
