"""The national office at work, in Japanese: its coordinator (佐藤 健一,
administrator of 国家サイバー統括室) opens the overview and finds the members
that have not accepted their terms, the sharing activity as a chart with the
same figures in a table, and the latest reads of TLP:RED reports once
someone has read one; then edits an organisation and a user, is told which
field a bad value is wrong in (nothing changes), and finds each change in
the audit log. Every page is reached by following the portal's links."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD
from test_portal import fill_login, h1, html_lang, nav_status, path_of, submit_and_wait, wait

TOTO_ADMIN = "admin@toto-power.example.jp"
RED_REPORT = "調整中の未公開脆弱性に関する事前連絡"


def follow(driver, element) -> None:
    """Clicks a link and waits for the page it leads to."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "html") != old)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in_as(driver, base_url: str, email: str) -> None:
    driver.delete_all_cookies()
    fill_login(driver, base_url, email, DEMO_PASSWORD)
    assert path_of(driver) == "/", f"{email} did not reach home: {driver.current_url}"


def open_overview(driver) -> None:
    follow(driver, driver.find_element(By.ID, "nav-overview"))
    assert path_of(driver) == "/admin/overview"
    assert html_lang(driver) == "ja"
    assert h1(driver) == "全体概況"


def rows(driver, table_id: str) -> list[list[str]]:
    return [
        [c.text.strip() for c in r.find_elements(By.CSS_SELECTOR, "th, td")]
        for r in driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    ]


def red_reads_by(driver, email: str) -> list[list[str]]:
    """Rows of the restricted-reads table for `email` and the RED report."""
    if not driver.find_elements(By.ID, "restricted-reads"):
        assert driver.find_element(By.ID, "reads-none").text == "最近の閲覧はありません。"
        return []
    return [r for r in rows(driver, "restricted-reads") if email in r[1] and r[3] == "TLP:RED"]


def audit_rows(driver) -> list[list[str]]:
    return [
        [td.text.strip() for td in r.find_elements(By.TAG_NAME, "td")]
        for r in driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    ]


