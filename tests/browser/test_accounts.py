"""Browser tests of the account lifecycle: an administrator revokes an API token and
deactivates a user, and both stop working on the very next request.

Run with:  RENKEI_BIN=target/debug/renkei target/test-venv/bin/python -m pytest -q tests/browser
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from renkei_server import ADMIN_EMAIL, DEMO_PASSWORD
from test_portal import fill_login, path_of, submit_and_wait, table_rows

# Accounts no other browser test signs in as, so deactivating them disturbs nothing.
MED_ADMIN = "admin@hokuriku-med.example.jp"
SUPPLIER_ADMIN = "admin@hokuriku-iryo.example.jp"
SUPPLIER_ORG_JA = "株式会社北陸医療情報"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def status_of(base_url: str, path: str, *, token: str | None = None, cookie: str | None = None) -> tuple[int, str]:
    """(status, Location) of a GET, redirects not followed."""
    req = urllib.request.Request(f"{base_url}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if cookie:
        req.add_header("Cookie", f"renkei_session={cookie}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=15) as r:
            return r.status, r.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


def create_token(driver: WebDriver, base_url: str, name: str) -> str:
    """Creates a token on the tokens page; returns its secret (shown once)."""
    driver.get(f"{base_url}/admin/tokens")
    driver.find_element(By.ID, "token-name").send_keys(name)
    submit_and_wait(driver, "create-token")
    secret = driver.find_element(By.ID, "token-secret").get_attribute("value") or ""
    assert secret.startswith("rk_"), driver.page_source
    return secret


def row_button(driver: WebDriver, table_id: str, text: str, prefix: str):
    """The button whose id starts with `prefix` in the row of `table_id` containing `text`."""
    for row in driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr"):
        if text in row.text:
            buttons = row.find_elements(By.CSS_SELECTOR, f"button[id^='{prefix}']")
            if buttons:
                return buttons[0]
    raise AssertionError(f"no {prefix}… button in a row with {text!r}: {table_rows(driver, table_id)}")


def test_an_administrator_revokes_a_token_and_it_stops_on_the_next_request(driver, base_url):
    fill_login(driver, base_url, MED_ADMIN, DEMO_PASSWORD)
    secret = create_token(driver, base_url, "browser feed")
    assert status_of(base_url, "/api/v1/me", token=secret)[0] == 200
    assert status_of(base_url, "/taxii2/", token=secret)[0] == 200

    driver.get(f"{base_url}/admin/tokens")
    button_id = row_button(driver, "tokens", "browser feed", "revoke-").get_attribute("id")
    submit_and_wait(driver, button_id)
    url = urlsplit(driver.current_url)
    assert url.path == "/admin/tokens"
    assert parse_qs(url.query).get("ok") == ["token-revoked"], driver.current_url
    assert driver.find_element(By.ID, "flash").is_displayed()
    assert not driver.find_elements(By.ID, button_id), "a revoked token has no revoke button"

    assert status_of(base_url, "/api/v1/me", token=secret)[0] == 401
    assert status_of(base_url, "/taxii2/", token=secret)[0] == 401


def test_an_administrator_deactivates_a_user_whose_session_and_tokens_stop(driver, base_url):
    # The supplier's administrator signs in and creates a token ...
    fill_login(driver, base_url, SUPPLIER_ADMIN, DEMO_PASSWORD)
    assert path_of(driver) == "/"
    secret = create_token(driver, base_url, "supplier feed")
    cookie = driver.get_cookie("renkei_session")["value"]
    assert status_of(base_url, "/account", cookie=cookie)[0] == 200
    assert status_of(base_url, "/api/v1/me", token=secret)[0] == 200

    # ... and the platform administrator deactivates them in another browser session.
    driver.delete_all_cookies()
    fill_login(driver, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    driver.get(f"{base_url}/admin/users")
    options = Select(driver.find_element(By.ID, "org-filter")).options
    org = next(o.get_attribute("value") for o in options if o.text == SUPPLIER_ORG_JA)
    driver.get(f"{base_url}/admin/users?org={org}")
    button_id = row_button(driver, "users", SUPPLIER_ADMIN, "deactivate-").get_attribute("id")
    submit_and_wait(driver, button_id)
    assert parse_qs(urlsplit(driver.current_url).query).get("ok") == ["user-deactivated"]
    user_id = button_id.removeprefix("deactivate-")
    assert driver.find_element(By.ID, f"reactivate-{user_id}").is_displayed()

    # The next request of each is refused.
    status, location = status_of(base_url, "/account", cookie=cookie)
    assert (status, location) == (303, "/login?next=/account")
    assert status_of(base_url, "/api/v1/me", token=secret)[0] == 401
    # In their browser too: the portal sends them to sign in, and signing in fails.
    driver.delete_all_cookies()
    driver.add_cookie({"name": "renkei_session", "value": cookie, "path": "/"})
    driver.get(f"{base_url}/account")
    assert path_of(driver) == "/login"
    fill_login(driver, base_url, SUPPLIER_ADMIN, DEMO_PASSWORD)
    assert path_of(driver) == "/login"
    assert driver.find_element(By.ID, "login-error").is_displayed()

    # Reactivated (leaving the demo as it was): the token works again, the old session does not.
    driver.delete_all_cookies()
    fill_login(driver, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    driver.get(f"{base_url}/admin/users?org={org}")
    submit_and_wait(driver, f"reactivate-{user_id}")
    assert status_of(base_url, "/api/v1/me", token=secret)[0] == 200
    assert status_of(base_url, "/account", cookie=cookie)[0] == 303
