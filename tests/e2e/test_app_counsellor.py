"""The counsellor's screen in headless Chromium, on the demo directory: a counsellor logs a
contact with two needs, a referral and an unmet need; the first logging request reaches the
server but its answer is lost, and the retry (after a reload) logs it once. What the page sent
is read back through GraphQL, part by part, and the day's statistics count it."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from infra.bootstrap import Container
from tests.e2e.test_app_directory import accessibility_faults, demo, screenshots
from tests.e2e.test_graphiql_offline import PHONE, WAIT, browser, console
from tests.support.fuzzing import serving
from tests.support.png import colours

__all__ = ["browser", "demo"]  # the fixtures

MONTREAL = ZoneInfo("America/Montreal")
COUNSELLOR = "counsellor-token"
ANALYST = "analyst-token"
READY = "section.counsellor[data-ready]"
# The first logging request goes through, and its answer is lost on the way back.
LOSE_ONE_ANSWER = """
const real = window.fetch;
window.lostAnswers = 0;
window.fetch = async (...args) => {
  const response = await real(...args);
  const body = String((args[1] && args[1].body) || "");
  if (window.lostAnswers === 0 && body.includes("recordInteraction")) {
    window.lostAnswers = 1;
    throw new TypeError("Failed to fetch");
  }
  return response;
};"""
RECORD = """mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { __typename ... on InteractionReceipt { position } }
}"""
DUE = """query ($day: Date!, $counsellor: String) {
  followUpsDue(day: $day, counsellor: $counsellor, overdue: true) {
    ... on FollowUpDuePage { nodes { interaction { id } } }
  }
}"""
READ = """query ($id: ID!) {
  interaction(id: $id) {
    __typename
    ... on Interaction {
      key channel language interpreter disposition counsellor
      inquirer { type ageBand gender territory }
      needs { code referrals { serviceId serviceName organizationName phone address }
              information unmet { reason } }
    }
  }
}"""
LIST = """query ($day: Date!) {
  interactions(from: $day, to: $day, first: 10) {
    ... on InteractionPage {
      totalCount
      nodes { id key disposition interpreter needs { referrals { serviceId } unmet { reason } } }
    }
  }
}"""
SERVICE = """query ($id: ID!) {
  service(id: $id) {
    ... on Service {
      name { fr } phones { number } locations { address { street city postalCode } }
    }
  }
}"""
OUTCOMES = """query ($id: ID!) {
  interaction(id: $id) { ... on Interaction { followUps { outcome doneAt } } }
}"""
PLACE = """query ($code: String!) {
  territory(code: $code) { ... on Territory { code name kind ancestors { code kind } } }
}"""
SEARCH = """query ($text: String) {
  searchServices(text: $text, first: 1) { ... on SearchConnection { totalCount } }
}"""
STATISTICS = """query ($day: Date!) {
  statistics(from: $day, to: $day) {
    ... on Statistics { exact contacts { value } needs { value } referrals { value }
                        unmetNeeds { value } interpreterUsed { value } }
  }
}"""


def api(origin: str, document: str, token: str, **variables: Any) -> dict[str, Any]:
    """What the GraphQL API itself answers."""
    request = urllib.request.Request(  # noqa: S310 (the origin is the test's own http server)
        f"{origin}/graphql",
        data=json.dumps({"query": document, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 (http only)
        body: dict[str, Any] = json.load(response)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@contextmanager
def contacts_projected(container: Container) -> Iterator[None]:
    """The contacts view kept up to date, as `guichet serve` keeps it (the test server runs no
    projections): reads that wait for a contact's position find it."""
    [runner] = container.select(["interactions"])
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.1):
            runner.bring_up_to_date()

    thread = threading.Thread(target=run, name="contacts-view", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def signed_in(driver: WebDriver, origin: str, path: str) -> None:
    driver.get(f"{origin}/app/")
    driver.execute_script(f"sessionStorage.setItem('guichet.token', '{COUNSELLOR}')")
    driver.get(f"{origin}/app/{path}")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, READY), "the screen is not ready"
    )


