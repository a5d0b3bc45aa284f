"""Accessibility checked by a real engine, and screenshots of the main pages.

Every portal page the demo's people can reach is loaded in headless Chromium
(in Japanese, the default) and checked with axe-core for WCAG 2.2 AA
(`conftest.axe`); any violation fails the test and is listed. The pages are
found as a person finds them: from the home page, every link of the portal
is followed (one page per route, a few for objects and reports), so an
edit page, a shared report or an object page is checked with an id taken
from the demo, and a page added later is checked once something links to
it. Each person's walk must reach the pages the specification gives them
(so a page that drops out of the navigation fails too), and no followed
link may end on a missing page or a failure (a refusal that says why
is a page). The people:

- 佐藤 健一, national office administrator (admin@ncso.example.jp): every page,
  administration, the overview and the audit log included;
- 田中 翔太, SOC analyst at 東都電力 (soc@toto-power.example.jp): intelligence pages;
- 伊藤 陽子, viewer at 東都電力 (viewer@toto-power.example.jp): what a viewer sees;
- the IT officer of みどり町, whose town has not accepted the terms
  (admin@town-midori.example.jp);
- nobody signed in: the sign-in page and an unknown address.

Pages reached by sending a form (the share preview, errors, a new user's
one-time link, second-factor set-up and sign-in) are checked in
test_a11y_forms.py.

The run also saves the main pages at 1400 px and 360 px wide, in Japanese
and English, under target/screenshots/ (kept by CI as artifacts; described
in docs/tour.md), and checks the main pages with axe at 360 px.
"""

from __future__ import annotations

import re
import subprocess
from collections import deque
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser_report import format_violations, save_screenshot
from renkei_server import DEMO_PASSWORD

WAIT = 15

# Addresses typed rather than followed: the search (a GET form), the
# sections still to come (out of the navigation, still served), and an
# unknown address (the styled 404).
TYPED = ["/intel/search?q=evil", "/reports", "/reports/regimes", "/advisories", "/detections", "/no/such/page"]

# Links that are not pages: downloads, the language switch (a redirect),
# the stylesheet and scripts, the APIs, sign-in at another provider.
NOT_PAGES = re.compile(
    r"^/(lang/|static/|api/|taxii2|intel/export/|admin/audit\.csv|login/oidc/|logout|healthz|readyz|metrics)"
)

# Routes with an id: checked for a few ids (objects and reports differ in
# what they show), other routes once.
PER_ROUTE = {"/intel/objects/{id}": 3, "/items/{id}": 3}

EVERYONE = {
    "/",
    "/intel",
    "/intel/search",
    "/intel/share",
    "/intel/import",
    "/intel/exports",
    "/intel/warninglists",
    "/notifications",
    "/alerts",
    "/admin/orgs",
    "/admin/communities",
    "/help",
    "/account",
    "/account/mfa",
    "/account/mfa/passkeys/new",
}
# Who may issue alerts (a sharing role) reaches the alert editor.
ISSUERS = {"/alerts/new"}
# Members whose organisation accepted its terms read shared objects and reports.
READERS = {"/intel/objects/{id}", "/items/{id}"}
ADMINS = {"/admin/users", "/admin/users/{id}/edit", "/admin/tokens", "/admin/audit"}
PLATFORM = {"/admin/overview", "/admin/orgs/{id}/edit", "/admin/communities/{id}/edit"}

PEOPLE = {
    "admin@ncso.example.jp": EVERYONE | READERS | ADMINS | PLATFORM | ISSUERS,
    "soc@toto-power.example.jp": EVERYONE | READERS | ISSUERS,
    "viewer@toto-power.example.jp": EVERYONE | READERS,
    # The town has not accepted the council's terms: it reads only CLEAR reports.
    "admin@town-midori.example.jp": EVERYONE | ADMINS | ISSUERS | {"/items/{id}"},
}

SIGNED_OUT = ["/login", "/no/such/page"]

