"""GraphiQL renders and runs queries and subscriptions in headless Chromium with every request
to anywhere but this server refused: the page loads only the package's own files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from infra.bootstrap import Container
from tests.support.chromium import offline_chromium
from tests.support.fuzzing import serving
from tests.support.png import colours

WAIT = 30.0
PHONE = 360  # CSS pixels
QUERY = ".graphiql-query-editor .CodeMirror"
# The editor the Headers tab shows (the variables' is hidden then).
HEADERS = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
SUBSCRIPTION = (
    'subscription { statisticsChanged(from: "2018-04-01", to: "2018-04-30") { __typename } }'
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Debian's Chromium, with no way out but the loopback address."""
    driver = offline_chromium(tmp_path / "profile", {"browser": "ALL"}, WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def console(driver: WebDriver) -> list[dict[str, Any]]:
    """What the page wrote to the console, and the browser's own reports (CSP violations)."""
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def result_text(driver: WebDriver) -> str:
    text = driver.execute_script(
        "const pane = document.querySelector('.result-window');return pane ? pane.innerText : '';"
    )
    return str(text)


def set_editor(driver: WebDriver, selector: str, text: str) -> None:
    driver.execute_script(
        "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1]);", selector, text
    )


def click(driver: WebDriver, selector: str) -> None:
    driver.execute_script("document.querySelector(arguments[0]).click();", selector)


def show_headers(driver: WebDriver) -> None:
    driver.execute_script(
        "[...document.querySelectorAll('.graphiql-editor-tools button')]"
        ".find(button => button.textContent.trim() === 'Headers').click();"
    )


def documentation(driver: WebDriver) -> str:
    text = driver.execute_script(
        "const docs = document.querySelector('.graphiql-doc-explorer');"
        "return docs ? docs.innerText : '';"
    )
    return str(text)


def editor_ready(driver: WebDriver) -> bool:
    return bool(driver.execute_script(f"return document.querySelector('{QUERY}') !== null"))


def refetched(driver: WebDriver) -> bool:
    """Whether the documentation shows the schema; if not, presses "Re-fetch GraphQL schema"."""
    if "InvalidInputError" in documentation(driver):
        return True
    click(driver, '.graphiql-sidebar button[aria-label="Re-fetch GraphQL schema"]')
    return False


def run(driver: WebDriver) -> None:
    driver.execute_script("document.querySelector('.graphiql-execute-button').click();")


def test_graphiql_runs_a_query_and_a_subscription_with_no_network(
    browser: WebDriver, container: Container, tmp_path: Path
) -> None:
    with serving(container) as port:
        origin = f"http://127.0.0.1:{port}"
        browser.get(f"{origin}/graphql")
        wait = WebDriverWait(browser, WAIT)
        wait.until(editor_ready, "GraphiQL's query editor never appeared")
        wait.until(lambda driver: "{ __typename }" in str(driver.execute_script(
            "return document.querySelector('.graphiql-query-editor .CodeMirror')"
            ".CodeMirror.getValue()"
        )))  # fmt: skip

        run(browser)
        wait.until(lambda driver: '"__typename": "Query"' in result_text(driver), "no query result")
        screenshot = tmp_path / "graphiql.png"
        assert browser.save_screenshot(str(screenshot))

        # A token from the headers editor goes with the WebSocket's connection_init: the
        # analyst is sent figures where the public would be refused them.
        show_headers(browser)
        set_editor(browser, HEADERS, json.dumps({"Authorization": "Bearer analyst-token"}))
        set_editor(browser, QUERY, SUBSCRIPTION)
        # GraphiQL parses the editor's text a moment after a change, and sends the document by
        # what it parsed: over the WebSocket once it has seen a subscription.
        wait.until(lambda driver: driver.execute_script(
            "const ast = document.querySelector(arguments[0]).CodeMirror.documentAST;"
            "return ast && ast.definitions[0].operation === 'subscription';", QUERY
        ))  # fmt: skip
        run(browser)
        wait.until(
            lambda driver: '"__typename": "Statistics"' in result_text(driver),
            "no figures from the subscription",
        )

        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(entry => entry.name)"
        )
        logs = console(browser)

    assert loaded, "the page loaded no files"
    assert all(str(url).startswith(origin + "/") for url in loaded), loaded
    assert not [entry for entry in logs if "Content Security Policy" in entry["message"]], logs
    assert len(colours(screenshot)) > 20, "the screenshot is nearly blank"


def test_the_landing_page_fits_a_phone(browser: WebDriver, container: Container) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    with serving(container) as port:
        browser.get(f"http://127.0.0.1:{port}/")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        links = browser.execute_script(
            "return [...document.querySelectorAll('a')].filter(a => {"
            "  const box = a.getBoundingClientRect();"
            "  return box.width > 0 && box.right <= window.innerWidth; }).length"
        )
        stylesheets = browser.execute_script("return document.styleSheets.length")
        logs = console(browser)

    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    assert links == 12  # six links in each language, all on the screen
    assert stylesheets == 1
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs


def test_in_production_a_token_in_the_headers_opens_the_schema(
    browser: WebDriver,
    environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> None:
    """Production mode keeps introspection for signed-in roles: GraphiQL's first look at the
    schema is refused, and the token typed in the headers then lets it in."""
    container = make_container({**environ, "GUICHET_MODE": "production"})
    with serving(container) as port:
        browser.get(f"http://127.0.0.1:{port}/graphql")
        wait = WebDriverWait(browser, WAIT)
        wait.until(editor_ready, "GraphiQL's query editor never appeared")
        click(browser, '.graphiql-sidebar button[aria-label="Show Documentation Explorer"]')
        wait.until(lambda driver: "Error fetching schema" in documentation(driver), "not refused")

        show_headers(browser)
        set_editor(browser, HEADERS, json.dumps({"Authorization": "Bearer analyst-token"}))
        # The editor hands its text to GraphiQL a moment after a change, as a person types:
        # press again until GraphiQL fetched with it, no faster than an answer comes (GraphiQL
        # drops the answer of a fetch overtaken by a newer one).
        WebDriverWait(browser, WAIT, poll_frequency=2.0).until(
            refetched, "the schema was not fetched with the token"
        )
