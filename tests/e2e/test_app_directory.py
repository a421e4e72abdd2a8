"""The browser app's public directory in headless Chromium, on the demo directory, with every
request to anywhere but this server refused: the public searches "banque alimentaire", keeps
the services open now, opens a record, and asks for the services near them."""

from __future__ import annotations

import functools
import json
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from infra.bootstrap import Container
from infra.demo import PLACES, load_demo
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.e2e.test_graphiql_offline import PHONE, WAIT, browser, console
from tests.support.fuzzing import serving
from tests.support.png import colours

__all__ = ["browser"]  # the fixture, shared with GraphiQL's test


@functools.cache
def screenshots() -> Path:
    """Where the pages' screenshots go: the README's are refreshed with
    GUICHET_SCREENSHOTS=docs/screenshots; otherwise a run leaves the source tree as it was."""
    chosen = os.environ.get("GUICHET_SCREENSHOTS")
    return Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="guichet-screenshots-"))


AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
SEVERE = {"serious", "critical"}
# The demo's food-aid services open Monday, Wednesday and Thursday, 13:00 to 20:00 in Montréal:
# closed on a Tuesday at 10:00, open on a Monday at 18:00. The browser's clock is set to these.
CLOSED = "2026-12-01T15:00:00Z"
OPEN = "2026-11-30T23:00:00Z"
CLOCK = """(() => {
  const fixed = Date.parse("MOMENT"), start = Date.now(), Real = Date;
  const now = () => fixed + (Real.now() - start);
  class Pinned extends Real {
    constructor(...args) { super(...(args.length ? args : [now()])); }
    static now() { return now(); }
  }
  globalThis.Date = Pinned;
})();"""
SEARCH = """query($text: String, $openAt: DateTime) {
  searchServices(text: $text, openAt: $openAt, first: 1) { ... on SearchConnection { totalCount } }
}"""


@pytest.fixture
def demo(container: Container) -> Container:
    at = container.clock.now()
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, at)
    load_demo(container.directory_handler, at)
    for runner in container.select(["search", "territories", "taxonomy", "history"]):
        runner.bring_up_to_date()
    return container


def set_clock(driver: WebDriver, moment: str, previous: str | None = None) -> str:
    """Pins the clock of the pages loaded from now on; returns the script's identifier."""
    if previous is not None:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": previous})
    script = CLOCK.replace("MOMENT", moment)
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    return str(added["identifier"])


def api_count(origin: str, **variables: Any) -> int:
    """What the GraphQL API itself answers, as the public."""
    request = urllib.request.Request(  # noqa: S310 (the origin is the test's own http server)
        f"{origin}/graphql",
        data=json.dumps({"query": SEARCH, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 (http only)
        body = json.load(response)
    return int(body["data"]["searchServices"]["totalCount"])


def count_text(driver: WebDriver) -> str:
    return str(driver.execute_script(
        "const p = document.getElementById('count'); return p ? p.textContent : '';"
    ))  # fmt: skip


def shown(driver: WebDriver) -> int:
    """The count the page states, once it states one."""
    text = count_text(driver).strip()
    return int(text.split()[0]) if text and text.split()[0].isdigit() else -1


def accessibility_faults(driver: WebDriver) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now. The script is put
    in through the driver, as a test's own, so the page's policy needs not admit it."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => [v.impact, v.id, v.help,"
        " v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')])),"
        " e => done([['critical', 'axe', String(e), '']]));"
    )
    return [" / ".join(map(str, fault)) for fault in found if fault[0] in SEVERE]


def texts(driver: WebDriver, selector: str) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


def test_the_public_finds_a_food_bank_open_now_near_them(
    browser: WebDriver, demo: Container
) -> None:
    clock = set_clock(browser, CLOSED)
    wait = WebDriverWait(browser, WAIT)
    with serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        everything = api_count(origin, text="banque alimentaire")
        closed_then = api_count(origin, text="banque alimentaire", openAt=CLOSED)
        open_then = api_count(origin, text="banque alimentaire", openAt=OPEN)
        assert closed_then == 0 < open_then, (closed_then, open_then)

        # The search, typed and submitted from the keyboard.
        browser.get(f"{origin}/app/")
        box = wait.until(lambda driver: driver.find_element(By.ID, "q"), "no search box")
        box.send_keys("banque alimentaire", Keys.ENTER)
        wait.until(lambda driver: "q=banque+alimentaire" in driver.current_url, "URL unchanged")
        wait.until(lambda driver: shown(driver) == everything, "not the API's count")
        first_search = browser.current_url

        browser.find_element(By.ID, "open").click()
        wait.until(lambda driver: "ouvert=1" in driver.current_url, "open now not in the URL")
        wait.until(lambda driver: shown(driver) == 0, "services closed then are shown")
        # The same shared URL, on Monday evening.
        set_clock(browser, OPEN, clock)
        browser.refresh()
        wait.until(lambda driver: shown(driver) == open_then, "not the API's count open then")
        open_names = texts(browser, ".results li a")
        faults = accessibility_faults(browser)
        screenshots().mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(screenshots() / "app-search.png"))

        # The record page, at a URL of its own.
        browser.find_element(By.CSS_SELECTOR, ".results li a").click()
        wait.until(lambda driver: "/app/services/" in driver.current_url, "no record URL")
        title = wait.until(lambda driver: driver.find_element(By.ID, "record-title"), "no record")
        hours = wait.until(lambda driver: texts(driver, ".hours tr"), "no hours")
        record_url = browser.current_url
        record_title = title.text
        faults += accessibility_faults(browser)
        assert browser.save_screenshot(str(screenshots() / "app-record.png"))

        # Shared links open the same screens in a fresh page.
        browser.get(record_url)
        wait.until(lambda driver: texts(driver, "#record-title") == [record_title], "not shared")
        browser.get(first_search)
        wait.until(lambda driver: shown(driver) == everything, "the search URL is not shareable")

        # Near me: the browser's position, given only when the user presses the button.
        place = PLACES[2]
        browser.execute_cdp_cmd(
            "Browser.grantPermissions", {"origin": origin, "permissions": ["geolocation"]}
        )
        browser.execute_cdp_cmd(
            "Emulation.setGeolocationOverride",
            {"latitude": place.latitude, "longitude": place.longitude, "accuracy": 10},
        )
        browser.find_element(By.ID, "near").click()
        wait.until(lambda driver: "pres=1" in driver.current_url, "near me is not in the URL")
        wait.until(
            lambda driver: len(texts(driver, ".results .distance")) == min(everything, 20),
            "no distances",
        )
        distances = [float(d.split()[0].replace(",", ".")) for d in texts(browser, ".distance")]
        near_url = browser.current_url
        assert browser.save_screenshot(str(screenshots() / "app-near.png"))
        faults += accessibility_faults(browser)
        # A reload keeps the position (the tab's session); the shared link, opened in another
        # tab, does not carry it: it asks whoever opens it.
        browser.refresh()
        wait.until(lambda driver: len(texts(driver, ".results .distance")) == len(distances))
        browser.switch_to.new_window("tab")
        browser.get(near_url)
        wait.until(lambda driver: shown(driver) == everything, "the shared link does not open")
        asked = wait.until(lambda driver: texts(driver, "#search-title ~ form .status")[0])
        shared_distances = texts(browser, ".results .distance")
        # A link made before positions left URLs still opens, and leaves the address bar.
        browser.get(
            f"{origin}/app/search?q=banque+alimentaire&pres={place.latitude},{place.longitude}"
        )
        wait.until(lambda driver: len(texts(driver, ".results .distance")) == len(distances))
        wait.until(lambda driver: "pres=1" in driver.current_url, "the position stays in the URL")
        old_link_url = browser.current_url
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(entry => entry.name)"
        )
        logs = console(browser)

    assert not faults, faults
    assert len(open_names) == min(open_then, 20)
    assert record_title in open_names
    # The demo's evening schedule (infra.demo.EVENINGS), day by day, in French.
    assert hours == [f"{day} 13:00 \u2013 20:00" for day in ("Lundi", "Mercredi", "Jeudi")], hours
    assert min(distances) == 0.0  # the demo's service point at the very place
    assert f"{place.latitude:.2f}" not in near_url, near_url
    assert "Près de moi" in asked, asked
    assert not shared_distances, shared_distances
    assert f"{place.latitude:.2f}" not in old_link_url, old_link_url
    assert all(str(url).startswith(origin + "/") for url in loaded), loaded
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
    assert len(colours(screenshots() / "app-search.png")) > 20, "the screenshot is nearly blank"