def test_the_overview_lists_pending_terms_the_sharing_chart_and_red_reads(driver, base_url):
    sign_in_as(driver, base_url, ADMIN_EMAIL)
    open_overview(driver)

    # みどり町 is a member of the council and has not accepted its terms.
    pending = rows(driver, "pending-terms")
    town = [r for r in pending if r[0] == "みどり町"]
    assert town, pending
    assert town[0][1] == "サイバーセキュリティ協議会" and town[0][2] == "2026.10", town
    assert town[0][3].endswith("JST"), town
    assert not [r for r in pending if r[0] == "東都電力株式会社"], "Toto Power accepted its terms"
    link = driver.find_element(By.CSS_SELECTOR, "#pending-title ~ p a[href='/admin/communities']")
    assert link.text == "コミュニティの管理へ"

    # The sharing chart by sector: an image with a name and a description,
    # and the same figures in a table beside it.
    chart = driver.find_element(By.CSS_SELECTOR, "section.overview-chart svg[role='img']")
    label_ids = chart.get_attribute("aria-labelledby").split()
    names = [driver.find_element(By.ID, i).get_attribute("textContent") for i in label_ids]
    assert names[0] == "分野別の共有件数", names
    assert "下の表" in names[1], names
    table = driver.find_element(By.ID, "activity-sector")
    assert table.find_element(By.TAG_NAME, "caption").text == "分野別の共有件数（週ごと）"
    heads = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert heads[0] == "区分" and heads[-1] == "合計" and len(heads) == 12 + 2, heads
    by_sector = {r[0]: r for r in rows(driver, "activity-sector")}
    # The demo's shares this week: the national office (government) and the
    # electricity operator's SOC at least.
    assert "電力" in by_sector, by_sector
    for r in by_sector.values():
        assert int(r[-1]) == sum(int(n) for n in r[1:-1]), r
    assert int(by_sector["電力"][-1]) > 0
    first_chart = driver.find_element(By.CSS_SELECTOR, "section.overview-chart")
    legend = [li.text for li in first_chart.find_elements(By.CSS_SELECTOR, "ul.legend li")]
    assert "電力" in legend, legend
    # The legend's colours are drawn (the page's security policy allows no
    # inline style) and match the chart's lines, in order.
    drawn = driver.execute_script(
        "const s = document.querySelector('section.overview-chart');"
        "const col = e => getComputedStyle(e);"
        "return [[...s.querySelectorAll('ul.legend .swatch')].map(e => {"
        "   const r = e.querySelector('rect'); return r ? col(r).fill : col(e).backgroundColor; }),"
        "  [...s.querySelectorAll('svg.chart polyline')].map(e => col(e).stroke)];"
    )
    swatches, lines = drawn
    assert len(swatches) == len(legend) and swatches == lines, drawn
    assert not any(c in ("none", "rgba(0, 0, 0, 0)", "") for c in swatches), swatches
    assert driver.find_element(By.ID, "activity-community")

    # Nobody from Toto Power has read the RED report yet.
    assert red_reads_by(driver, TOTO_ADMIN) == []

    # Toto Power's administrator, its only named reader, reads it.
    sign_in_as(driver, base_url, TOTO_ADMIN)
    follow(driver, driver.find_element(By.PARTIAL_LINK_TEXT, RED_REPORT))
    report = urlsplit(driver.current_url).path
    assert report.startswith("/items/") and h1(driver) == RED_REPORT

    # The coordinator now finds that read on the overview, linked to the
    # report and to its audit trail.
    sign_in_as(driver, base_url, ADMIN_EMAIL)
    open_overview(driver)
    reads = red_reads_by(driver, TOTO_ADMIN)
    # (The home page's list, which shows the report's title, counts as a read too.)
    assert reads, rows(driver, "restricted-reads")
    at, _, org, _, obj = reads[0]
    assert at.endswith("JST") and org == "東都電力株式会社", reads
    item = report.rsplit("/", 1)[1]
    assert obj.startswith(f"item:{item}"), reads
    row = driver.find_element(
        By.XPATH, f"//table[@id='restricted-reads']//tr[td[contains(., '{TOTO_ADMIN}')]]"
    )
    assert row.find_element(By.CSS_SELECTOR, f"a[href='/items/{item}']")
    follow(driver, row.find_element(By.LINK_TEXT, "この対象の監査ログ"))
    assert path_of(driver) == "/admin/audit"
    trail = audit_rows(driver)
    assert any(TOTO_ADMIN in r[2] and r[3] == "共有レポートの閲覧" for r in trail), trail


def test_an_administrator_edits_an_organisation_a_bad_name_changes_nothing(driver, base_url):
    sign_in_as(driver, base_url, ADMIN_EMAIL)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "nav.main a[href='/admin/orgs']"))
    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[aria-label='みどり町 を編集']"))
    edit_path = path_of(driver)
    assert edit_path.startswith("/admin/orgs/") and edit_path.endswith("/edit")
    org_id = edit_path.split("/")[3]
    assert h1(driver) == "組織の編集"
    name_ja = driver.find_element(By.ID, "edit-name-ja")
    assert name_ja.get_attribute("value") == "みどり町"

    # Another organisation's name: refused, the field named, nothing stored.
    name_ja.clear()
    name_ja.send_keys("東都電力株式会社")
    Select(driver.find_element(By.ID, "edit-sector")).select_by_visible_text("水道")
    submit_and_wait(driver, "edit-save")
    assert nav_status(driver) == 422
    error = driver.find_element(By.ID, "form-error").text
    assert "「名称（日本語）」" in error, error
    field = driver.find_element(By.ID, "edit-name-ja")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "form-error"
    assert field.get_attribute("value") == "東都電力株式会社", "what was typed is kept"
    driver.get(f"{base_url}/admin/orgs")
    town = driver.find_element(By.XPATH, f"//tr[td[1][normalize-space()='{org_id}']]").text
    assert "みどり町" in town and "政府・行政サービス" in town and "水道" not in town, town

    # A good edit: saved, shown in the list, and in the audit log.
    follow(driver, driver.find_element(By.ID, f"edit-org-{org_id}"))
    name_ja = driver.find_element(By.ID, "edit-name-ja")
    name_ja.clear()
    name_ja.send_keys("みどり町役場")
    submit_and_wait(driver, "edit-save")
    assert path_of(driver) == edit_path
    assert "保存しました" in driver.find_element(By.ID, "flash").text
    assert driver.find_element(By.ID, "edit-name-ja").get_attribute("value") == "みどり町役場"
    driver.get(f"{base_url}/admin/orgs")
    assert "みどり町役場" in driver.find_element(By.XPATH, f"//tr[td[1][normalize-space()='{org_id}']]").text

    follow(driver, driver.find_element(By.ID, "nav-audit"))
    driver.find_element(By.ID, "f-object").send_keys(f"org:{org_id}")
    Select(driver.find_element(By.ID, "f-action")).select_by_visible_text("組織の編集")
    submit_and_wait(driver, "audit-apply")
    changes = audit_rows(driver)
    assert len(changes) == 1, f"one change, the refused one not stored: {changes}"
    assert changes[0][3] == "組織の編集" and changes[0][6] == "成功", changes
    assert ADMIN_EMAIL in changes[0][2]
    assert "みどり町役場" in changes[0][7] and "みどり町 /" in changes[0][7], changes[0]