# The main pages for screenshots (as the national office's administrator);
# docs/tour.md describes each file.
SCREENSHOT_PAGES = {
    "home": "/",
    "intel": "/intel",
    "object": "first-object",
    "report": "first-report",
    "share": "/intel/share",
    "import": "/intel/import",
    "exports": "/intel/exports",
    "search": "/intel/search?q=evil",
    "notifications": "/notifications",
    "alerts": "/alerts",
    "alert-new": "/alerts/new",
    "help": "/help",
    "orgs": "/admin/orgs",
    "communities": "/admin/communities",
    "overview": "/admin/overview",
    "audit": "/admin/audit",
    "not-found": "/no/such/page",
}

# The main pages checked again at 360 px, where tables scroll in their own
# box (which must then take the keyboard focus) and forms stack.
NARROW = list(SCREENSHOT_PAGES.values()) + [
    "/intel/warninglists",
    "/admin/users",
    "/admin/tokens",
    "/account",
    "/account/mfa",
]


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


def status(driver: WebDriver) -> int | None:
    """HTTP status of the document shown (Navigation Timing Level 2)."""
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return n ? n.responseStatus : null;"
    )


def route_of(path: str) -> str:
    """The route a path belongs to: ids (numbers, STIX ids, tokens) as {id}."""
    if path.startswith("/intel/objects/"):
        return "/intel/objects/{id}"
    if path.startswith("/reset/"):
        return "/reset/{token}"
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def links(driver: WebDriver, base_url: str) -> list[str]:
    """The portal pages the current page links to (path and query)."""
    origin = urlsplit(base_url).netloc
    found = []
    for a in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
        if a.get_dom_attribute("download") is not None:
            continue
        u = urlsplit(a.get_attribute("href") or "")
        if u.netloc != origin or not u.path.startswith("/") or NOT_PAGES.match(u.path):
            continue
        found.append(u.path + (f"?{u.query}" if u.query else ""))
    return found


def walk(driver: WebDriver, base_url: str, axe, who: str) -> tuple[set[str], dict, list[str]]:
    """Follows every link from the home page (and the typed addresses), runs
    axe on each page reached; returns the routes seen, the violations by
    page, and the followed links that ended on an error."""
    queue = deque(["/"] + TYPED)
    seen_urls: set[str] = set()
    per_route: dict[str, int] = {}
    found: dict[str, list] = {}
    broken: list[str] = []
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        route = route_of(path)
        if url in seen_urls or per_route.get(route, 0) >= PER_ROUTE.get(route, 1):
            continue
        seen_urls.add(url)
        per_route[route] = per_route.get(route, 0) + 1
        driver.get(f"{base_url}{url}")
        code = status(driver)
        # A refusal that says why (403) is a page; a missing page or a failure is not.
        if url not in TYPED and (code is None or (code >= 400 and code != 403)):
            broken.append(f"{url}: HTTP {code}")
        lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert lang == "ja", f"{who} {url}: lang={lang}"
        violations = axe(driver)
        if violations:
            found[f"{who} {url}"] = violations
        queue.extend(links(driver, base_url))
    return set(per_route), found, broken


@pytest.mark.parametrize("email", sorted(PEOPLE))
def test_every_page_a_person_reaches_has_no_axe_violation(driver, base_url, axe, email):
    sign_in(driver, base_url, email)
    routes, found, broken = walk(driver, base_url, axe, email)
    missing = sorted(PEOPLE[email] - routes)
    assert not missing, f"{email} could not reach {missing} by following links (reached {sorted(routes)})"
    assert not broken, f"links that end on an error page for {email}:\n" + "\n".join(broken)
    assert not found, "axe-core (WCAG 2.2 AA) violations:\n" + "\n".join(
        f"{page}:\n{format_violations(v)}" for page, v in found.items()
    )


def test_pages_signed_out_have_no_axe_violation(driver, base_url, axe):
    found = {}
    for path in SIGNED_OUT:
        driver.get(f"{base_url}{path}")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
        violations = axe(driver)
        if violations:
            found[f"signed out {path}"] = violations
    assert not found, "axe-core (WCAG 2.2 AA) violations:\n" + "\n".join(
        f"{page}:\n{format_violations(v)}" for page, v in found.items()
    )


