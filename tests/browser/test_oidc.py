"""OIDC sign-in in a real browser, through a real OpenID Connect provider.

A `renkei demo` whose settings name one provider (tests/oidc/provider.mjs:
panva's oidc-provider under node) for the demo's Toto Electric Power; the
browser clicks the provider's button on renkei's sign-in page, signs in and
consents on the provider's own pages, and comes back signed in. Without node
or the installed package the tests skip (saying so), and fail under CI.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from oidc_provider import free_port, start_provider, unavailable
from renkei_server import StartError, start_demo

WAIT = 20
CLIENT_ID = "renkei"
CLIENT_SECRET = "browser-oidc-client-secret"
# The demo's second organisation is Toto Electric Power (crates/renkei/src/demo.rs).
TOTO_POWER = 2


@pytest.fixture(scope="module")
def oidc_world(renkei_bin, tmp_path_factory):
    """(renkei's URL, the provider's issuer) for a demo signing in through the provider."""
    why = unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the OpenID Connect provider cannot run: {why}", pytrace=False)
        pytest.skip(f"SKIPPED: OIDC sign-in against a real provider: {why}")
    work = tmp_path_factory.mktemp("oidc")
    # The redirect URI is registered at the provider before renkei starts,
    # so renkei's port is chosen first.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    accounts = work / "accounts.json"
    accounts.write_text(
        json.dumps(
            {
                "unverified@toto-power.example.jp": {
                    "email": "viewer@toto-power.example.jp",
                    "email_verified": False,
                }
            }
        )
    )
    provider = start_provider(
        work,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{base}/login/oidc/corp/callback"],
        accounts=accounts,
    )
    secret = work / "client-secret"
    secret.write_text(CLIENT_SECRET + "\n")
    config = work / "renkei.toml"
    config.write_text(
        f"""
public_url = "{base}"

[[oidc_providers]]
id = "corp"
display_name = "東都電力 社内 ID"
display_name_en = "Toto Power corporate ID"
issuer = "{provider.issuer}"
client_id = "{CLIENT_ID}"
client_secret_file = "{secret}"

[[oidc_providers.orgs]]
org = {TOTO_POWER}
email_domains = ["toto-power.example.jp"]
"""
    )
    try:
        server = start_demo(renkei_bin, work / "demo", listen=f"127.0.0.1:{port}", config=config)
    except StartError as e:
        provider.stop()
        pytest.fail(str(e), pytrace=False)
    try:
        yield server.url, provider.issuer
    finally:
        server.stop()
        provider.stop()


def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def through_provider(driver: WebDriver, issuer: str, login: str) -> None:
    """Signs in and consents on the provider's own pages."""
    wait(driver).until(lambda d: d.current_url.startswith(issuer))
    wait(driver).until(lambda d: d.find_elements(By.NAME, "login"))
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys("any password")
    driver.find_element(By.CSS_SELECTOR, "button.login-submit").click()
    wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'input[name="prompt"][value="consent"]')
    )
    driver.find_element(By.CSS_SELECTOR, "button.login-submit").click()


def test_oidc_sign_in_through_the_providers_pages(driver, oidc_world):
    url, issuer = oidc_world
    driver.get(f"{url}/login?next=/intel")
    button = driver.find_element(By.ID, "oidc-corp")
    assert "東都電力 社内 ID" in button.text
    button.click()
    through_provider(driver, issuer, "soc@toto-power.example.jp")
    # Back at renkei, signed in, on the page asked for.
    wait(driver).until(lambda d: d.current_url.startswith(url) and d.find_elements(By.ID, "logout"))
    wait(driver).until(lambda d: urlsplit(d.current_url).path == "/intel")
    assert "田中 翔太" in driver.find_element(By.CSS_SELECTOR, "header .who").text
    # The session holds on the next page.
    driver.get(f"{url}/")
    assert driver.find_elements(By.ID, "logout"), "signed out again"


@pytest.mark.parametrize(
    ("lang", "login", "code", "words"),
    [
        ("en", "stranger@toto-power.example.jp", "oidc-unknown-user", "No account may sign in"),
        ("ja", "unverified@toto-power.example.jp", "oidc-unverified", "確認済みのメールアドレス"),
    ],
)
def test_oidc_refusals_show_their_code_in_the_pages_language(
    driver, oidc_world, lang, login, code, words
):
    url, issuer = oidc_world
    driver.get(f"{url}/lang/{lang}?next=/login")
    driver.find_element(By.ID, "oidc-corp").click()
    through_provider(driver, issuer, login)
    wait(driver).until(lambda d: d.current_url.startswith(url) and d.find_elements(By.ID, "oidc-error"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    error = driver.find_element(By.ID, "oidc-error")
    assert error.get_attribute("data-code") == code
    assert words in error.text
    assert code in driver.find_element(By.ID, "oidc-error-code").text
    assert not driver.find_elements(By.ID, "logout"), "a refusal signs no one in"
    driver.find_element(By.ID, "oidc-back").click()
    wait(driver).until(lambda d: urlsplit(d.current_url).path == "/login")
