"""Accessibility checked by a real engine, and screenshots of the main pages.

Every portal page the demo's people can reach is loaded in headless Chromium
(in Japanese, the default) and checked with axe-core for WCAG 2.2 AA
(`conftest.axe`); any violation fails the test and is listed. The people:

- 佐藤 健一, national office administrator (admin@ncso.example.jp): every page,
  administration and the audit log included;
- 田中 翔太, SOC analyst at 東都電力 (soc@toto-power.example.jp): intelligence pages;
- 伊藤 陽子, viewer at 東都電力 (viewer@toto-power.example.jp): what a viewer sees;
- the IT officer of みどり町, whose town has not accepted the terms
  (admin@town-midori.example.jp);
- nobody signed in: the sign-in page and an unknown address.

The run also saves the main pages at 1400 px and 360 px wide, in Japanese
and English, under target/screenshots/ (kept by CI as artifacts).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser_report import format_violations, save_screenshot
from renkei_server import DEMO_PASSWORD

WAIT = 15

# Pages every signed-in person can open.
COMMON = [
    "/",
    "/intel",
    "/intel/search?q=evil",
    "/intel/share",
    "/intel/import",
    "/intel/warninglists",
    "/notifications",
    "/admin/orgs",
    "/admin/communities",
    "/account",
    "/account/mfa",
    "/reports",
    "/no/such/page",
]
ADMIN_ONLY = ["/admin/users", "/admin/tokens", "/admin/audit"]

PEOPLE = {
    "admin@ncso.example.jp": COMMON + ADMIN_ONLY + ["first-object"],
    "soc@toto-power.example.jp": COMMON + ["first-object"],
    "viewer@toto-power.example.jp": COMMON,
    "admin@town-midori.example.jp": COMMON + ADMIN_ONLY,
}

SIGNED_OUT = ["/login", "/no/such/page"]

# The main pages for screenshots (as the national office's administrator).
SCREENSHOT_PAGES = {
    "home": "/",
    "intel": "/intel",
    "object": "first-object",
    "share": "/intel/share",
    "import": "/intel/import",
    "search": "/intel/search?q=evil",
    "orgs": "/admin/orgs",
    "communities": "/admin/communities",
    "audit": "/admin/audit",
    "not-found": "/no/such/page",
}


def sign_in(driver: WebDriver, base_url: str, email: str) -> None:
    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, WAIT).until(lambda d: urlsplit(d.current_url).path != "/login" or _stale(old))
    assert urlsplit(driver.current_url).path == "/", f"{email} did not reach home: {driver.current_url}"


def _stale(el) -> bool:
    try:
        el.tag_name
        return False
    except Exception:  # noqa: BLE001 - any staleness means the page changed
        return True


def first_object(driver: WebDriver, base_url: str) -> str:
    """The address of the first object listed on the intelligence page."""
    driver.get(f"{base_url}/intel")
    links = driver.find_elements(By.CSS_SELECTOR, "a[href^='/intel/objects/']")
    assert links, "the demo lists no object on /intel"
    return urlsplit(links[0].get_attribute("href")).path


def check_pages(driver: WebDriver, base_url: str, axe, who: str, paths: list[str]) -> dict:
    found = {}
    for path in paths:
        if path == "first-object":
            path = first_object(driver, base_url)
        driver.get(f"{base_url}{path}")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
        violations = axe(driver)
        if violations:
            found[f"{who} {path}"] = violations
    return found


@pytest.mark.parametrize("email", sorted(PEOPLE))
def test_every_page_a_person_reaches_has_no_axe_violation(driver, base_url, axe, email):
    sign_in(driver, base_url, email)
    found = check_pages(driver, base_url, axe, email, PEOPLE[email])
    assert not found, "axe-core (WCAG 2.2 AA) violations:\n" + "\n".join(
        f"{page}:\n{format_violations(v)}" for page, v in found.items()
    )


def test_pages_signed_out_have_no_axe_violation(driver, base_url, axe):
    found = check_pages(driver, base_url, axe, "signed out", SIGNED_OUT)
    assert not found, "axe-core (WCAG 2.2 AA) violations:\n" + "\n".join(
        f"{page}:\n{format_violations(v)}" for page, v in found.items()
    )


def test_narrow_screen_pages_do_not_overflow_and_save_screenshots(driver, base_url):
    """At 360 px no page is wider than the window (tables scroll in their own
    box); each main page is saved at 1400 and 360 px in Japanese and English."""
    sign_in(driver, base_url, "admin@ncso.example.jp")
    obj = first_object(driver, base_url)
    overflowing = []
    for lang in ("ja", "en"):
        driver.get(f"{base_url}/lang/{lang}?next=/")
        for name, path in SCREENSHOT_PAGES.items():
            driver.get(f"{base_url}{obj if path == 'first-object' else path}")
            for width in (1400, 360):
                save_screenshot(driver, f"{name}-{lang}", width)
                if width == 360:
                    wide = driver.execute_script(
                        "return document.documentElement.scrollWidth"
                    )
                    inner = driver.execute_script("return document.documentElement.clientWidth")
                    if wide > inner + 1:
                        overflowing.append(f"{lang} {path}: {wide}px in {inner}px")
    driver.get(f"{base_url}/lang/ja?next=/")
    assert not overflowing, "pages wider than a 360 px screen:\n" + "\n".join(overflowing)


def test_the_check_finds_a_planted_violation(driver, base_url, axe):
    """The engine really runs: an image without a text alternative is reported."""
    driver.get(f"{base_url}/login")
    driver.execute_script(
        "const i = document.createElement('img'); i.src = '/static/none.png';"
        "document.querySelector('main').appendChild(i);"
    )
    ids = [v["id"] for v in axe(driver)]
    assert "image-alt" in ids, ids