def add_need(driver: WebDriver, typed: str) -> None:
    box = driver.find_element(By.ID, "need-name")
    box.send_keys(typed)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#need-options [role=option]"), "no category"
    )
    box.send_keys(Keys.ENTER)


def shown_follow_ups(driver: WebDriver) -> list[str]:
    """The contacts of the follow-ups the page lists, in its order."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('.follow-list li')].map(e => e.dataset.interaction)"
    )
    return [str(id) for id in found]


def choose_place(driver: WebDriver, typed: str, faults: list[str] | None = None) -> str:
    """A place chosen by typing part of its name, from the keyboard: the code of the first
    place the page proposes (and the page's accessibility faults while it proposes them, if
    asked)."""
    box = driver.find_element(By.ID, "caller-place")
    box.send_keys(typed)
    [first, *_] = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#caller-place-options [role=option]"),
        "no place",
    )
    code = first.find_element(By.CSS_SELECTOR, ".code").text
    if faults is not None:
        faults += accessibility_faults(driver)
    box.send_keys(Keys.ENTER)
    WebDriverWait(driver, WAIT).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#caller-place-options [role=option]"),
        "the place is not chosen",
    )
    return str(code)


def typed_date(driver: WebDriver, id: str, day: str) -> None:
    """A date put in a date field as its picker would (typing one depends on the locale)."""
    driver.execute_script(
        "const field = document.getElementById(arguments[0]); field.value = arguments[1];"
        " field.dispatchEvent(new Event('input', {bubbles: true}));",
        id, day,
    )  # fmt: skip


def earlier_contact(
    origin: str, today: datetime, key: str, counsellor: str | None = None,
    territory: str | None = None,
) -> int:  # fmt: skip
    """A contact logged through the API earlier today (at midnight: the test may run just after
    it), with a follow-up due today; the caller's place when given."""
    started = today.replace(hour=0, minute=0, second=0, microsecond=0)
    contact = {
        "key": key, "channel": "PHONE", "startedAt": started.isoformat(), "counsellor": counsellor,
        "endedAt": (started + timedelta(minutes=4)).isoformat(), "language": "fr",
        "inquirer": {"type": "SELF", "territory": territory}, "needs": [{"code": "BD-1800.2000"}],
        "followUp": {"due": started.date().isoformat(), "note": "Rappeler pour le panier"},
    }  # fmt: skip
    receipt = api(origin, RECORD, COUNSELLOR, input=contact)["recordInteraction"]
    assert receipt["__typename"] == "InteractionReceipt", receipt
    return int(receipt["position"])


