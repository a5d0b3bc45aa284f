"""Browser tests of second factors: a user enrols a passkey (Chromium's virtual
authenticator, through the portal's one script) and an authenticator app (TOTP,
the code computed here with pyotp), then signs in with each.

WebAuthn needs a secure context whose host can be a relying party id, and an
address is none: these tests use http://localhost:PORT, the relying party the
demo (no public_url) accepts.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pyotp
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import (
    Protocol,
    Transport,
    VirtualAuthenticatorOptions,
)
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD

WAIT = 15
PASSWORD = "mfa-browser-password"


def localhost(base_url: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, f"localhost:{parts.port}", "", "", ""))


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def path_of(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def replaced(old):
    def check(_driver: WebDriver) -> bool:
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    return check


def click_and_wait(driver: WebDriver, element_id: str) -> None:
    """Clicks and waits until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, element_id).click()
    wait(driver).until(replaced(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def password_step(driver: WebDriver, url: str, email: str, password: str) -> None:
    driver.get(f"{url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    click_and_wait(driver, "login-submit")


def sign_out(driver: WebDriver) -> None:
    click_and_wait(driver, "logout")
    assert path_of(driver) == "/login"


def new_user(driver: WebDriver, url: str) -> str:
    """The national office's administrator adds a user; returns their e-mail."""
    email = f"mfa-{uuid.uuid4().hex[:10]}@ncso.example.jp"
    password_step(driver, url, ADMIN_EMAIL, DEMO_PASSWORD)
    assert path_of(driver) == "/", driver.current_url
    driver.get(f"{url}/admin/users")
    driver.find_element(By.ID, "new-email").send_keys(email)
    driver.find_element(By.ID, "new-display-name").send_keys("MFA Tester")
    Select(driver.find_element(By.ID, "new-role")).select_by_value("viewer")
    click_and_wait(driver, "create-user")
    assert driver.find_elements(By.ID, "flash"), driver.page_source[:2000]
    # The person sets their own password through the one-time link.
    link = driver.find_element(By.ID, "reset-url").get_attribute("value")
    sign_out(driver)
    driver.get(f"{url}/reset/{link.rsplit('/reset/', 1)[1]}")
    driver.find_element(By.ID, "new-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "confirm-password").send_keys(PASSWORD)
    click_and_wait(driver, "reset-submit")
    return email


def authenticator(driver: WebDriver) -> None:
    """A platform authenticator that verifies its user (PIN or biometrics)."""
    driver.add_virtual_authenticator(
        VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2,
            transport=Transport.INTERNAL,
            has_resident_key=True,
            has_user_verification=True,
            is_user_verified=True,
            is_user_consenting=True,
        )
    )


def test_a_user_enrols_a_passkey_and_totp_and_signs_in_with_each(driver: WebDriver, base_url: str):
    url = localhost(base_url)
    authenticator(driver)
    email = new_user(driver, url)

    # No second factor yet: the password alone signs in.
    password_step(driver, url, email, PASSWORD)
    assert path_of(driver) == "/", driver.current_url

    # A passkey: the browser asks the (virtual) authenticator.
    driver.get(f"{url}/account/mfa")
    click_and_wait(driver, "passkey-add")
    assert path_of(driver) == "/account/mfa/passkeys/new"
    driver.find_element(By.ID, "passkey-name").send_keys("Virtual key")
    click_and_wait(driver, "passkey-create")
    # The first factor comes with recovery codes, shown once.
    codes = driver.find_element(By.ID, "recovery-codes").text.split()
    assert len(codes) == 10, driver.page_source[:3000]
    assert len(driver.get_credentials()) == 1, "the authenticator holds the passkey"
    click_and_wait(driver, "codes-continue")
    rows = driver.find_elements(By.CSS_SELECTOR, "#passkeys tbody tr")
    assert len(rows) == 1 and "Virtual key" in rows[0].text

    # An authenticator app: scan (here: read) the key, confirm with one code.
    click_and_wait(driver, "totp-setup")
    assert driver.find_elements(By.CSS_SELECTOR, "#totp-qr svg"), "a QR code"
    secret = driver.find_element(By.ID, "totp-secret").text.replace(" ", "")
    totp = pyotp.TOTP(secret)
    assert driver.find_element(By.ID, "totp-uri").text.startswith("otpauth://totp/renkei:")
    driver.find_element(By.ID, "totp-code").send_keys(totp.now())
    click_and_wait(driver, "totp-confirm")
    assert path_of(driver) == "/account/mfa"
    assert driver.find_elements(By.ID, "flash")
    sign_out(driver)

    # Signing in with the passkey: no session until the second step.
    password_step(driver, url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    driver.get(f"{url}/intel")
    assert path_of(driver) == "/login", "the pending sign-in reads nothing"
    password_step(driver, url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    click_and_wait(driver, "use-passkey")
    assert path_of(driver) == "/", driver.page_source[:3000]
    assert driver.find_elements(By.ID, "logout"), "signed in"
    driver.get(f"{url}/account/mfa")
    last_used = driver.find_elements(By.CSS_SELECTOR, "#passkeys tbody tr td")[2].text
    assert any(ch.isdigit() for ch in last_used), f"the passkey was used: {last_used!r}"
    sign_out(driver)

    # Signing in with the app: the next step's code (the enrolment used this one's).
    password_step(driver, url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    driver.find_element(By.ID, "totp-code").send_keys("000000")
    click_and_wait(driver, "totp-submit")
    assert driver.find_elements(By.ID, "mfa-error"), "a wrong code is refused"
    driver.find_element(By.ID, "totp-code").send_keys(totp.at(time.time() + 30))
    click_and_wait(driver, "totp-submit")
    assert path_of(driver) == "/", driver.page_source[:3000]
    assert driver.find_elements(By.ID, "logout"), "signed in"


def test_an_organisation_requiring_mfa_sends_a_member_to_enrol_a_passkey_first(
    driver: WebDriver, base_url: str
):
    url = localhost(base_url)
    authenticator(driver)
    # Toto Power's administrator (no other browser test signs in there)
    # adds a member and requires a second factor of everyone.
    password_step(driver, url, "admin@toto-power.example.jp", DEMO_PASSWORD)
    assert path_of(driver) == "/", driver.current_url
    driver.get(f"{url}/admin/users")
    email = f"member-{uuid.uuid4().hex[:10]}@toto-power.example.jp"
    driver.find_element(By.ID, "new-email").send_keys(email)
    driver.find_element(By.ID, "new-display-name").send_keys("New Member")
    click_and_wait(driver, "create-user")
    link = driver.find_element(By.ID, "reset-url").get_attribute("value")
    driver.get(f"{url}/account/mfa")
    box = driver.find_element(By.ID, "mfa-required")
    if not box.is_selected():
        box.click()
    click_and_wait(driver, "policy-save")
    assert driver.find_elements(By.ID, "flash")
    sign_out(driver)
    # The member sets their own password through the one-time link.
    driver.get(f"{url}/reset/{link.rsplit('/reset/', 1)[1]}")
    driver.find_element(By.ID, "new-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "confirm-password").send_keys(PASSWORD)
    click_and_wait(driver, "reset-submit")

    # The member's password leads to enrolment, not to a session.
    password_step(driver, url, email, PASSWORD)
    assert path_of(driver) == "/login/mfa"
    assert not driver.find_elements(By.ID, "logout"), "not signed in yet"
    click_and_wait(driver, "enrol-passkey")
    assert path_of(driver) == "/login/mfa/enrol/passkey"
    driver.find_element(By.ID, "passkey-name").send_keys("Office PC")
    click_and_wait(driver, "passkey-create")
    assert len(driver.find_element(By.ID, "recovery-codes").text.split()) == 10
    click_and_wait(driver, "codes-continue")
    assert path_of(driver) == "/", driver.page_source[:3000]
    assert driver.find_elements(By.ID, "logout"), "signed in once enrolled"
    driver.get(f"{url}/account/mfa")
    assert driver.find_elements(By.ID, "mfa-required-note")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#passkeys tbody tr")) == 1
