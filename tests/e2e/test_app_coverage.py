"""The browser app's coverage screen in headless Chromium, on the reference territories and the
coverage history `serve --demo` records, with every request to anywhere but this server refused:
the step charts' tables show the four regions gained on 15 December 2020 and lost on 1 January
2022, the day picker lists what was covered by region, and a place's timeline shows its
agreements and funders; every figure is compared with what the GraphQL API answers."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from infra.bootstrap import Container
from infra.coverage_history import load_history
from infra.territories import load_reference
from tests.e2e.test_app_directory import accessibility_faults, screenshots, texts
from tests.e2e.test_graphiql_offline import PHONE, WAIT, browser, console
from tests.support.fuzzing import serving
from tests.support.png import colours

__all__ = ["browser"]  # the fixture, shared with GraphiQL's test

CHANNELS = ("PHONE", "WEB", "CHAT")
ZONE = "America/Montreal"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def history(container: Container) -> datetime:
    """The reference recorded a day ago, the history now; returns a moment in between."""
    now = datetime.now(UTC)
    load_reference(container.operations, Clock(now - timedelta(days=1)))
    load_history(container.operations, Clock(now))
    for runner in container.select(["territories", "coverage"]):
        runner.bring_up_to_date()
    return now - timedelta(hours=12)


def api(origin: str, document: str, **variables: Any) -> dict[str, Any]:
    """What the GraphQL API itself answers, as the public."""
    request = urllib.request.Request(  # noqa: S310 (the origin is the test's own http server)
        f"{origin}/graphql",
        data=json.dumps({"query": document, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 (http only)
        body = json.load(response)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


DAY = """query ($d: Date!, $known: DateTime) {
  PHONE: populationCovered(from: $d, to: $d, channel: PHONE, granularity: DAY, asKnownAt: $known) {
    ... on PopulationSeries { points { population municipalities } } }
  WEB: populationCovered(from: $d, to: $d, channel: WEB, granularity: DAY, asKnownAt: $known) {
    ... on PopulationSeries { points { population municipalities } } }
  CHAT: populationCovered(from: $d, to: $d, channel: CHAT, granularity: DAY, asKnownAt: $known) {
    ... on PopulationSeries { points { population municipalities } } }
}"""
REGIONS = """query ($to: Date!) {
  coverageChanges(from: "2016-01-01", to: $to, channel: PHONE, kind: REGION) {
    ... on CoverageChanges { nodes { date gained territory { code name } } } }
}"""
WHOLE = """query ($at: Date!) {
  regions: coveredTerritories(at: $at, channel: PHONE, kind: REGION) {
    ... on CoveredTerritories { nodes { code } } }
  places: coveredTerritories(at: $at, channel: PHONE, kind: MUNICIPALITY, first: 500) {
    ... on CoveredTerritories { totalCount population nodes { ancestors { code kind } } } }
}"""
TIMELINE = """query ($t: String!) {
  coverageTimeline(territory: $t, channel: PHONE) {
    ... on CoverageTimeline { intervals { from lastCoveredDay funders } } }
}"""


def by_day(origin: str, day: str, known: str | None = None) -> list[tuple[int, int]]:
    """(population, municipalities) on each channel that day, as the API answers."""
    data = api(origin, DAY, d=day, known=known)
    points = [data[channel]["points"][0] for channel in CHANNELS]
    return [(point["population"], point["municipalities"]) for point in points]


def table(driver: WebDriver, selector: str) -> list[list[str]]:
    """A table's body, row by row, each cell's text (row headers included)."""
    rows = driver.execute_script(
        "const t = document.querySelector(arguments[0]); if (!t) return [];"
        "return [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()));",
        selector,
    )
    return [list(map(str, row)) for row in rows]


def number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def chart_rows(driver: WebDriver, figure: str) -> dict[str, list[int]]:
    return {row[0]: [number(cell) for cell in row[1:]] for row in table(driver, f"#{figure} table")}


def ready(driver: WebDriver) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, "section.coverage[data-ready]"))


def regions_listed(driver: WebDriver) -> tuple[set[str], set[str]]:
    """The regions the day's list shows, and those it marks as covered whole."""
    listed = {
        str(e.get_attribute("data-region"))
        for e in driver.find_elements(By.CSS_SELECTOR, "#coverage-regions > li")
    }
    whole = {
        str(e.get_attribute("data-region"))
        for e in driver.find_elements(By.CSS_SELECTOR, "#coverage-regions > li[data-whole]")
    }
    return listed, whole  # fmt: skip


