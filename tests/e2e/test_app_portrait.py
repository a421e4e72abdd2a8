"""The browser app's needs portrait in headless Chromium, on demo contacts: the figures the page
shows in its tables are those GraphQL's `statistics` answers for the same period and territory,
public (withheld figures shown as withheld) and exact; two territories compared; the CSV the
page builds; and a contact logged while the page is open shows on it within 2 s."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request
from datetime import date
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from infra.bootstrap import Container
from infra.demo_calls import Plan, load_calls
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.api.test_interactions import CONTACTS, RECORD
from tests.e2e.test_app_directory import accessibility_faults, screenshots
from tests.e2e.test_graphiql_offline import PHONE, WAIT, browser, console
from tests.support.fuzzing import serving
from tests.support.png import colours

__all__ = ["browser"]  # the fixture, shared with GraphiQL's test

ANALYST = "analyst-token"
COUNSELLOR = "counsellor-token"
YEAR = {"from": "2018-01-01", "to": "2018-12-31"}
MONTREAL, LAVAL = "RA-06", "RA-13"
CELLS = "{ group key label count }"
# The page's figures (their ids) and the fields of `statistics` they show.
TABLES = {
    "channel": "byChannel", "category": "byNeedCategory", "needs": "topNeeds",
    "unmet": "topUnmetNeeds", "unmet-reasons": "unmetReasons",
    "unmet-need-reasons": "unmetNeedReasons", "language": "byLanguage", "age": "byAgeBand",
    "gender": "byGender", "inquirer": "byInquirerType", "region": "byRegion",
    "places": "topPlaces", "organizations": "topReferralOrganizations",
}  # fmt: skip
# Grouped tables, and the table that names their groups.
WITHIN = {"unmetNeedReasons": "topUnmetNeeds", "topPlaces": "byRegion"}
TOTALS = ["contacts", "needs", "referrals", "unmetNeeds", "interpreterUsed"]
STATISTICS = f"""
query ($from: Date!, $to: Date!, $territory: String) {{
  statistics(from: $from, to: $to, territory: $territory, top: 10, language: FR) {{
    __typename
    ... on Statistics {{
      exact threshold
      contacts {{ value suppressed }} needs {{ value suppressed }}
      referrals {{ value suppressed }} unmetNeeds {{ value suppressed }}
      interpreterUsed {{ value suppressed }}
      needsPerContact referralsPerContact averageWaitSeconds averageHandleSeconds
      byMonth {CELLS}
      {" ".join(f"{field} {CELLS}" for field in TABLES.values())}
    }}
    ... on Error {{ code message }}
  }}
}}"""
# Every figure's table, as the page shows it: {id: {"heads": [...], "rows": [[th, td...]]}}.
READ_TABLES = """return Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [
  f.id.replace('portrait-', ''), {
    heads: [...f.querySelectorAll('thead th')].map(th => th.textContent.trim()),
    rows: [...f.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(c =>
      c.textContent.trim())),
  }]));"""
READ_CSV = """const done = arguments[arguments.length - 1];
const link = document.getElementById('portrait-csv');
link.blob.text().then(done, e => done('failed: ' + e));"""


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    # Public figures count the contacts logged up to the last tick of this interval: a second,
    # so that the public's page moves within the test.
    return {**environ, "GUICHET_STATISTICS_INTERVAL": "1"}


@pytest.fixture
def calls(container: Container) -> Container:
    at = container.clock.now()
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, at)
    load_calls(container.contact_handler, Plan(400, date(2018, 1, 1), date(2018, 12, 31)))
    for runner in container.select(["interactions", "territories", "search", "taxonomy"]):
        runner.bring_up_to_date()
    return container


def post(origin: str, document: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (the origin is the test's own http server)
        f"{origin}/graphql",
        data=json.dumps({"query": document, "variables": variables}).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 (http only)
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


def api(origin: str, token: str | None, territory: str | None, **period: str) -> dict[str, Any]:
    """What GraphQL's `statistics` answers for the page's question."""
    variables = {**YEAR, **period, "territory": territory}
    found: dict[str, Any] = post(origin, STATISTICS, variables, token)["statistics"]
    assert found["__typename"] == "Statistics", found
    return found


def number(text: str, lang: str = "fr") -> float | None:
    """A figure as the page writes it (in French, narrow spaces between thousands and a
    decimal comma), or None where it writes none."""
    cleaned = re.sub(r"\s", "", text)
    cleaned = cleaned.replace(",", ".") if lang == "fr" else cleaned.replace(",", "")
    return float(cleaned) if re.fullmatch(r"\d+(\.\d+)?", cleaned) else None


def expected_rows(stats: dict[str, Any], field: str) -> dict[str, int | None]:
    """Each cell of an API table under the label the page gives its row."""
    names = {c["key"]: c["label"] or c["key"] for c in stats.get(WITHIN.get(field, ""), [])}
    rows = {}
    for cell in stats[field]:
        label = cell["label"] or cell["key"]
        if field in WITHIN:
            label = f"{names.get(cell['group'], cell['group'])} — {label}"
        rows[label] = cell["count"]
    return rows


def check_column(shown: dict[str, Any], stats: dict[str, Any], column: int) -> list[str]:
    """The differences between one column of the page's tables and the API's figures: each
    cell the API answers has its count on the page, and each row the page shows that the API
    left out of this set is shown as withheld in public figures, never as a count."""
    wrong = []
    for table, field in TABLES.items():
        page = {row[0]: row[1 + column] for row in shown[table]["rows"]}
        expected = expected_rows(stats, field)
        for label, count in expected.items():
            if number(page.get(label, "absent")) != count:
                wrong.append(f"{table} / {label}: page {page.get(label, 'absent')}, API {count}")
        for label, text in page.items():
            if label not in expected and not stats["exact"] and text != "masqué":
                wrong.append(f"{table} / {label}: page {text}, withheld by the API")
    totals = [number(row[1 + column]) for row in shown["totals"]["rows"]]
    api_totals = [None if stats[n]["suppressed"] else stats[n]["value"] for n in TOTALS]
    if totals != api_totals:
        wrong.append(f"totals: page {totals}, API {api_totals}")
    return wrong


def month_rows(shown: dict[str, Any], stats: dict[str, Any]) -> list[str]:
    wrong = []
    heads = shown["month"]["heads"]
    page = {row[0]: row[1:] for row in shown["month"]["rows"]}
    for cell in stats["byMonth"]:
        value = number(page[cell["group"]][heads.index(cell["label"])])
        if value != cell["count"]:
            wrong.append(f"month {cell['group']} {cell['key']}: page {value}, API {cell['count']}")
    return wrong


def ready(driver: WebDriver) -> bool:
    return bool(driver.execute_script(
        "const s = document.querySelector('section.portrait');"
        "return Boolean(s && s.hasAttribute('data-ready')"
        " && document.getElementById('portrait-csv'));"
    ))  # fmt: skip


def sign_in(driver: WebDriver, origin: str, token: str) -> None:
    driver.get(f"{origin}/app/")
    driver.execute_script("sessionStorage.setItem('guichet.token', arguments[0])", token)


def alert(driver: WebDriver) -> str:
    return " ".join(texts(driver, "section.portrait [role=alert]"))


def texts(driver: WebDriver, selector: str) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


def test_the_public_sees_public_figures_and_withheld_ones_as_withheld(
    browser: WebDriver, calls: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    with serving(calls) as port:
        origin = f"http://127.0.0.1:{port}"
        # The last twelve months (the default period) have no contact: the API refuses, says why.
        browser.get(f"{origin}/app/portrait?territoire={MONTREAL}")
        refusal = wait.until(alert, "no refusal shown")
        # A quick choice of period, from the keyboard, then the figures.
        browser.find_element(By.XPATH, "//button[normalize-space()='2018']").send_keys(Keys.ENTER)
        wait.until(lambda d: "du=2018-01-01&au=2018-12-31" in d.current_url, "not in the URL")
        wait.until(ready, "the portrait never drew its figures")
        stats = api(origin, None, MONTREAL)
        shown = browser.execute_script(READ_TABLES)
        kind = browser.find_element(By.ID, "portrait-kind").text
        # The territory's chain of selects is read back from the URL, names and all.
        region = Select(browser.find_element(By.ID, "portrait-territory-0"))
        chosen = region.first_selected_option.text
        within = browser.find_element(By.CSS_SELECTOR, "label[for='portrait-territory-1']").text
        faults = accessibility_faults(browser)

        # Compared with another territory, chosen by name.
        Select(browser.find_element(By.ID, "portrait-compare")).select_by_value("territoire")
        wait.until(lambda d: d.find_elements(By.ID, "portrait-territory2-0"), "no second picker")
        # Typed by name into the select, as a keyboard user would.
        browser.find_element(By.ID, "portrait-territory2-0").send_keys("Laval")
        wait.until(lambda d: f"territoire2={LAVAL}" in d.current_url, "not in the URL")
        wait.until(ready, "the portrait never drew the figures compared")
        compared = browser.execute_script(READ_TABLES)
        laval = api(origin, None, LAVAL)
        faults += accessibility_faults(browser)

        # A second period the public is refused (no contact in 2017): the first is still shown.
        browser.get(
            f"{origin}/app/portrait?du=2018-01-01&au=2018-12-31&territoire={MONTREAL}"
            "&comparer=periode&du2=2017-01-01&au2=2017-12-31"
        )
        wait.until(ready, "the first period was not shown")
        refused = alert(browser)
        alone = browser.execute_script(READ_TABLES)
        logs = console(browser)

    assert "10 contacts" in refusal, refusal
    assert stats["exact"] is False
    assert not check_column(shown, stats, 0)
    assert not month_rows(shown, stats)
    # Averages are never published to the public: withheld, not zero.
    assert [row[1] for row in shown["times"]["rows"]] == ["masqué", "masqué"]
    assert stats["averageWaitSeconds"] is None
    assert "Chiffres publics" in kind
    assert chosen == "Montréal"
    assert within == "Dans : Montréal"
    assert compared["totals"]["heads"] == ["Montréal", "Laval"]
    assert not check_column(compared, stats, 0)
    assert not check_column(compared, laval, 1)
    # Laval's smaller counts are withheld where Montréal's are shown.
    assert any(row[2] == "masqué" for table in TABLES for row in compared[table]["rows"])
    assert refused.startswith("2017-01-01 → 2017-12-31 — "), refused
    assert "10 contacts" in refused, refused
    assert alone["totals"]["heads"] == ["2018-01-01 → 2018-12-31"]
    assert not check_column(alone, stats, 0)
    assert not faults, faults
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs


def test_the_public_page_moves_live_with_the_public_figures(
    browser: WebDriver, calls: Container
) -> None:
    wait = WebDriverWait(browser, WAIT, poll_frequency=0.05)
    with serving(calls) as port:
        origin = f"http://127.0.0.1:{port}"
        browser.get(f"{origin}/app/portrait?du=2018-01-01&au=2018-12-31")
        wait.until(ready, "the portrait never drew its figures")
        wait.until(lambda d: "En direct" in d.find_element(By.ID, "portrait-live").text, "not live")
        before = browser.execute_script(READ_TABLES)["totals"]["rows"][0][1]
        calls.start_projections(["interactions"])
        # Ten contacts more: a count randomly rounded to a multiple of 5 moves whatever its draw.
        for contact in CONTACTS[:10]:
            post(origin, RECORD, {"input": contact.input()}, COUNSELLOR)
        logged = time.monotonic()
        wait.until(
            lambda d: d.execute_script(READ_TABLES)["totals"]["rows"][0][1] != before,
            "the public page never moved",
        )
        delay = time.monotonic() - logged
        print(f"\npublic figures moved after {delay:.3f} s")
        stats = api(origin, None, None)
        shown = browser.execute_script(READ_TABLES)

    assert stats["exact"] is False
    assert number(before) is not None
    assert stats["contacts"]["value"] >= number(before) + 5  # type: ignore[operator]
    assert not check_column(shown, stats, 0)
    assert delay < 3.0, f"the public figures took {delay:.2f} s to move"


def test_an_analyst_compares_territories_downloads_them_and_sees_a_new_contact_live(
    browser: WebDriver, calls: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    with serving(calls) as port:
        origin = f"http://127.0.0.1:{port}"
        sign_in(browser, origin, ANALYST)
        browser.get(
            f"{origin}/app/portrait?du=2018-01-01&au=2018-12-31&territoire={MONTREAL}"
            f"&comparer=territoire&territoire2={LAVAL}"
        )
        wait.until(ready, "the portrait never drew its figures")
        montreal, laval = api(origin, ANALYST, MONTREAL), api(origin, ANALYST, LAVAL)
        shown = browser.execute_script(READ_TABLES)
        text = browser.execute_async_script(READ_CSV)
        faults = accessibility_faults(browser)

        # A contact logged while the page is open, with the view following the log.
        wait.until(lambda d: "En direct" in d.find_element(By.ID, "portrait-live").text, "not live")
        calls.start_projections(["interactions"])
        before = shown["totals"]["rows"][0][1]
        post(origin, RECORD, {"input": CONTACTS[0].input()}, COUNSELLOR)
        logged = time.monotonic()
        WebDriverWait(browser, WAIT, poll_frequency=0.05).until(
            lambda d: d.execute_script(READ_TABLES)["totals"]["rows"][0][1] != before,
            "the new contact never showed",
        )
        delay = time.monotonic() - logged
        print(f"\nnew contact shown after {delay:.3f} s")
        after = api(origin, ANALYST, MONTREAL)
        now = browser.execute_script(READ_TABLES)
        status = browser.find_element(By.ID, "portrait-live").text
        screenshots().mkdir(parents=True, exist_ok=True)
        browser.get(f"{origin}/app/portrait?du=2018-01-01&au=2018-12-31")
        wait.until(ready, "the portrait never drew its figures")
        browser.set_window_size(1200, 1500)
        assert browser.save_screenshot(str(screenshots() / "app-portrait.png"))
        logs = console(browser)

    assert montreal["exact"] is True
    assert not check_column(shown, montreal, 0)
    assert not check_column(shown, laval, 1)
    assert shown["totals"]["heads"] == ["Montréal", "Laval"]
    assert not faults, faults

    # The CSV: its notes say the figures are exact, and its lines are the tables' figures.
    notes = [line for line in text.splitlines() if line.startswith("#")]
    assert len(notes) == 3, notes
    assert all("chiffres exacts" in line for line in notes[1:]), notes
    # Each set names its place and its period in full.
    assert "Montréal, 2018-01-01 → 2018-12-31" in notes[1], notes
    assert "Laval, 2018-01-01 → 2018-12-31" in notes[2], notes
    lines = list(csv.DictReader(io.StringIO("\n".join(
        line for line in text.splitlines() if not line.startswith("#")
    ))))  # fmt: skip
    languages = {(row["ligne"], row["ensemble"]): row["valeur"] for row in lines
                 if row["tableau"] == "Langue du contact"}  # fmt: skip
    for stats, name in ((montreal, "Montréal"), (laval, "Laval")):
        for cell in stats["byLanguage"]:
            assert languages[(cell["label"], name)] == str(cell["count"]), cell
    assert {row["statut"] for row in lines} <= {"exact", "absent (hors des premières lignes)"}

    assert delay < 2.0, f"the new contact took {delay:.2f} s to show"
    assert after["contacts"]["value"] == montreal["contacts"]["value"] + 1
    assert not check_column(now, after, 0)
    assert "Chiffres mis à jour" in status
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
    assert len(colours(screenshots() / "app-portrait.png")) > 20, "the screenshot is nearly blank"


def test_the_portrait_fits_a_phone_in_english(browser: WebDriver, calls: Container) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    wait = WebDriverWait(browser, WAIT)
    with serving(calls) as port:
        origin = f"http://127.0.0.1:{port}"
        sign_in(browser, origin, ANALYST)
        browser.execute_script("localStorage.setItem('guichet.language', 'en')")
        browser.get(
            f"{origin}/app/portrait?du=2018-07-01&au=2018-12-31&comparer=periode"
            "&du2=2018-01-01&au2=2018-06-30"
        )
        wait.until(ready, "the portrait never drew its figures")
        second = api(origin, ANALYST, None, **{"from": "2018-07-01", "to": "2018-12-31"})
        first = api(origin, ANALYST, None, **{"from": "2018-01-01", "to": "2018-06-30"})
        shown = browser.execute_script(READ_TABLES)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        faults = accessibility_faults(browser)

    assert shown["totals"]["rows"][0][0] == "Contacts"
    totals = [[number(cell, "en") for cell in row[1:]] for row in shown["totals"]["rows"]]
    assert totals == [[second[n]["value"], first[n]["value"]] for n in TOTALS]
    # Months side by side: the first month of each period on the first row.
    assert shown["month"]["rows"][0][0] == "2018-07 / 2018-01"
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    assert not faults, faults


# A WebSocket that never connects: each one closes at once, as a dropped connection does.
NO_SOCKET = """window.socketTries = 0;
window.WebSocket = class extends EventTarget {
  static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor() {
    super();
    this.readyState = 0;
    window.socketTries += 1;
    setTimeout(() => { this.readyState = 3; this.onclose && this.onclose({ code: 1006 }); }, 10);
  }
  send() { throw new Error('not open'); }
  close() { this.readyState = 3; }
};"""


def test_without_the_websocket_the_figures_come_over_http(
    browser: WebDriver, calls: Container
) -> None:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_SOCKET})
    wait = WebDriverWait(browser, WAIT)
    with serving(calls) as port:
        origin = f"http://127.0.0.1:{port}"
        sign_in(browser, origin, ANALYST)
        browser.get(f"{origin}/app/portrait?du=2018-01-01&au=2018-12-31&territoire={LAVAL}")
        wait.until(ready, "the portrait never drew its figures")
        stats = api(origin, ANALYST, LAVAL)
        shown = browser.execute_script(READ_TABLES)
        status = browser.find_element(By.ID, "portrait-live").text
        first = browser.execute_script("return [window.socketTries, performance.now()]")
        time.sleep(3.5)
        then = browser.execute_script("return [window.socketTries, performance.now()]")

    assert not check_column(shown, stats, 0)
    assert "nouvelle tentative" in status, status
    # Tried again with a growing wait (1 s, 2 s, 4 s…), not in a loop.
    assert 1 <= then[0] - first[0] <= 3, (first, then)
