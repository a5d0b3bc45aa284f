"""Browser tests of the share form as the SOC analyst of an electricity operator
uses it: nothing chosen in advance, a preview naming who will be able to read
the values before anything is stored, one share however often the form is sent,
the whole flow by keyboard; those who may not share are told why; the demo's
exports hold values and say what they left out."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from renkei_server import DEMO_PASSWORD
from test_portal import (
    fill_login,
    h1,
    html_lang,
    nav_status,
    path_of,
    replaced,
    submit_and_wait,
    unlabelled_controls,
    wait,
)

SOC = "soc@toto-power.example.jp"


def unique_address() -> str:
    # 198.18.0.0/15: outside the warning lists, never routed; unique per run.
    n = uuid.uuid4().int
    return f"198.{18 + n % 2}.{n // 2 % 250 + 1}.{n // 512 % 250 + 1}"


def fetch_text(driver, path: str) -> str:
    """GETs `path` with the signed-in session (a download, read as text)."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.text()).then(done, e => done('ERROR ' + e));",
        path,
    )


def csv_rows_with(driver, value: str) -> int:
    return sum(1 for line in fetch_text(driver, "/intel/export/csv").splitlines() if value in line)


def test_soc_analyst_shares_after_seeing_who_will_read_it_and_a_double_submit_stores_once(
    driver, base_url
):
    fill_login(driver, base_url, SOC, DEMO_PASSWORD)
    driver.get(f"{base_url}/intel/share")
    assert html_lang(driver) == "ja"
    assert h1(driver) == "指標を共有する"
    assert unlabelled_controls(driver) == []
    # Nothing is chosen for the analyst: no collection, no TLP, no audience.
    collection = Select(driver.find_element(By.ID, "f-collection"))
    assert collection.first_selected_option.get_attribute("value") == ""
    assert not driver.find_elements(By.CSS_SELECTOR, "input[type=radio]:checked")
    assert not driver.find_elements(By.CSS_SELECTOR, "input[type=checkbox]:checked")
    # Communities, sectors, organisations and people are separate choices.
    legends = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "fieldset.audience > fieldset > legend")]
    assert legends == ["コミュニティ", "業種", "組織", "個人（TLP:RED のみ）"], legends

    addr = unique_address()
    driver.find_element(By.ID, "f-values").send_keys(f"{addr}\n")
    # Sent without a collection or TLP: the page names the field, keeps the value.
    submit_and_wait(driver, "share-submit")
    assert nav_status(driver) == 422
    alert = driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "「登録先コレクション」を選んでください" in alert, alert
    assert addr in driver.find_element(By.ID, "f-values").get_attribute("value")

    Select(driver.find_element(By.ID, "f-collection")).select_by_visible_text(
        "電力ISAC 指標 (Electricity ISAC indicators)"
    )
    driver.find_element(By.ID, "tlp-amber").click()
    # The audience: the electricity sector, chosen on its own.
    driver.find_element(By.ID, "aud-s-electricity").click()
    submit_and_wait(driver, "share-submit")
    assert nav_status(driver) == 200
    # The preview: nothing stored yet, and who will be able to read it.
    assert h1(driver) == "共有内容の確認"
    readers = driver.find_element(By.ID, "readers-title").text
    assert readers.startswith("閲覧できるのは: ") and readers.endswith("組織"), readers
    names = [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".reader-orgs li")]
    assert any("東都電力" in n for n in names), names
    assert readers == f"閲覧できるのは: {len(names)}組織"
    assert driver.find_element(By.ID, "preview-tlp").text == "TLP:AMBER"
    assert csv_rows_with(driver, addr) == 0, "the preview stores nothing"

    # A double submission: the confirm form sent twice at once, then clicked.
    statuses = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const f = document.getElementById('share-confirm').form;"
        "const body = new URLSearchParams(new FormData(f));"
        "body.append('step', 'confirm');"
        "const send = () => fetch(f.action, {method: 'POST', body, credentials: 'same-origin'})"
        "  .then(r => r.status);"
        "Promise.all([send(), send()]).then(done, e => done(String(e)));"
    )
    assert statuses == [200, 200], statuses  # each followed its redirect to the result
    submit_and_wait(driver, "share-confirm")
    assert path_of(driver) == "/intel/share"
    assert "done=" in driver.current_url, "post/redirect/get"
    assert driver.find_element(By.ID, "share-ok").text == "1 件を登録しました。"
    # The form below the result is empty again.
    assert driver.find_element(By.ID, "f-values").get_attribute("value") == ""
    assert csv_rows_with(driver, addr) == 1, "stored once"
    # A reload of the result page shares nothing more.
    driver.refresh()
    assert csv_rows_with(driver, addr) == 1

    # The object page, found by searching the value, names who shared it and
    # who may read it.
    driver.get(f"{base_url}/intel/search?q={addr}")
    found = driver.find_elements(By.CSS_SELECTOR, "#results a[href^='/intel/objects/']")
    assert len(found) == 1, driver.find_element(By.TAG_NAME, "main").text
    old = driver.find_element(By.TAG_NAME, "html")
    found[0].click()
    wait(driver).until(replaced(old))
    assert addr in driver.find_element(By.ID, "object-summary").text
    assert driver.find_element(By.ID, "object-owner").text == "東都電力株式会社"
    audience = driver.find_element(By.ID, "object-audience").text
    assert "電力" in audience and audience != "共有した組織のみ", audience
    assert "TLP:AMBER" in driver.find_element(By.TAG_NAME, "main").text