def pick_day(driver: WebDriver, wait: WebDriverWait[WebDriver], day: str) -> None:
    """Types the day in the picker (its value set as the browser's own picker would) and
    submits it from the keyboard."""
    box = driver.find_element(By.ID, "coverage-date")
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        box, day,
    )  # fmt: skip
    box.send_keys(Keys.ENTER)
    wait.until(lambda d: f"date={day}" in d.current_url, f"{day} not in the URL")
    shown = f"#coverage-day-totals[data-day='{day}']"
    wait.until(lambda d: ready(d) and d.find_elements(By.CSS_SELECTOR, shown), "no day shown")


def in_regions(answer: dict[str, Any]) -> set[str]:
    """The regions the API's covered places lay in."""
    return {a["code"] for place in answer["places"]["nodes"] for a in place["ancestors"]
            if a["kind"] == "REGION"}  # fmt: skip


def day_totals(driver: WebDriver) -> list[tuple[int, int]]:
    return [(number(row[2]), number(row[1])) for row in table(driver, "#coverage-day-totals")]


def timeline_shown(driver: WebDriver) -> list[tuple[str, str, str]]:
    """The phone periods of the timeline on the page: from, last day covered, funders."""
    return [(row[1], row[2], row[3]) for row in table(driver, "#coverage-periods")
            if row[0] == "Téléphone" and row[1][:1].isdigit()]  # fmt: skip


def timeline_api(origin: str, code: str) -> list[tuple[str, str, str]]:
    intervals = api(origin, TIMELINE, t=code)["coverageTimeline"]["intervals"]
    return [
        (i["from"], i["lastCoveredDay"] or "toujours couvert", " ; ".join(i["funders"]))
        for i in intervals
    ]