def test_the_app_speaks_english_and_fits_a_phone(browser: WebDriver, demo: Container) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    wait = WebDriverWait(browser, WAIT)
    with serving(demo) as port:
        browser.get(f"http://127.0.0.1:{port}/app/search?q=food+bank")
        wait.until(lambda driver: shown(driver) > 0, "no results")
        assert browser.execute_script("return document.documentElement.lang") == "fr"
        browser.find_element(By.ID, "language").click()
        wait.until(lambda driver: "result" in count_text(driver), "not in English")
        language = browser.execute_script("return document.documentElement.lang")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        headers = browser.execute_script(
            "return fetch(location.href).then(r => [r.headers.get('content-security-policy'),"
            " r.headers.get('content-type')])"
        )
        # The choice outlives the page: a reload stays in English.
        browser.refresh()
        wait.until(lambda driver: "result" in count_text(driver), "English was not kept")
        assert browser.save_screenshot(str(screenshots() / "app-phone.png"))
        faults = accessibility_faults(browser)
        logs = console(browser)

    assert not faults, faults
    assert language == "en"
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    policy, kind = headers
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert kind.startswith("text/html")
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs


def test_a_token_pasted_once_signs_in_for_the_session_only(
    browser: WebDriver, container: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    with serving(container) as port:
        browser.get(f"http://127.0.0.1:{port}/app/")
        wait.until(lambda driver: driver.find_element(By.ID, "sign-in"), "no sign-in").click()
        browser.find_element(By.ID, "token").send_keys("analyst-token", Keys.ENTER)
        wait.until(lambda driver: "(analyste)" in driver.find_element(By.TAG_NAME, "header").text)
        kept = browser.execute_script("return sessionStorage.getItem('guichet.token')")
        stored = browser.execute_script("return JSON.stringify(localStorage)")
        url = browser.current_url
        # A reload keeps the session: the token is not asked for again.
        browser.refresh()
        wait.until(lambda driver: "(analyste)" in driver.find_element(By.TAG_NAME, "header").text)

        # A refused token is forgotten, and the page says so.
        browser.find_element(By.CSS_SELECTOR, ".signin button").click()
        wait.until(lambda driver: driver.find_element(By.ID, "sign-in")).click()
        browser.find_element(By.ID, "token").send_keys("no-such-token", Keys.ENTER)
        wait.until(lambda driver: "refusé" in driver.find_element(By.ID, "token-help").text)
        forgotten = browser.execute_script("return sessionStorage.getItem('guichet.token')")
        logs = console(browser)

    assert kept == "analyst-token"
    assert "analyst-token" not in url
    assert "analyst-token" not in stored
    assert forgotten is None
    # The only failure the console reports is the refused token's 401.
    assert all("401" in entry["message"] for entry in logs if entry["level"] == "SEVERE"), logs