def test_an_administrator_edits_a_user_a_bad_role_changes_nothing(driver, base_url):
    sign_in_as(driver, base_url, ADMIN_EMAIL)
    follow(driver, driver.find_element(By.ID, "nav-users"))
    Select(driver.find_element(By.ID, "org-filter")).select_by_visible_text("東都電力株式会社")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form[method='get'][action='/admin/users'] button"))
    viewer = "viewer@toto-power.example.jp"
    follow(driver, driver.find_element(By.CSS_SELECTOR, f"a[aria-label='{viewer} を編集']"))
    edit_path = path_of(driver)
    user_id = edit_path.split("/")[3]
    assert h1(driver) == "利用者の編集"
    assert driver.find_element(By.ID, "edit-email").text == viewer
    before = driver.find_element(By.ID, "edit-display-name").get_attribute("value")

    # The coordinator's analyst role is for coordinator organisations only:
    # refused with the field named, and the new name is not stored either.
    name = driver.find_element(By.ID, "edit-display-name")
    name.clear()
    name.send_keys("伊藤 陽子（広報）")
    Select(driver.find_element(By.ID, "edit-role")).select_by_value("coordinator_analyst")
    submit_and_wait(driver, "edit-save")
    assert nav_status(driver) == 422
    error = driver.find_element(By.ID, "form-error").text
    assert "「役割」" in error, error
    assert driver.find_element(By.ID, "edit-role").get_attribute("aria-invalid") == "true"
    driver.get(f"{base_url}{edit_path}")
    assert driver.find_element(By.ID, "edit-display-name").get_attribute("value") == before
    assert Select(driver.find_element(By.ID, "edit-role")).first_selected_option.get_attribute("value") == "viewer"

    # A good edit: a reporter now, under the new name.
    name = driver.find_element(By.ID, "edit-display-name")
    name.clear()
    name.send_keys("伊藤 陽子（広報）")
    Select(driver.find_element(By.ID, "edit-role")).select_by_value("reporter")
    submit_and_wait(driver, "edit-save")
    assert "保存しました" in driver.find_element(By.ID, "flash").text
    follow(driver, driver.find_element(By.LINK_TEXT, "一覧に戻る"))
    row = driver.find_element(By.ID, f"user-{user_id}").text
    assert "伊藤 陽子（広報）" in row and viewer in row, row

    driver.get(f"{base_url}/admin/audit?object=user:{user_id}&action=user.update")
    changes = audit_rows(driver)
    assert len(changes) == 1, changes
    assert changes[0][3] == "利用者の編集" and "reporter" in changes[0][7] and "was" in changes[0][7], changes