def test_the_coverage_page_shows_the_four_regions_come_and_go(
    browser: WebDriver, container: Container, history: datetime
) -> None:
    wait = WebDriverWait(browser, WAIT)
    until: Callable[..., Any] = wait.until
    with serving(container) as port:
        origin = f"http://127.0.0.1:{port}"
        end = date.today().isoformat()
        regions = api(origin, REGIONS, to=end)["coverageChanges"]["nodes"]
        gained = {
            r["territory"]["name"] for r in regions if r["gained"] and r["date"] == "2020-12-15"
        }
        lost = {
            r["territory"]["name"] for r in regions if not r["gained"] and r["date"] == "2022-01-01"
        }
        before, at_start = by_day(origin, "2020-12-14"), by_day(origin, "2020-12-15")
        last, at_end = by_day(origin, "2021-12-31"), by_day(origin, "2022-01-01")

        browser.get(f"{origin}/app/coverage")
        until(ready, "the page never became ready")
        population = chart_rows(browser, "coverage-population")
        towns = chart_rows(browser, "coverage-municipalities")
        days = list(population)
        changes = table(browser, "#coverage-changes")
        steps = browser.find_element(By.CSS_SELECTOR, ".coverage-steps").text
        faults = accessibility_faults(browser)
        screenshots().mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1200, 1400)
        assert browser.save_screenshot(str(screenshots() / "app-coverage.png"))
        browser.set_window_size(1200, 800)

        pick_day(browser, wait, "2021-06-01")
        during = regions_listed(browser)
        during_totals = day_totals(browser)
        whole_then = api(origin, WHOLE, at="2021-06-01")
        # A region's places, and from one of them its timeline.
        outaouais = browser.find_element(
            By.CSS_SELECTOR, "#coverage-regions > li[data-region='RA-07']"
        )
        outaouais.find_element(By.TAG_NAME, "summary").click()
        faults += accessibility_faults(browser)
        outaouais.find_element(By.LINK_TEXT, "Gatineau").click()
        until(lambda d: "lieu=81017" in d.current_url, "the place is not in the URL")
        until(lambda d: timeline_shown(d), "no timeline")
        gatineau = timeline_shown(browser)
        agreements = texts(browser, "#coverage-agreements li .coverage-funder")
        named = texts(browser, "#coverage-agreements li")
        focused = browser.execute_script("return document.activeElement.id")
        faults += accessibility_faults(browser)

        pick_day(browser, wait, "2022-01-01")
        after = regions_listed(browser)
        after_totals = day_totals(browser)
        whole_after = api(origin, WHOLE, at="2022-01-01")

        # A place found by typing its name: two places are called Laval (a region and its city).
        browser.find_element(By.ID, "coverage-place-name").send_keys("laval", Keys.ENTER)
        until(lambda d: d.find_elements(By.CSS_SELECTOR, ".coverage-matches a"), "no matches")
        browser.find_element(By.CSS_SELECTOR, ".coverage-matches a[href*='lieu=65005']").click()
        until(lambda d: "lieu=65005" in d.current_url and timeline_shown(d), "no Laval timeline")
        laval = timeline_shown(browser)
        faults += accessibility_faults(browser)
        # Closed from the keyboard, the timeline gives the focus back to the name field.
        close = browser.find_element(By.CSS_SELECTOR, "#coverage-timeline p button")
        close.send_keys(Keys.ENTER)
        until(lambda d: "lieu=" not in d.current_url, "the place stayed in the URL")
        until(lambda d: not d.find_elements(By.ID, "coverage-timeline"), "the timeline stayed")
        closed_focus = browser.execute_script("return document.activeElement.id")
        expected_gatineau = timeline_api(origin, "81017")
        expected_laval = timeline_api(origin, "65005")
        logs = console(browser)

    assert not faults, faults
    # The four regions, gained on 15 December 2020 and lost on 1 January 2022, on every channel.
    assert len(gained) == 4, gained
    assert gained == lost, (gained, lost)
    assert {row[1] for row in changes if row[0] == "2020-12-15" and row[2] == "Ajoutée"} == gained
    assert {row[1] for row in changes if row[0] == "2022-01-01" and row[2] == "Retirée"} == lost
    assert all(row[3] == "Téléphone, Web et Clavardage" for row in changes if row[0] in
               ("2020-12-15", "2022-01-01")), changes  # fmt: skip
    assert all(name in steps for name in gained), steps
    # The step tables: the days around each step hold the API's figures.
    for day, figures, previous in (("2020-12-15", at_start, before), ("2022-01-01", at_end, last)):
        row = days.index(day)
        assert population[day] == [people for people, _ in figures]
        assert towns[day] == [count for _, count in figures]
        assert population[days[row - 1]] == [people for people, _ in previous]
    assert at_start[0][0] > before[0][0]
    assert at_end[0][0] < last[0][0]
    assert days[0] == "2016-01-01"
    assert days[-1] == end
    # The day picker: the four regions whole on 2021-06-01, none of them whole after.
    codes = {r["territory"]["code"] for r in regions if r["gained"] and r["date"] == "2020-12-15"}
    listed, whole = during
    assert whole == {r["code"] for r in whole_then["regions"]["nodes"]} == codes
    assert codes <= listed
    # Each place under the region it lay in that day: the API's, not today's.
    assert listed == in_regions(whole_then), (listed, in_regions(whole_then))
    listed, whole = after
    assert whole == {r["code"] for r in whole_after["regions"]["nodes"]} == set()
    assert not codes <= listed
    assert "RA-07" not in listed
    assert listed == in_regions(whole_after)
    assert during_totals[0] == (
        whole_then["places"]["population"],
        whole_then["places"]["totalCount"],
    )
    assert after_totals[0] == (
        whole_after["places"]["population"],
        whole_after["places"]["totalCount"],
    )
    # Timelines: the API's periods and funders, and each agreement's funder listed.
    assert gatineau == expected_gatineau, gatineau
    assert len(gatineau) == 2, gatineau
    assert laval == expected_laval, laval
    assert laval, "no period for Laval"
    funders = {f for _, _, joined in gatineau for f in joined.split(" ; ")}
    assert funders == {a.rsplit(" (version", 1)[0] for a in agreements}, agreements
    assert focused == "coverage-timeline-title"
    # The places an agreement names, by their names (the regions' codes are RA-NN).
    assert not [text for text in named if re.search(r"\bRA-\d", text)], named
    assert closed_focus == "coverage-place-name"
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
    assert len(colours(screenshots() / "app-coverage.png")) > 20, "the screenshot is nearly blank"


