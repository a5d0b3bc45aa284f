"""axe-core (WCAG 2.2 AA) on the pages a person reaches by sending a form
rather than by following a link: errors naming a field, the share preview
and its result, an import's line errors, a refused edit, the audit log's
filter error and chain check, a new user's one-time link and the page it
opens, setting up an authenticator app, the recovery codes, the second
sign-in step and its error, a failed sign-in, and the enrolment of a first
factor that an organisation requiring one sends its new member to. Each page is checked as
the demo's people reach it, in Japanese."""

from __future__ import annotations

import time
import uuid

import pyotp
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_report import format_violations
from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD
from test_portal import fill_login, h1, html_lang, nav_status, path_of, submit_and_wait, wait

SOC = "soc@toto-power.example.jp"
PASSWORD = "a11y-forms-password"


class Pages:
    """Runs axe on the page shown and collects what it finds, by page."""

    def __init__(self, driver, axe):
        self.driver, self.axe, self.found, self.checked = driver, axe, {}, []

    def check(self, what: str, status: int | None = None) -> None:
        assert html_lang(self.driver) == "ja", what
        if status is not None:
            assert nav_status(self.driver) == status, f"{what}: HTTP {nav_status(self.driver)}"
        self.checked.append(what)
        violations = self.axe(self.driver)
        if violations:
            self.found[f"{what} ({path_of(self.driver)})"] = violations

    def assert_clean(self) -> None:
        assert not self.found, "axe-core (WCAG 2.2 AA) violations:\n" + "\n".join(
            f"{page}:\n{format_violations(v)}" for page, v in self.found.items()
        )


def test_share_and_import_results_have_no_axe_violation(driver, base_url, axe, tmp_path):
    pages = Pages(driver, axe)
    fill_login(driver, base_url, SOC, DEMO_PASSWORD)
    driver.get(f"{base_url}/intel/share")
    n = uuid.uuid4().int
    driver.find_element(By.ID, "f-values").send_keys(f"198.18.{n % 250 + 1}.{n // 256 % 250 + 1}\n")
    submit_and_wait(driver, "share-submit")
    pages.check("share: no collection chosen", 422)
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-amber").click()
    driver.find_element(By.ID, "aud-s-electricity").click()
    submit_and_wait(driver, "share-submit")
    assert h1(driver) == "共有内容の確認"
    pages.check("share preview", 200)
    submit_and_wait(driver, "share-confirm")
    assert driver.find_elements(By.ID, "share-ok")
    pages.check("share stored")

    driver.get(f"{base_url}/intel/import")
    bad = tmp_path / "list.csv"
    bad.write_text("value,type\n300.1.1.1,ipv4\nnot a value\n", encoding="utf-8")
    driver.find_element(By.ID, "f-file").send_keys(str(bad))
    # Nothing is chosen in advance: format, collection and TLP.
    Select(driver.find_element(By.ID, "f-format")).select_by_value("csv")
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-green").click()
    submit_and_wait(driver, "import-submit")
    assert driver.find_elements(By.CSS_SELECTOR, "#line-errors tbody tr")
    pages.check("import: lines that could not be read", 422)

    good = tmp_path / "good.csv"
    good.write_text(f"value\n198.18.{n % 250 + 1}.{n // 256 % 250 + 2}\n", encoding="utf-8")
    driver.get(f"{base_url}/intel/import")
    driver.find_element(By.ID, "f-file").send_keys(str(good))
    Select(driver.find_element(By.ID, "f-format")).select_by_value("csv")
    Select(driver.find_element(By.ID, "f-collection")).select_by_index(1)
    driver.find_element(By.ID, "tlp-green").click()
    submit_and_wait(driver, "import-submit")
    assert driver.find_elements(By.ID, "import-counts")
    pages.check("import preview", 200)
    submit_and_wait(driver, "import-confirm")
    assert driver.find_elements(By.ID, "import-ok")
    pages.check("import stored")
    pages.assert_clean()