def test_a_counsellor_logs_a_contact_once_despite_a_lost_answer(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    now = datetime.now(MONTREAL)
    day = now.date().isoformat()
    with contacts_projected(demo), serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        earlier_contact(origin, now, "earlier-today")
        earlier_contact(origin, now, "a-colleague's", counsellor="octave")
        # A colleague's follow-up missed yesterday: still to do, marked late.
        yesterday = now - timedelta(days=1)
        earlier_contact(origin, yesterday, "missed-yesterday", counsellor="octave")
        wait.until(lambda _: len(api(origin, DUE, COUNSELLOR, day=day)["followUpsDue"][
            "nodes"]) == 3, "the earlier contacts' follow-ups are not listed")  # fmt: skip
        due = api(origin, DUE, COUNSELLOR, day=day, counsellor="colette")["followUpsDue"]["nodes"]
        everyone = api(origin, DUE, COUNSELLOR, day=day)["followUpsDue"]["nodes"]

        # Empty: no contact in progress; today's follow-ups listed.
        signed_in(browser, origin, "contacts")
        listed = shown_follow_ups(browser)
        faults = accessibility_faults(browser)
        # Everyone's, kept in the URL, then the counsellor's own again.
        browser.find_element(By.ID, "follow-all").click()
        wait.until(lambda d: len(shown_follow_ups(d)) == len(everyone), "not everyone's")
        listed_all, all_url = shown_follow_ups(browser), browser.current_url
        late = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".follow-list .late")]
        browser.find_element(By.ID, "follow-mine").click()
        wait.until(lambda d: shown_follow_ups(d) == listed, "not the counsellor's own")

        # A contact: the interpreter was used; the caller's age band is known at the start.
        browser.find_element(By.ID, "contact-interpreter").click()
        Select(browser.find_element(By.ID, "caller-age")).select_by_value("SIXTIES")
        browser.find_element(By.ID, "contact-start").click()
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "need-name")
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the first need is not added")
        add_need(browser, "transport-accompagnement")
        wait.until(lambda d: d.find_elements(By.ID, "need-1"), "the second need is not added")
        # Where the caller lives and their gender, learned during the call: the place typed
        # without its accents, dashes or capitals.
        place = choose_place(browser, "cote des neiges")
        chosen = browser.find_element(By.ID, "caller-place-chosen").text
        Select(browser.find_element(By.ID, "caller-gender")).select_by_value("FEMALE")

        # The food need referred to the first food bank found; transport unmet.
        words = browser.find_element(By.ID, "finder-words")
        words.send_keys("banque alimentaire", Keys.ENTER)
        refer = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".finder-results .refer"))
        found_text = browser.find_element(By.ID, "finder-count").text
        search_url = browser.current_url
        refer[0].send_keys(Keys.ENTER)
        snapshot = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#need-0 .snapshot"))
        # The focus stays where the counsellor was, on the (now pressed) button.
        focused = browser.switch_to.active_element.get_attribute("aria-disabled")
        shown_snapshot = snapshot[0].text
        Select(browser.find_element(By.ID, "need-1-reason")).select_by_value("NO_TRANSPORT")
        browser.find_element(By.ID, "need-0-information").send_keys("Ouvert le lundi soir")
        faults += accessibility_faults(browser)
        screenshots().mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1200, 1500)
        browser.execute_script("window.scrollTo(0, 0)")
        assert browser.save_screenshot(str(screenshots() / "app-counsellor.png"))
        browser.set_window_size(1200, 800)

        # A follow-up due today, with its note.
        typed_date(browser, "follow-up-due", day)
        wait.until(lambda d: d.find_elements(By.ID, "follow-up-note"))[0].send_keys("Rappeler")

        # The answer to the first try is lost: the page offers a retry, and the retry logs once.
        browser.execute_script(LOSE_ONE_ANSWER)
        browser.find_element(By.ID, "contact-log").click()
        wait.until(lambda d: d.find_element(By.ID, "contact-retry"), "no retry offered")
        assert browser.execute_script("return window.lostAnswers") == 1
        # Even a reload loses nothing: the page offers the retry of the same input.
        browser.refresh()
        retry = wait.until(lambda d: d.find_element(By.ID, "contact-retry"), "lost on reload")
        retry.click()
        record = wait.until(lambda d: d.find_element(By.ID, "logged-record"), "not logged")
        id = record.get_attribute("data-id")
        logged_text = browser.find_element(By.CSS_SELECTOR, ".logged").text
        # Its follow-up joins today's list.
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".follow-list li")) == 2)
        listed_after = shown_follow_ups(browser)
        faults += accessibility_faults(browser)

        # The earlier follow-up marked done from the list, with its outcome.
        earlier = browser.find_element(By.CSS_SELECTOR, ".follow-list li .outcome input")
        earlier.send_keys("Panier reçu", Keys.ENTER)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".follow-list li")) == 1)
        left = shown_follow_ups(browser)
        faults += accessibility_faults(browser)
        done = api(origin, OUTCOMES, COUNSELLOR, id=listed[0])["interaction"]["followUps"]
        logs = console(browser)

        read = api(origin, READ, COUNSELLOR, id=id)["interaction"]
        listed_today = api(origin, LIST, COUNSELLOR, day=day)["interactions"]
        service_id = read["needs"][0]["referrals"][0]["serviceId"]
        service = api(origin, SERVICE, COUNSELLOR, id=service_id)["service"]
        figures = api(origin, STATISTICS, ANALYST, day=day)["statistics"]
        found = api(origin, SEARCH, COUNSELLOR, text="banque alimentaire")["searchServices"]
        lives = api(origin, PLACE, COUNSELLOR, code=place)["territory"]

    assert not faults, faults
    assert listed, due
    assert listed == [item["interaction"]["id"] for item in due], (listed, due)
    assert listed_all == [item["interaction"]["id"] for item in everyone], (listed_all, everyone)
    assert len(everyone) == 3
    assert late == [f"En retard : dû le {yesterday.date().isoformat()}"], late
    assert "suivis=tous" in all_url
    assert listed_after == [*listed, id], (listed_after, id)
    assert left == [id], left
    assert done[0]["outcome"] == "Panier reçu"
    assert done[0]["doneAt"] is not None
    # Exactly one contact for the page's key, though the page sent it twice.
    keys = [node["key"] for node in listed_today["nodes"]]
    assert keys.count(read["key"]) == 1, keys
    assert read["key"].startswith("app-"), keys
    assert listed_today["totalCount"] == 3, listed_today
    assert "déjà été consigné" in logged_text
    # The search as the API answers it, and kept in the URL.
    assert found_text == f"{found['totalCount']} services", found_text
    assert "q=banque+alimentaire" in search_url
    assert focused == "true"
    # Every part as the page gave it.
    assert read["channel"] == "phone"
    assert read["interpreter"] is True
    assert (read["language"], read["disposition"], read["counsellor"]) == (
        "fr",
        "completed",
        "colette",
    )
    assert [need["code"] for need in read["needs"]] == ["BD-1800.2000", "BT-4500"]
    # The caller as the page was given them: the place chosen by name, age band and gender.
    assert read["inquirer"] == {
        "type": "self", "ageBand": "60-69", "gender": "female", "territory": place,
    }  # fmt: skip
    assert lives["name"] == "Côte-des-Neiges\u2013Notre-Dame-de-Grâce", lives  # an en dash
    assert lives["kind"] == "BOROUGH", lives
    assert lives["name"] in chosen, chosen
    assert lives["name"] in logged_text, logged_text
    assert "60 à 69 ans" in logged_text, logged_text
    assert "Femme" in logged_text, logged_text
    assert read["needs"][0]["information"] == ["Ouvert le lundi soir"]
    assert read["needs"][0]["unmet"] is None
    assert read["needs"][1]["referrals"] == []
    assert read["needs"][1]["unmet"] == {"reason": "no_transport"}
    # The referral's snapshot is the directory's record at that moment, as the page showed it.
    [referral] = read["needs"][0]["referrals"]
    address = service["locations"][0]["address"]
    assert referral["serviceName"] == service["name"]["fr"]
    assert referral["phone"] == service["phones"][0]["number"]
    assert referral["address"].startswith(address["street"]), (referral, address)
    for part in (referral["serviceName"], referral["organizationName"], referral["phone"],
                 referral["address"]):  # fmt: skip
        assert part in shown_snapshot, (part, shown_snapshot)
        assert part in logged_text, (part, logged_text)
    # The day's figures count both of today's contacts, needs, referral and unmet need.
    assert figures["exact"] is True
    logged = [node for node in listed_today["nodes"] if node["disposition"] == "completed"]
    needs = [need for node in logged for need in node["needs"]]
    assert figures["contacts"]["value"] == len(logged) == 3
    assert figures["needs"]["value"] == len(needs)
    assert figures["referrals"]["value"] == sum(len(need["referrals"]) for need in needs) == 1
    assert figures["unmetNeeds"]["value"] == sum(need["unmet"] is not None for need in needs)
    assert figures["interpreterUsed"]["value"] == sum(node["interpreter"] for node in logged)
    # The lost answer is the only failure the console reports, if any.
    assert not [e for e in logs if e["level"] == "SEVERE" and "fetch" not in e["message"]], logs
    assert len(colours(screenshots() / "app-counsellor.png")) > 20, "nearly blank"


