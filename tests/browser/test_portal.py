"""Browser tests of the renkei portal (server-rendered HTML, no JavaScript needed).

Run with:  RENKEI_BIN=target/debug/renkei target/test-venv/bin/python -m pytest -q tests/browser
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD

WAIT = 15


# -- helpers -------------------------------------------------------------------


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def path_of(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def html_lang(driver: WebDriver) -> str | None:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def h1(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text.strip()


def nav_status(driver: WebDriver) -> int | None:
    """HTTP status of the document now shown (Navigation Timing Level 2)."""
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return n ? n.responseStatus : null;"
    )


def replaced(old):
    """Wait condition: `old` no longer belongs to the shown document.

    Like expected_conditions.staleness_of, but Chromium sometimes reports a node of a document
    being swapped out as an inspector error ("Node with given id does not
    belong to the document") rather than a stale reference; both mean the
    page was replaced.
    """

    def check(_driver: WebDriver) -> bool:
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    return check


def submit_and_wait(driver: WebDriver, button_id: str) -> None:
    """Clicks a submit button and waits until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    wait(driver).until(replaced(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def click_and_wait(driver: WebDriver, element_id: str) -> None:
    submit_and_wait(driver, element_id)


def fill_login(driver: WebDriver, base_url: str, email: str, password: str) -> None:
    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver, "login-submit")


def sign_in(driver: WebDriver, base_url: str) -> None:
    fill_login(driver, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    assert path_of(driver) == "/", f"sign-in did not reach the home page: {driver.current_url}"


def table_rows(driver: WebDriver, table_id: str) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [[td.text.strip() for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]


def user_emails(driver: WebDriver) -> list[str]:
    # Columns: display name, e-mail, role, date.
    return [cells[1] for cells in table_rows(driver, "users") if len(cells) > 1]


def unlabelled_controls(driver: WebDriver) -> list[str]:
    """Visible inputs/selects/textareas that have neither <label for> nor aria-label(ledby)."""
    missing = []
    for el in driver.find_elements(By.CSS_SELECTOR, "input, select, textarea"):
        if (el.get_attribute("type") or "").lower() == "hidden" or not el.is_displayed():
            continue
        el_id = el.get_attribute("id")
        labelled = bool(
            (el_id and driver.find_elements(By.CSS_SELECTOR, f'label[for="{el_id}"]'))
            or (el.get_attribute("aria-label") or "").strip()
            or (el.get_attribute("aria-labelledby") or "").strip()
        )
        if not labelled:
            missing.append(el.get_attribute("outerHTML"))
    return missing


# -- tests ---------------------------------------------------------------------


def test_login_page_is_japanese_by_default_and_sign_in_works(driver, base_url):
    driver.get(f"{base_url}/login")
    assert html_lang(driver) == "ja"
    assert h1(driver) == "ログイン"
    assert driver.find_elements(By.ID, "lang-en"), "no link to the English pages"

    sign_in(driver, base_url)
    assert html_lang(driver) == "ja"
    assert h1(driver) == "共有情報"
    assert driver.find_element(By.ID, "logout").is_displayed()
    # The platform administrator sees the administration links.
    assert driver.find_element(By.ID, "nav-users").is_displayed()
    assert driver.find_element(By.ID, "nav-audit").is_displayed()


def test_language_switch_to_english_and_back(driver, base_url):
    sign_in(driver, base_url)
    assert html_lang(driver) == "ja"
    assert h1(driver) == "共有情報"
    nav = driver.find_element(By.CSS_SELECTOR, "nav.main")
    assert "ホーム" in nav.text

    click_and_wait(driver, "lang-en")
    assert path_of(driver) == "/", "the language switch should return to the same page"
    assert html_lang(driver) == "en"
    assert h1(driver) == "Shared information"
    nav = driver.find_element(By.CSS_SELECTOR, "nav.main")
    assert nav.find_element(By.LINK_TEXT, "Home").is_displayed()
    assert "ホーム" not in nav.text
    assert not driver.find_elements(By.ID, "lang-en")

    # The choice sticks across pages.
    driver.get(f"{base_url}/admin/users")
    assert html_lang(driver) == "en"

    driver.get(f"{base_url}/")
    click_and_wait(driver, "lang-ja")
    assert path_of(driver) == "/"
    assert html_lang(driver) == "ja"
    assert h1(driver) == "共有情報"
    nav = driver.find_element(By.CSS_SELECTOR, "nav.main")
    assert "ホーム" in nav.text
    assert not nav.find_elements(By.LINK_TEXT, "Home")
    assert driver.find_elements(By.ID, "lang-en")


def test_create_user_then_find_it_in_the_audit_log(driver, base_url):
    email = f"browser-{uuid.uuid4().hex[:10]}@ncso.example.jp"
    sign_in(driver, base_url)
    click_and_wait(driver, "nav-users")
    assert path_of(driver) == "/admin/users"
    assert email not in user_emails(driver)

    driver.find_element(By.ID, "new-email").send_keys(email)
    driver.find_element(By.ID, "new-display-name").send_keys("ブラウザ試験 利用者")
    Select(driver.find_element(By.ID, "new-role")).select_by_value("reporter")
    driver.find_element(By.ID, "new-password").send_keys("browser-user-password-1")
    submit_and_wait(driver, "create-user")

    url = urlsplit(driver.current_url)
    assert url.path == "/admin/users"
    assert parse_qs(url.query).get("ok") == ["user-created"], driver.current_url
    assert driver.find_element(By.ID, "flash").is_displayed()
    assert not driver.find_elements(By.ID, "form-error")
    assert email in user_emails(driver)

    click_and_wait(driver, "nav-audit")
    assert path_of(driver) == "/admin/audit"
    # Columns: seq, time, actor, action, object, source, outcome, detail, hash.
    matches = []
    for _page in range(5):  # newest first; the entry is recent, but follow "older" a little
        matches = [
            c
            for c in table_rows(driver, "audit")
            if len(c) >= 9 and c[3] == "user.create" and email in c[7]
        ]
        older = driver.find_elements(By.CSS_SELECTOR, "main a[href*='before=']")
        if matches or not older:
            break
        old = driver.find_element(By.TAG_NAME, "html")
        older[0].click()
        wait(driver).until(replaced(old))
    assert len(matches) == 1, f"expected one user.create entry for {email}, found {matches}"
    row = matches[0]
    assert row[2] == ADMIN_EMAIL
    assert row[4].startswith("user:")
    assert row[0].isdigit()


def test_server_side_validation_rejects_bad_email(driver, base_url):
    sign_in(driver, base_url)
    driver.get(f"{base_url}/admin/users")
    before = user_emails(driver)
    bad = "not-an-email"
    assert bad not in before

    field = driver.find_element(By.ID, "new-email")
    # Bypass the browser's own type=email check so the server has to decide.
    driver.execute_script("arguments[0].removeAttribute('type')", field)
    field.send_keys(bad)
    driver.find_element(By.ID, "new-display-name").send_keys("不正な利用者")
    driver.find_element(By.ID, "new-password").send_keys("browser-user-password-2")
    submit_and_wait(driver, "create-user")

    assert nav_status(driver) == 422
    assert "ok=" not in driver.current_url
    error = driver.find_element(By.ID, "form-error")
    assert error.is_displayed()
    # In the page's language (Japanese), from the bundle: the field by its label.
    assert "メールアドレス" in error.text, f"#form-error does not name the e-mail field: {error.text!r}"
    assert not driver.find_elements(By.ID, "flash")

    driver.get(f"{base_url}/admin/users")
    after = user_emails(driver)
    assert bad not in after
    assert sorted(after) == sorted(before), "a user was created despite the error"


def test_accessibility_basics(driver, base_url):
    driver.get(f"{base_url}/login")
    assert html_lang(driver), "html[lang] missing on /login"
    assert unlabelled_controls(driver) == []

    # A keyboard user reaches the sign-in button with Tab, through the fields in order.
    driver.execute_script(
        "if (document.activeElement) document.activeElement.blur(); document.body.focus();"
    )
    seen = []
    for _ in range(20):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        seen.append(driver.switch_to.active_element.get_attribute("id") or "")
        if seen[-1] == "login-submit":
            break
    assert seen and seen[-1] == "login-submit", f"Tab order never reached #login-submit: {seen}"
    assert "email" in seen and "password" in seen
    assert seen.index("email") < seen.index("password") < seen.index("login-submit")

    sign_in(driver, base_url)
    driver.get(f"{base_url}/admin/users")
    assert h1(driver), "users page has no heading"
    assert html_lang(driver), "html[lang] missing on /admin/users"
    assert driver.find_elements(By.ID, "new-role"), "the user form is missing"
    assert unlabelled_controls(driver) == []


def test_wrong_password_shows_error_and_does_not_sign_in(driver, base_url):
    fill_login(driver, base_url, ADMIN_EMAIL, "definitely-not-the-password")
    assert path_of(driver) == "/login"
    error = driver.find_element(By.ID, "login-error")
    assert error.is_displayed() and error.text.strip()
    assert not driver.find_elements(By.ID, "logout")
    assert not driver.find_elements(By.ID, "nav-users")

    # Still signed out: an administration page sends us back to the sign-in form.
    driver.get(f"{base_url}/admin/users")
    assert path_of(driver) == "/login"
    assert h1(driver) == "ログイン"
    try:
        driver.find_element(By.ID, "users")
    except NoSuchElementException:
        pass
    else:
        raise AssertionError("the users table is visible without signing in")
