"""The counsellor's screen and the needs portrait together, as a 211 uses them: an analyst keeps
today's portrait of a region open in one tab while a counsellor, in another, logs a contact
from a caller living there, with two needs, a referral and an unmet need. The analyst's
portrait shows it within 2 s, and every figure it shows, before and after, is what GraphQL's
`statistics` answers for the same day and region."""

from __future__ import annotations

import time
from datetime import datetime

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from infra.bootstrap import Container
from tests.e2e.test_app_counsellor import (
    MONTREAL,
    PLACE,
    add_need,
    choose_place,
    contacts_projected,
    earlier_contact,
    signed_in,
)
from tests.e2e.test_app_directory import accessibility_faults, demo
from tests.e2e.test_app_portrait import (
    ANALYST,
    READ_TABLES,
    api,
    check_column,
    expected_rows,
    number,
    post,
    ready,
    sign_in,
)
from tests.e2e.test_graphiql_offline import WAIT, browser
from tests.support.fuzzing import serving

__all__ = ["browser", "demo"]  # the fixtures


# Where the caller lives, as the counsellor types it (without accents or capitals).
TYPED_PLACE, PLACE_NAME = "trois rivieres", "Trois-Rivières"
MUNICIPALITIES = """{ territories(kind: MUNICIPALITY) {
  ... on TerritoryList { nodes { code name } } } }"""


def region_of(origin: str, name: str) -> tuple[str, str]:
    """The municipality of that name, and its region, as the API places them."""
    nodes = post(origin, MUNICIPALITIES, {}, ANALYST)["territories"]["nodes"]
    [code] = [node["code"] for node in nodes if node["name"] == name]
    place = post(origin, PLACE, {"code": code}, ANALYST)["territory"]
    [region] = [a["code"] for a in place["ancestors"] if a["kind"] == "REGION"]
    return code, region


def contacts_shown(driver: WebDriver) -> str:
    return str(driver.execute_script(READ_TABLES)["totals"]["rows"][0][1])


def answered(driver: WebDriver) -> bool:
    """The portrait has drawn the public's figures, or said why it may not."""
    return ready(driver) or bool(
        driver.find_elements(By.CSS_SELECTOR, "section.portrait [role=alert]")
    )


def test_a_contact_logged_by_a_counsellor_appears_in_the_analysts_portrait(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    now = datetime.now(MONTREAL)
    day = {"from": now.date().isoformat(), "to": now.date().isoformat()}
    with contacts_projected(demo), serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        place, region = region_of(origin, PLACE_NAME)
        earlier_contact(origin, now, "earlier-today", territory=place)
        wait.until(lambda _: api(origin, ANALYST, region, **day)["contacts"]["value"] == 1)

        # The analyst's tab: today's portrait of the caller's region, live.
        sign_in(browser, origin, ANALYST)
        browser.get(f"{origin}/app/portrait?du={day['from']}&au={day['to']}&territoire={region}")
        wait.until(ready, "the portrait never drew its figures")
        wait.until(lambda d: "En direct" in d.find_element(By.ID, "portrait-live").text, "not live")
        before_stats = api(origin, ANALYST, region, **day)
        before = browser.execute_script(READ_TABLES)
        portrait = browser.current_window_handle

        # The counsellor's tab (its own session storage, so its own token).
        browser.switch_to.new_window("tab")
        signed_in(browser, origin, "contacts")
        Select(browser.find_element(By.ID, "caller-age")).select_by_value("THIRTIES")
        browser.find_element(By.ID, "contact-start").click()
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "need-name")
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the first need is not added")
        add_need(browser, "transport-accompagnement")
        wait.until(lambda d: d.find_elements(By.ID, "need-1"), "the second need is not added")
        chosen = choose_place(browser, TYPED_PLACE)
        Select(browser.find_element(By.ID, "caller-gender")).select_by_value("MALE")
        browser.find_element(By.ID, "finder-words").send_keys("banque alimentaire", Keys.ENTER)
        refer = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".finder-results .refer"))
        refer[0].send_keys(Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#need-0 .snapshot"), "no referral")
        Select(browser.find_element(By.ID, "need-1-reason")).select_by_value("NO_TRANSPORT")
        browser.find_element(By.ID, "contact-log").click()
        wait.until(lambda d: d.find_element(By.ID, "logged-record"), "not logged")
        logged = time.monotonic()

        # Back to the analyst's tab, which moves by itself.
        browser.switch_to.window(portrait)
        WebDriverWait(browser, WAIT, poll_frequency=0.05).until(
            lambda d: contacts_shown(d) != before["totals"]["rows"][0][1],
            "the new contact never showed in the portrait",
        )
        delay = time.monotonic() - logged
        after_stats = api(origin, ANALYST, region, **day)
        wait.until(lambda d: not check_column(d.execute_script(READ_TABLES), after_stats, 0))
        after = browser.execute_script(READ_TABLES)
        faults = accessibility_faults(browser)

        # The analyst signs out: nothing exact stays on the screen, nor in the tab.
        exact_before = browser.find_element(By.TAG_NAME, "main").text
        browser.find_element(By.ID, "sign-out").click()
        wait.until(lambda d: d.find_elements(By.ID, "sign-in"), "not signed out")
        wait.until(answered, "the portrait never answered the public")
        signed_out = browser.find_element(By.TAG_NAME, "main").text
        kept = browser.execute_script("return Object.keys(sessionStorage)")

    assert "Chiffres exacts" in exact_before
    assert "Chiffres exacts" not in signed_out, signed_out
    assert kept == [], kept
    assert not check_column(before, before_stats, 0)
    assert not check_column(after, after_stats, 0)
    assert not faults, faults
    assert chosen == place, (chosen, place)
    assert delay < 2.0, f"the new contact took {delay:.2f} s to show"
    # The contact's parts, as the portrait shows them now and did not before.
    totals = {row[0]: row[1] for row in after["totals"]["rows"]}
    previously = {row[0]: row[1] for row in before["totals"]["rows"]}
    assert after_stats["contacts"]["value"] == before_stats["contacts"]["value"] + 1 == 2
    assert after_stats["needs"]["value"] == before_stats["needs"]["value"] + 2
    assert after_stats["referrals"]["value"] == before_stats["referrals"]["value"] + 1
    assert after_stats["unmetNeeds"]["value"] == before_stats["unmetNeeds"]["value"] + 1
    assert totals != previously, (totals, previously)
    reasons = {row[0]: row[1] for row in after["unmet-reasons"]["rows"]}
    [reason] = [cell["label"] for cell in after_stats["unmetReasons"]]
    assert reasons[reason] == "1", reasons
    organizations = [row[0] for row in after["organizations"]["rows"]]
    assert len(organizations) == 1, organizations
    assert organizations == [c["label"] for c in after_stats["topReferralOrganizations"]]
    # The caller's age band and gender: the portrait's rows are the API's, and each moved by one.
    for table, field in (("age", "byAgeBand"), ("gender", "byGender")):
        shown = {row[0]: row[1] for row in after[table]["rows"]}
        earlier = {row[0]: row[1] for row in before[table]["rows"]}
        expected = expected_rows(after_stats, field)
        previous = expected_rows(before_stats, field)
        assert {label: number(text) for label, text in shown.items()} == expected, (shown, expected)
        moved = {label for label in expected if expected[label] != previous.get(label, 0)}
        assert len(moved) == 1, (expected, previous)
        [label] = moved
        assert expected[label] == (previous.get(label) or 0) + 1, (expected, previous)
        assert shown[label] != earlier.get(label), (shown, earlier)