def tab_to(driver, element_id: str, limit: int = 120) -> None:
    """Presses Tab (and nothing else) until `element_id` has the focus."""
    for _ in range(limit):
        if driver.switch_to.active_element.get_attribute("id") == element_id:
            return
        ActionChains(driver).send_keys(Keys.TAB).perform()
    raise AssertionError(f"Tab never reached #{element_id}")


def press_enter_and_wait(driver) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver).until(replaced(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_the_whole_share_flow_by_keyboard(driver, base_url):
    fill_login(driver, base_url, SOC, DEMO_PASSWORD)
    driver.get(f"{base_url}/intel/share")
    addr = unique_address()
    # Tab through the page in its order to the values, type them.
    tab_to(driver, "f-values")
    driver.switch_to.active_element.send_keys(addr)
    # The collection: the first one by the keyboard.
    tab_to(driver, "f-collection")
    driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert Select(driver.find_element(By.ID, "f-collection")).first_selected_option.get_attribute("value")
    # The TLP: Tab enters the group, Space chooses, arrows move to GREEN.
    tab_to(driver, "tlp-clear")
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert driver.find_element(By.ID, "tlp-green").is_selected()
    tab_to(driver, "share-submit")
    press_enter_and_wait(driver)
    assert h1(driver) == "共有内容の確認"
    assert driver.find_element(By.ID, "readers-title").text.startswith("閲覧できるのは: ")
    # On the preview, Enter on the confirm button shares.
    tab_to(driver, "share-confirm")
    press_enter_and_wait(driver)
    assert driver.find_element(By.ID, "share-ok").text == "1 件を登録しました。"
    assert csv_rows_with(driver, addr) == 1


def test_a_viewer_and_a_member_without_accepted_terms_are_told_why(driver, base_url):
    fill_login(driver, base_url, "viewer@toto-power.example.jp", DEMO_PASSWORD)
    driver.get(f"{base_url}/intel/share")
    assert nav_status(driver) == 403
    text = driver.find_element(By.ID, "share-refused").text
    assert "閲覧者" in text and "管理者に役割の変更" in text, text
    assert not driver.find_elements(By.ID, "f-values")
    driver.delete_all_cookies()
    fill_login(driver, base_url, "admin@town-midori.example.jp", DEMO_PASSWORD)
    driver.get(f"{base_url}/intel/share")
    assert nav_status(driver) == 403
    text = driver.find_element(By.ID, "share-refused").text
    assert "守秘規約" in text, text
    driver.find_element(By.ID, "share-refused-terms").click()
    assert path_of(driver) == "/admin/communities"


def test_demo_exports_hold_values_and_say_what_they_left_out(driver, base_url):
    fill_login(driver, base_url, SOC, DEMO_PASSWORD)
    assert "198.18.45.10" in fetch_text(driver, "/intel/export/suricata")
    assert "c2.renkei-demo.example.jp" in fetch_text(driver, "/intel/export/rpz")
    assert "198.18.45.10" in fetch_text(driver, "/intel/export/blocklist?type=ipv4")
    driver.get(f"{base_url}/intel")
    submit_and_wait(driver, "intel-exports")
    assert h1(driver) == "エクスポート"
    row = driver.find_element(By.ID, "export-row-suricata").text
    assert "件を除外: 警告リスト「ドキュメント用アドレス」に該当" in row, row
    link = driver.find_element(By.CSS_SELECTOR, "#export-row-suricata a[href='/intel/warninglists']")
    assert link.text == "警告リストを見る"