def test_administration_results_have_no_axe_violation(driver, base_url, axe):
    pages = Pages(driver, axe)
    fill_login(driver, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    driver.get(f"{base_url}/admin/orgs")
    edit = driver.find_element(By.CSS_SELECTOR, "a[id^='edit-org-']").get_attribute("href")
    driver.get(edit)
    name = driver.find_element(By.ID, "edit-name-en")
    name.clear()
    name.send_keys("   ")
    submit_and_wait(driver, "edit-save")
    assert driver.find_elements(By.ID, "form-error")
    pages.check("organisation edit: a bad name", 422)

    driver.get(f"{base_url}/admin/audit?from=2026-02-30")
    assert driver.find_elements(By.ID, "form-error")
    pages.check("audit log: a bad date")
    driver.get(f"{base_url}/admin/audit")
    submit_and_wait(driver, "audit-verify")
    assert driver.find_elements(By.ID, "verify-result")
    pages.check("audit log: the chain checked")
    pages.assert_clean()


def test_a_new_users_first_sign_in_and_second_factor_have_no_axe_violation(driver, base_url, axe):
    pages = Pages(driver, axe)
    # A failed sign-in.
    fill_login(driver, base_url, ADMIN_EMAIL, "not-the-password")
    assert driver.find_elements(By.ID, "login-error")
    pages.check("sign-in: a wrong password")

    # The administrator adds a person: the page with the one-time link.
    email = f"a11y-{uuid.uuid4().hex[:10]}@ncso.example.jp"
    fill_login(driver, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    driver.get(f"{base_url}/admin/users")
    driver.find_element(By.ID, "new-email").send_keys(email)
    driver.find_element(By.ID, "new-display-name").send_keys("アクセシビリティ 確認")
    Select(driver.find_element(By.ID, "new-role")).select_by_value("viewer")
    submit_and_wait(driver, "create-user")
    link = driver.find_element(By.ID, "reset-url").get_attribute("value")
    pages.check("users: a new person's one-time link")
    submit_and_wait(driver, "logout")

    # The person opens the link, signed out, and sets a password.
    driver.get(f"{base_url}/reset/{link.rsplit('/reset/', 1)[1]}")
    pages.check("one-time link: set a password", 200)
    driver.find_element(By.ID, "new-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "confirm-password").send_keys(PASSWORD)
    submit_and_wait(driver, "reset-submit")

    # Sets up an authenticator app; the first factor brings recovery codes.
    fill_login(driver, base_url, email, PASSWORD)
    assert path_of(driver) == "/", driver.current_url
    driver.get(f"{base_url}/account/mfa")
    submit_and_wait(driver, "totp-setup")
    pages.check("authenticator app: scan the key")
    totp = pyotp.TOTP(driver.find_element(By.ID, "totp-secret").text.replace(" ", ""))
    driver.find_element(By.ID, "totp-code").send_keys("000000")
    submit_and_wait(driver, "totp-confirm")
    pages.check("authenticator app: a wrong code")
    driver.find_element(By.ID, "totp-code").send_keys(totp.now())
    submit_and_wait(driver, "totp-confirm")
    if driver.find_elements(By.ID, "recovery-codes"):
        pages.check("recovery codes, shown once")
        submit_and_wait(driver, "codes-continue")
    assert path_of(driver) == "/account/mfa"
    pages.check("second factors: an app set up")
    submit_and_wait(driver, "logout")

    # The second sign-in step, and a wrong code there.
    fill_login(driver, base_url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    pages.check("sign-in: the second step")
    driver.find_element(By.ID, "totp-code").send_keys("000000")
    submit_and_wait(driver, "totp-submit")
    assert driver.find_elements(By.ID, "mfa-error")
    pages.check("sign-in: a wrong code")
    driver.find_element(By.ID, "totp-code").send_keys(totp.at(time.time() + 30))
    submit_and_wait(driver, "totp-submit")
    assert path_of(driver) == "/"
    assert len(pages.checked) >= 8, pages.checked
    pages.assert_clean()


def test_enrolling_a_first_factor_at_sign_in_has_no_axe_violation(driver, base_url, axe):
    """An organisation that requires a second factor: its new member's
    password leads to the enrolment pages (an app or a passkey) first."""
    pages = Pages(driver, axe)
    admin = "admin@yamato-denshi.example.jp"
    fill_login(driver, base_url, admin, DEMO_PASSWORD)
    assert path_of(driver) == "/", driver.current_url
    driver.get(f"{base_url}/admin/users")
    email = f"member-{uuid.uuid4().hex[:10]}@yamato-denshi.example.jp"
    driver.find_element(By.ID, "new-email").send_keys(email)
    driver.find_element(By.ID, "new-display-name").send_keys("新しい 社員")
    submit_and_wait(driver, "create-user")
    link = driver.find_element(By.ID, "reset-url").get_attribute("value")
    driver.get(f"{base_url}/account/mfa")
    box = driver.find_element(By.ID, "mfa-required")
    if not box.is_selected():
        box.click()
    submit_and_wait(driver, "policy-save")
    pages.check("second factors: required of every member")
    submit_and_wait(driver, "logout")
    driver.get(f"{base_url}/reset/{link.rsplit('/reset/', 1)[1]}")
    driver.find_element(By.ID, "new-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "confirm-password").send_keys(PASSWORD)
    submit_and_wait(driver, "reset-submit")

    fill_login(driver, base_url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    assert not driver.find_elements(By.ID, "logout"), "no session before a second factor"
    pages.check("sign-in: enrol a second factor first")
    driver.find_element(By.ID, "enrol-passkey").click()
    wait(driver).until(lambda d: path_of(d) == "/login/mfa/enrol/passkey")
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    pages.check("sign-in: enrol a passkey", 200)
    driver.get(f"{base_url}/login/mfa")
    submit_and_wait(driver, "enrol-totp")
    assert driver.find_elements(By.ID, "totp-secret")
    pages.check("sign-in: enrol an authenticator app")
    pages.assert_clean()
