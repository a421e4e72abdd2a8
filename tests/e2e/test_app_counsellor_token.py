"""A counsellor's token refused during a call (revoked, replaced or expired): the screen says
so, not "the network"; the contact stays in the tab through a new sign-in and is logged once."""

from __future__ import annotations

from datetime import datetime

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from infra.bootstrap import Container
from tests.e2e.test_app_counsellor import (
    COUNSELLOR,
    LIST,
    MONTREAL,
    READY,
    add_need,
    api,
    contacts_projected,
    signed_in,
)
from tests.e2e.test_app_directory import accessibility_faults, demo
from tests.e2e.test_graphiql_offline import WAIT, browser
from tests.support.fuzzing import serving

__all__ = ["browser", "demo"]  # the fixtures


def test_a_token_refused_mid_call_keeps_the_contact_through_a_new_sign_in(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    day = datetime.now(MONTREAL).date().isoformat()
    with contacts_projected(demo), serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        signed_in(browser, origin, "contacts")
        browser.find_element(By.ID, "contact-start").click()
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "need-name")
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the need is not added")
        key = browser.execute_script("return JSON.parse(sessionStorage['guichet.contact']).key")

        # The token is replaced while the call goes on: the server no longer knows this one.
        browser.execute_script("sessionStorage.setItem('guichet.token', 'a-rotated-token')")
        browser.find_element(By.ID, "contact-log").click()
        again = wait.until(lambda d: d.find_element(By.ID, "contact-sign-in"), "no sign-in offered")
        said = browser.find_element(By.CSS_SELECTOR, ".contact .problem").text
        offered_retry = browser.find_elements(By.ID, "contact-retry")
        faults = accessibility_faults(browser)
        again.click()

        # Signed in again with the new token: the same contact, sent again, logged once.
        wait.until(lambda d: d.find_element(By.ID, "sign-in"), "not asked to sign in").click()
        browser.find_element(By.ID, "token").send_keys(COUNSELLOR, Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, READY), "the screen is not back")
        kept = browser.execute_script("return JSON.parse(sessionStorage['guichet.contact']).key")
        wait.until(lambda d: d.find_element(By.ID, "contact-retry"), "no retry").click()
        wait.until(lambda d: d.find_element(By.ID, "logged-record"), "not logged")
        listed = api(origin, LIST, COUNSELLOR, day=day)["interactions"]

    assert "refusé" in said, said
    assert "réseau" not in said, said
    assert not offered_retry
    assert not faults, faults
    assert kept == key
    assert [node["key"] for node in listed["nodes"]] == [key], listed


def test_the_next_person_signing_in_does_not_inherit_a_contact_in_progress(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    with serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        signed_in(browser, origin, "contacts")
        browser.find_element(By.ID, "contact-start").click()
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the need is not added")
        # The token is refused (revoked, say): the page forgets it, and someone else signs in.
        browser.execute_script("sessionStorage.setItem('guichet.token', 'a-revoked-token')")
        browser.refresh()
        # The refused token's form is open at once, saying so.
        field = wait.until(lambda d: d.find_element(By.ID, "token"), "not asked to sign in")
        field.send_keys("admin-token", Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, READY), "the screen is not back")
        started = browser.find_elements(By.ID, "contact-start")
        shown = browser.find_elements(By.ID, "need-0")
        kept = browser.execute_script("return sessionStorage.getItem('guichet.contact')")

    assert started, "no new contact offered"
    assert not shown, "the previous person's contact is shown"
    assert kept is None, kept
