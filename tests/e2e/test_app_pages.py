"""Every page of the browser app (`app_pages.PAGES`), on the demo data, in headless Chromium with
every request to anywhere but this server refused: at phone and desktop widths it reaches its
ready marker with no horizontal scroll, no console error, no request elsewhere, its security
headers and no serious or critical axe-core violation; the language switch turns its texts to
English and back. And a keyboard-only visit of the directory, Tab and Enter only."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from infra.bootstrap import Container
from tests.e2e.app_pages import PAGES, READY, Page, load_pages_demo, sign_in
from tests.e2e.test_app_directory import accessibility_faults, browser
from tests.e2e.test_graphiql_offline import PHONE, WAIT, console
from tests.support.fuzzing import serving

__all__ = ["browser"]  # the fixture, shared with GraphiQL's test

WIDTHS = ((PHONE, 740, True), (1280, 800, False))
# What the page's own document answers, headers included.
HEADERS = """return fetch(location.href).then(r => ({
  policy: r.headers.get("content-security-policy") || "",
  nosniff: r.headers.get("x-content-type-options") || "" }))"""


@pytest.fixture
def demo(container: Container) -> Container:
    load_pages_demo(container)
    return container


def visible_text(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.body.innerText"))


def ready(driver: WebDriver) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, READY))


def html_lang(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.documentElement.lang"))


def outside(driver: WebDriver, origin: str) -> list[str]:
    """The URLs of every request the page made elsewhere than its server."""
    loaded: list[str] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    return [url for url in loaded if not url.startswith(origin + "/")]


def severe(driver: WebDriver) -> list[Any]:
    return [entry for entry in console(driver) if entry["level"] == "SEVERE"]


# What the page and everything it fetched weighed over the wire (compressed, headers included).
LOADED = """return [...performance.getEntriesByType('navigation'),
  ...performance.getEntriesByType('resource')].reduce((sum, e) => sum + e.transferSize, 0)"""


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_page_fits_speaks_both_languages_and_asks_nothing_elsewhere(
    browser: WebDriver, demo: Container, page: Page
) -> None:
    wait = WebDriverWait(browser, WAIT)
    faults: list[str] = []
    with serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        browser.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": sign_in(origin, page.token)}
        )
        widths: list[tuple[int, Any]] = []
        loaded = 0
        for width, height, mobile in WIDTHS:
            browser.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            )
            browser.get(origin + page.path)
            wait.until(ready, f"{page.name} at {width} px: no ready marker")
            if not widths:  # the browser is new: its first load is a first visit's
                loaded = int(browser.execute_script(LOADED))
            widths.append((width, browser.execute_script(
                "return document.documentElement.scrollWidth"
            )))  # fmt: skip
            faults += [f"{width} px: {fault}" for fault in accessibility_faults(browser)]
        headers = browser.execute_script(HEADERS)

        # The language switch, there and back, on the page as it stands (desktop width).
        french = (html_lang(browser), visible_text(browser))
        browser.find_element(By.ID, "language").click()
        wait.until(lambda driver: page.english in visible_text(driver), "not in English")
        english = (html_lang(browser), visible_text(browser))
        faults += [f"English: {fault}" for fault in accessibility_faults(browser)]
        browser.find_element(By.ID, "language").click()
        wait.until(lambda driver: page.french in visible_text(driver), "not back in French")
        back = html_lang(browser)
        wait.until(ready, "no ready marker back in French")

        elsewhere = outside(browser, origin)
        errors = severe(browser)

    assert all(scrolled <= width for width, scrolled in widths), widths
    # The target for a first visit, compressed, up to the ready screen (the figures
    # themselves, with time to interactive, are bench/pages.py's, in BENCHMARKS.md).
    assert loaded < 300_000, f"{page.name}: {loaded} bytes at the first load"
    assert not faults, faults
    assert french[0] == "fr"
    assert page.french in french[1]
    assert page.english not in french[1]
    assert english[0] == "en"
    assert page.french not in english[1]
    assert english[1] != french[1]
    assert back == "fr"
    assert not elsewhere, elsewhere
    assert not errors, errors
    policy = headers["policy"]
    assert "frame-ancestors 'none'" in policy, policy
    # Nothing admitted but the server: a request elsewhere would be refused and reported.
    assert "default-src 'none'" in policy, policy
    assert "script-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy, policy
    assert headers["nosniff"] == "nosniff"


# Where the focus is, and whether it shows: the element's outline as drawn.
FOCUS = """const element = document.activeElement;
const style = getComputedStyle(element);
return { id: element.id, tag: element.tagName, text: element.textContent.trim().slice(0, 80),
  href: element.getAttribute("href") || "", visible: element.matches(":focus-visible")
    && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };"""


def focus(driver: WebDriver) -> dict[str, Any]:
    found: dict[str, Any] = driver.execute_script(FOCUS)
    return found


def tab_to(driver: WebDriver, wanted: Any, presses: int = 60) -> list[dict[str, Any]]:
    """Presses Tab until the focused element is the one wanted; returns where the focus
    stopped on the way."""
    stops = []
    for _ in range(presses):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        stops.append(focus(driver))
        if wanted(stops[-1]):
            return stops
    raise AssertionError(f"never reached by Tab: {stops}")


def test_a_keyboard_user_searches_opens_a_result_and_comes_back(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    with serving(demo) as port:
        browser.get(f"http://127.0.0.1:{port}/app/")
        wait.until(ready, "the search never answered")
        stops = tab_to(browser, lambda f: f["id"] == "q")
        active: WebElement = browser.switch_to.active_element
        active.send_keys("banque alimentaire", Keys.ENTER)
        wait.until(lambda driver: "q=banque+alimentaire" in driver.current_url, "not submitted")
        wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".results a"), "no result")
        first = browser.find_element(By.CSS_SELECTOR, ".results a").get_attribute("href")
        stops += tab_to(browser, lambda f: f["tag"] == "A" and "services/" in f["href"])
        opened = stops[-1]
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        wait.until(lambda driver: "/app/services/" in driver.current_url, "the result not opened")
        wait.until(lambda driver: focus(driver)["id"] == "record-title", "focus not on the title")
        on_record = focus(browser)
        stops += tab_to(
            browser, lambda f: f["tag"] == "A" and f["text"].startswith("\N{LEFTWARDS ARROW}")
        )
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        wait.until(lambda driver: "q=banque+alimentaire" in driver.current_url, "not back")
        wait.until(lambda driver: focus(driver)["href"] == opened["href"], "focus lost on return")
        returned = focus(browser)
        faults = accessibility_faults(browser)
        errors = severe(browser)

    assert opened["href"].endswith(str(first).split("/app/")[-1])
    # Past the page's last control the focus leaves the page (to the browser's own controls:
    # the body here, headless), then comes back to its first: every stop on the page shows.
    on_page = [stop for stop in stops if stop["tag"] != "BODY"]
    assert all(stop["visible"] for stop in on_page), [s for s in on_page if not s["visible"]]
    assert on_record["visible"], on_record
    assert returned["visible"], returned
    assert not faults, faults
    assert not errors, errors