def first_link(driver: WebDriver, base_url: str, page: str, prefix: str) -> str:
    """The address of the first link under `prefix` on `page`."""
    driver.get(f"{base_url}{page}")
    found = driver.find_elements(By.CSS_SELECTOR, f"main a[href^='{prefix}']")
    assert found, f"{page} links to nothing under {prefix}"
    return urlsplit(found[0].get_attribute("href")).path


def resolve(driver: WebDriver, base_url: str, paths) -> dict[str, str]:
    """Replaces first-object / first-report by addresses taken from the demo."""
    named = {
        # An indicator: what a person shares and reads most.
        "first-object": first_link(driver, base_url, "/intel", "/intel/objects/indicator--"),
        "first-report": first_link(driver, base_url, "/", "/items/"),
    }
    return {p: named.get(p, p) for p in paths}


def test_main_pages_at_360_px_have_no_axe_violation(driver, base_url, axe):
    sign_in(driver, base_url, "admin@ncso.example.jp")
    pages = resolve(driver, base_url, NARROW)
    found = {}
    try:
        for lang in ("ja", "en"):
            driver.get(f"{base_url}/lang/{lang}?next=/")
            driver.set_window_size(360, 800)
            for path in pages.values():
                driver.get(f"{base_url}{path}")
                width = driver.execute_script("return window.innerWidth")
                assert width <= 400, f"window {width}px, not narrow"
                violations = axe(driver)
                if violations:
                    found[f"360 px {lang} {path}"] = violations
    finally:
        driver.get(f"{base_url}/lang/ja?next=/")
    assert not found, "axe-core (WCAG 2.2 AA) violations at 360 px:\n" + "\n".join(
        f"{page}:\n{format_violations(v)}" for page, v in found.items()
    )


def test_narrow_screen_pages_do_not_overflow_and_save_screenshots(driver, base_url):
    """At 360 px no page is wider than the window (tables scroll in their own
    box); each main page is saved at 1400 and 360 px in Japanese and English."""
    # Without a Japanese font every Japanese character is an empty box.
    fonts = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout
    if not fonts.strip():
        pytest.fail("no Japanese font for the screenshots: install fonts-noto-cjk (scripts/test does)")
    sign_in(driver, base_url, "admin@ncso.example.jp")
    pages = resolve(driver, base_url, SCREENSHOT_PAGES.values())
    overflowing = []
    saved = []
    for lang in ("ja", "en"):
        driver.get(f"{base_url}/lang/{lang}?next=/")
        for name, path in SCREENSHOT_PAGES.items():
            driver.get(f"{base_url}{pages[path]}")
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            for width in (1400, 360):
                saved.append(save_screenshot(driver, f"{name}-{lang}", width))
                if width == 360:
                    wide = driver.execute_script(
                        "return document.documentElement.scrollWidth"
                    )
                    inner = driver.execute_script("return document.documentElement.clientWidth")
                    if wide > inner + 1:
                        overflowing.append(f"{lang} {path}: {wide}px in {inner}px")
    driver.get(f"{base_url}/lang/ja?next=/")
    assert len(saved) == len(SCREENSHOT_PAGES) * 4
    # Each file is a real PNG with something on it (not an empty capture).
    for p in saved:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, p
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


def test_the_walk_finds_a_page_only_a_link_leads_to(driver, base_url):
    """The walk follows links: a page linked from nowhere but a planted link
    is reached, and a download is not treated as a page."""
    driver.get(f"{base_url}/login")
    driver.execute_script(
        "for (const h of ['/help#tlp', '/intel/export/csv', 'https://example.org/x']) {"
        "  const a = document.createElement('a'); a.href = h; a.textContent = h;"
        "  document.querySelector('main').appendChild(a); }"
    )
    got = links(driver, base_url)
    assert "/help" in got and not any(g.startswith("/intel/export/") for g in got), got
    assert route_of("/admin/users/12/edit") == "/admin/users/{id}/edit"
    assert route_of("/intel/objects/indicator--abc") == "/intel/objects/{id}"