def test_the_counsellor_screen_fits_a_phone_and_keeps_the_contact_on_reload(
    browser: WebDriver, demo: Container
) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    wait = WebDriverWait(browser, WAIT)
    with serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        signed_in(browser, origin, "contacts")
        browser.find_element(By.ID, "contact-start").click()
        # The place as counsellors write it: "st" for "saint", no accents.
        proposing: list[str] = []
        place = choose_place(browser, "st leonard", proposing)
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the need is not added")
        browser.find_element(By.ID, "finder-words").send_keys("banque alimentaire", Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".finder-results .refer"))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        faults = proposing + accessibility_faults(browser)
        # Refused (a follow-up before the contact): the message names the field; nothing is lost.
        typed_date(browser, "follow-up-due", "2020-01-01")
        browser.find_element(By.ID, "contact-log").click()
        refusal = wait.until(lambda d: d.find_element(By.ID, "contact-problem"), "no refusal").text
        editable = browser.find_element(By.ID, "contact-log").is_enabled()
        faults += accessibility_faults(browser)
        key = browser.execute_script("return JSON.parse(sessionStorage['guichet.contact']).key")
        # A reload loses nothing: the same contact, its key and its need.
        browser.refresh()
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the need was lost on reload")
        kept = browser.execute_script("return JSON.parse(sessionStorage['guichet.contact']).key")
        chosen = browser.find_element(By.ID, "caller-place-chosen").text
        named = api(origin, PLACE, COUNSELLOR, code=place)["territory"]["name"]
        # In English, the same screen.
        browser.find_element(By.ID, "language").click()
        wait.until(lambda d: "Need 1" in d.find_element(By.ID, "need-0").text, "not in English")
        faults += accessibility_faults(browser)

    assert not faults, faults
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    assert kept == key
    # The place chosen is kept with the contact.
    assert named == "Saint-Léonard", named
    assert named in chosen, chosen
    assert key.startswith("app-")
    assert "input.followUp.due" in refusal, refusal
    assert editable