def test_at_phone_width_in_english_as_the_records_stood(
    browser: WebDriver, container: Container, history: datetime
) -> None:
    """Before the history was recorded, nothing was covered as far as anyone knew: the
    `asKnownAt` control reads the records as they stood then."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    # The reader is elsewhere: the moment typed is Montréal's all the same, as the URL says it.
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    wait = WebDriverWait(browser, WAIT)
    local = history.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M:%S")
    with serving(container) as port:
        origin = f"http://127.0.0.1:{port}"
        end = datetime.now(ZoneInfo(ZONE)).date().isoformat()  # the page's today
        now_then = by_day(origin, end)
        known_then = by_day(origin, end, history.isoformat())
        # A URL edited by hand: an impossible day and a place that is none are said, not fatal.
        browser.get(f"{origin}/app/coverage?date=2021-02-30&lieu=%3Cb%3Ex")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[role=alert]")) == 2)
        alerts = texts(browser, "[role=alert]")
        refused = console(browser)  # the two 400 answers, drained here
        browser.get(f"{origin}/app/coverage?date=2021-06-01")
        wait.until(ready, "the page never became ready")
        wait.until(lambda d: d.find_elements(By.ID, "coverage-day-totals"), "no day shown")
        browser.find_element(By.ID, "language").click()
        wait.until(lambda d: "Coverage over time" in d.find_element(By.TAG_NAME, "h1").text)
        wait.until(ready, "not ready in English")
        today_rows = chart_rows(browser, "coverage-population")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        faults = accessibility_faults(browser)

        browser.find_element(By.CSS_SELECTOR, ".coverage-known summary").click()
        box = browser.find_element(By.ID, "known-at")
        browser.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            box, local,
        )  # fmt: skip
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: "connu=" in d.current_url, "the moment is not in the URL")
        wait.until(lambda d: ready(d) and d.find_elements(By.CSS_SELECTOR, "[data-known^='20']"))
        then_rows = chart_rows(browser, "coverage-population")
        then_totals = day_totals(browser)
        stated = browser.find_element(By.CSS_SELECTOR, ".coverage-known-now").text
        asked_at = browser.find_element(By.CSS_SELECTOR, ".coverage-steps").get_attribute(
            "data-known"
        )
        faults += accessibility_faults(browser)
        # Back to the records as they are: the shared URL without the moment.
        browser.find_element(
            By.XPATH, "//details[contains(@class,'coverage-known')]//button[.='Today']"
        ).click()
        wait.until(lambda d: ready(d) and d.find_elements(By.CSS_SELECTOR, "[data-known='']"))
        again = chart_rows(browser, "coverage-population")
        logs = console(browser)

    assert not faults, faults
    assert any("2021-02-30" in alert for alert in alerts), alerts
    assert any("<b>x" in alert for alert in alerts), alerts
    assert all("400" in e["message"] for e in refused if e["level"] == "SEVERE"), refused
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    assert today_rows[end] == [people for people, _ in now_then]
    assert now_then[0][0] > 0
    assert then_rows[end] == [people for people, _ in known_then] == [0, 0, 0]
    assert then_totals == [(0, 0)] * 3
    assert stated.startswith("Records as they stood on"), stated
    # The moment asked is the one typed, read as Montréal's time, not the reader's.
    assert asked_at == history.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000Z"), asked_at
    assert again == today_rows
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