def test_a_contact_whose_key_logged_another_contact_is_logged_as_new_once_the_counsellor_says(
    browser: WebDriver, demo: Container
) -> None:
    wait = WebDriverWait(browser, WAIT)
    now = datetime.now(MONTREAL)
    day = now.date().isoformat()
    with contacts_projected(demo), serving(demo) as port:
        origin = f"http://127.0.0.1:{port}"
        earlier_contact(origin, now, "app-taken")
        # A contact whose caller gives no address, kept under a key that logged another one.
        signed_in(browser, origin, "contacts")
        browser.find_element(By.ID, "caller-confidential").click()
        placeless = not browser.find_element(By.ID, "caller-place").is_enabled()
        browser.find_element(By.ID, "contact-start").click()
        add_need(browser, "aide alimentaire")
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the need is not added")
        browser.execute_script(
            "const c = JSON.parse(sessionStorage['guichet.contact']); c.key = 'app-taken';"
            " sessionStorage['guichet.contact'] = JSON.stringify(c);"
        )
        browser.refresh()
        wait.until(lambda d: d.find_elements(By.ID, "need-0"), "the contact was lost on reload")

        # Refused for its key: the counsellor is told, and nothing more is logged until they
        # say it is another call.
        browser.find_element(By.ID, "contact-log").click()
        problem = wait.until(lambda d: d.find_element(By.ID, "contact-problem"), "no refusal")
        told = problem.text
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "contact-problem")
        key = browser.execute_script("return JSON.parse(sessionStorage['guichet.contact']).key")
        logged_early = browser.find_elements(By.ID, "logged-record")
        faults = accessibility_faults(browser)

        # Another call indeed: logged as a new contact, under a new key.
        browser.find_element(By.ID, "contact-new-key").click()
        record = wait.until(lambda d: d.find_element(By.ID, "logged-record"), "not logged")
        read = api(origin, READ, COUNSELLOR, id=record.get_attribute("data-id"))["interaction"]
        listed = api(origin, LIST, COUNSELLOR, day=day)["interactions"]

    assert not faults, faults
    assert placeless
    assert "déjà servi" in told, told
    assert "pas encore consigné" in told, told
    assert not logged_early
    assert key == "app-taken", key  # unchanged until the counsellor decides
    assert read["key"] != key, (read, key)
    assert read["key"].startswith("app-"), read
    assert read["inquirer"]["territory"] == "confidential", read
    assert sorted(node["key"] for node in listed["nodes"]) == sorted(["app-taken", read["key"]])
