"""The browser app's editors' queue in headless Chromium, on the demo directory registered
eleven and a half months ago (so every record is due for its annual check) and two
organizations registered over a year ago (overdue): an editor sees the queue the API answers,
opens a record and its field history, verifies it and it leaves the due list, flags another
and it shows under flagged; the public is told the screen needs a role."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from domain.handlers.directory import FlagRecordForReview
from domain.handlers.directory_commands import DeactivateRecord
from infra.bootstrap import Container
from infra.demo import load_demo
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.e2e.test_app_directory import accessibility_faults, screenshots, texts
from tests.e2e.test_graphiql_offline import PHONE, WAIT, browser, console
from tests.support.fuzzing import serving
from tests.support.seed import register

__all__ = ["browser"]  # the fixture, shared with GraphiQL's test

VIEWS = ["directory", "history", "verification"]
QUEUE = """query($state: VerificationState!, $kinds: [RecordKind!]) {
  verificationQueue(state: $state, kinds: $kinds, first: 20) {
    ... on VerificationList {
      totalCount nodes { id name { fr } organizationName { fr } flaggedReason }
    }
  }
}"""
HISTORY = """query($id: ID!) {
  recordHistory(id: $id, first: 100) {
    ... on RecordHistory { totalCount nodes { version field actor } }
  }
}"""
STATES = {
    "due": "DUE",
    "overdue": "OVERDUE",
    "flagged": "FLAGGED",
    "verified": "VERIFIED_THIS_YEAR",
}


@pytest.fixture
def queue(container: Container) -> Container:
    now = container.clock.now()
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, now)
    load_demo(container.directory_handler, now - timedelta(days=350))
    for number in (1, 2):
        register(container.operations, number, at=now - timedelta(days=400))
    for runner in container.select(["territories", "taxonomy", *VIEWS]):
        runner.bring_up_to_date()
    # The editor's actions are read back through `consistentWith`: the views must run.
    container.start_projections(VIEWS)
    return container


def api(origin: str, document: str, *, role: str = "editor", **variables: Any) -> dict[str, Any]:
    """What the GraphQL API itself answers to an editor (or to the role's test token)."""
    request = urllib.request.Request(  # noqa: S310 (the origin is the test's own http server)
        f"{origin}/graphql",
        data=json.dumps({"query": document, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {role}-token"},
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 (http only)
        body = json.load(response)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def listed(origin: str, state: str, kinds: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = api(origin, QUEUE, state=state, kinds=kinds)["verificationQueue"]
    return found


def ready(driver: WebDriver) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, ".editors[data-ready]"))


def rows(driver: WebDriver) -> list[str]:
    """The names the list shows, read at once (the list may be drawn again meanwhile)."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('.queue .check > a')].map(a => a.textContent)"
    )
    return [str(name) for name in found]


def entries(driver: WebDriver) -> list[list[str]]:
    """Each row's name and organization (empty for an organization), read at once."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('.queue .check')].map(row => [row.querySelector"
        "('a').textContent, (row.querySelector('.org') || {textContent: ''}).textContent])"
    )
    return [[str(name), str(owner)] for name, owner in found]


def expected(nodes: list[dict[str, Any]]) -> list[list[str]]:
    return [[n["name"]["fr"], (n["organizationName"] or {"fr": ""})["fr"]] for n in nodes]


def tab_counts(driver: WebDriver) -> dict[str, int]:
    found = {}
    for state in STATES:
        text = texts(driver, f"#tab-{state} .tab-count")
        found[state] = int(text[0].strip("()")) if text else -1
    return found


def test_an_editor_verifies_and_flags_from_the_queue(browser: WebDriver, queue: Container) -> None:
    wait = WebDriverWait(browser, WAIT)
    faults: list[str] = []
    with serving(queue) as port:
        origin = f"http://127.0.0.1:{port}"

        # The public is told the screen needs a role, and sees no queue.
        browser.get(f"{origin}/app/editors")
        refusal = wait.until(
            lambda driver: texts(driver, "main [role=alert]"), "no refusal for the public"
        )
        public_rows = rows(browser)
        faults += accessibility_faults(browser)

        # An editor signs in: the due list, and every list's count, as the API answers them.
        browser.find_element(By.ID, "sign-in").click()
        browser.find_element(By.ID, "token").send_keys("editor-token", Keys.ENTER)
        wait.until(ready, "the queue is not ready")
        due = listed(origin, "DUE")
        overdue = listed(origin, "OVERDUE")
        assert due["totalCount"] > 20, due
        assert overdue["totalCount"] == 2, overdue
        wait.until(lambda driver: entries(driver) == expected(due["nodes"]), "not the API's")
        counts = {state: listed(origin, name)["totalCount"] for state, name in STATES.items()}
        assert tab_counts(browser) == counts
        faults += accessibility_faults(browser)

        # "More" adds the next page.
        browser.find_element(By.ID, "more").click()
        wait.until(lambda driver: len(rows(driver)) == min(40, due["totalCount"]), "no more")
        wait.until(
            lambda driver: driver.switch_to.active_element.text == rows(driver)[20],
            "the focus is not on the first record added",
        )

        # The kind filter, in the URL; the overdue list, in the URL too.
        Select(browser.find_element(By.ID, "kind")).select_by_value("service")
        wait.until(lambda driver: "type=service" in driver.current_url, "kind not in the URL")
        services = listed(origin, "DUE", ["SERVICE"])
        wait.until(lambda driver: rows(driver) == [n["name"]["fr"] for n in services["nodes"]])
        browser.find_element(By.ID, "tab-overdue").click()
        wait.until(lambda driver: "liste=overdue" in driver.current_url, "list not in the URL")
        wait.until(lambda driver: rows(driver) == [], "overdue organizations among services")
        Select(browser.find_element(By.ID, "kind")).select_by_value("")
        wait.until(lambda driver: rows(driver) == [n["name"]["fr"] for n in overdue["nodes"]])

        # A record's page: its fields and its history, as recordHistory answers.
        browser.get(f"{origin}/app/editors")
        wait.until(ready)
        first = due["nodes"][0]
        link = browser.find_element(By.CSS_SELECTOR, ".queue .check > a")
        shared = link.get_attribute("href")  # what a new tab would open
        link.click()
        wait.until(lambda driver: f"/app/editors/{first['id']}" in driver.current_url)
        wait.until(lambda driver: texts(driver, "#record-title") == [first["name"]["fr"]])
        history = api(origin, HISTORY, id=first["id"])["recordHistory"]
        fields = wait.until(lambda driver: texts(driver, ".changes li code"), "no history")
        assert fields == [change["field"] for change in history["nodes"]]
        faults += accessibility_faults(browser)

        # A verification without who confirmed it: the API's error, beside its field.
        browser.find_element(By.CSS_SELECTOR, ".actions [data-kind=verify]").click()
        confirmed = wait.until(
            lambda driver: driver.find_element(By.CSS_SELECTOR, "input[name=confirmedBy]")
        )
        wait.until(
            lambda driver: (
                driver.switch_to.active_element
                == driver.find_element(By.CSS_SELECTOR, ".action select")
            ),
            "the form's first field is not focused",
        )
        browser.find_element(By.CSS_SELECTOR, ".action button[type=submit]").click()
        wait.until(lambda driver: confirmed.get_attribute("aria-invalid") == "true", "no error")
        error = browser.find_element(By.ID, str(confirmed.get_attribute("aria-describedby")))
        error_text = error.text
        wait.until(
            lambda driver: driver.switch_to.active_element == confirmed, "focus not on the error"
        )
        faults += accessibility_faults(browser)
        confirmed.send_keys("Mme Roy", Keys.ENTER)
        wait.until(lambda driver: "Mme Roy" in texts(driver, ".changes .after"), "not verified")
        verified_history = api(origin, HISTORY, id=first["id"])["recordHistory"]
        assert texts(browser, ".changes li code") == [
            change["field"] for change in verified_history["nodes"]
        ]
        wait.until(lambda driver: texts(driver, "#record-checked") != ["\u2014"], "not checked")
        # Back on the button that opened the form.
        wait.until(
            lambda driver: driver.switch_to.active_element.get_attribute("data-kind") == "verify",
            "the focus is lost",
        )

        # Back to the queue: the record has left the due list.
        browser.get(f"{origin}/app/editors")
        wait.until(ready)
        due_after = listed(origin, "DUE")
        wait.until(lambda driver: entries(driver) == expected(due_after["nodes"]), "not left")

        # Another is flagged from the queue, with a reason; it shows under flagged.
        second = due_after["nodes"][0]
        browser.find_element(By.CSS_SELECTOR, ".queue .actions [data-kind=flag]").click()
        reason = wait.until(
            lambda driver: driver.find_element(By.CSS_SELECTOR, "textarea[name=reason]")
        )
        # A blank reason is refused beside its field, and nothing is written.
        head = queue.head()
        browser.find_element(By.CSS_SELECTOR, ".action button[type=submit]").click()
        wait.until(lambda driver: reason.get_attribute("aria-invalid") == "true", "no error")
        blank_refused = queue.head() == head
        reason.send_keys("Le numéro de téléphone ne répond plus")
        browser.find_element(By.CSS_SELECTOR, ".action button[type=submit]").click()
        wait.until(lambda driver: texts(driver, "#done") != [""], "no confirmation")
        done = texts(browser, "#done")[0]
        wait.until(lambda driver: texts(driver, ".queue .flag"), "the flag is not shown")
        screenshots().mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(screenshots() / "app-editors.png"))
        browser.find_element(By.ID, "tab-flagged").click()
        wait.until(lambda driver: "liste=flagged" in driver.current_url)
        flagged = listed(origin, "FLAGGED")
        wait.until(lambda driver: rows(driver) == [n["name"]["fr"] for n in flagged["nodes"]])
        reasons = texts(browser, ".queue .flag")
        after_counts = {state: listed(origin, name)["totalCount"] for state, name in STATES.items()}
        wait.until(lambda driver: tab_counts(driver) == after_counts, "stale counts")
        faults += accessibility_faults(browser)

        # At phone width, nothing wider than the screen.
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
        )
        browser.refresh()
        wait.until(ready)
        browser.find_element(By.CSS_SELECTOR, ".queue .actions [data-kind=verify]").click()
        width = browser.execute_script("return document.documentElement.scrollWidth")
        faults += accessibility_faults(browser)
        logs = console(browser)

    assert refusal
    # It names the roles that open it, in the page's language.
    assert "« documentaliste » ou « auditeur·rice »" in refusal[0], refusal
    assert public_rows == []
    assert "confirm" in error_text.lower(), error_text
    assert blank_refused
    assert shared == f"{origin}/app/editors/{first['id']}"
    assert first["id"] not in [n["id"] for n in due_after["nodes"]]
    assert due_after["totalCount"] == due["totalCount"] - 1
    assert [n["id"] for n in flagged["nodes"]] == [second["id"]]
    assert second["name"]["fr"] in done
    assert reasons == ["Signalée : Le numéro de téléphone ne répond plus"], reasons
    assert after_counts["verified"] == counts["verified"] + 1
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    assert not faults, faults
    # The only failures the console reports are the public's refused queries, if any.
    assert not [e for e in logs if e["level"] == "SEVERE" and "401" not in e["message"]], logs


# Set before the page's own scripts: the editor's token (as if pasted earlier in the session),
# and the moment the screen is ready.
SIGNED_IN = """sessionStorage.setItem('guichet.token', 'editor-token');
new MutationObserver((changes, observer) => {
  if (document.querySelector('[data-ready]')) {
    window.ready = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true, attributes: true});"""
FIGURES = """const all = [...performance.getEntriesByType('navigation'),
  ...performance.getEntriesByType('resource')];
return {bytes: all.reduce((sum, e) => sum + e.transferSize, 0),
  decoded: all.reduce((sum, e) => sum + e.decodedBodySize, 0),
  files: all.length, ready: window.ready}"""


def test_a_shared_link_opens_small_and_speaks_english(browser: WebDriver, queue: Container) -> None:
    """What a first visit to a shared link of the queue downloads, compressed, up to the
    ready screen (BENCHMARKS.md); then a record's page; then the same in English."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SIGNED_IN})
    wait = WebDriverWait(browser, WAIT)
    with serving(queue) as port:
        origin = f"http://127.0.0.1:{port}"
        browser.get(f"{origin}/app/editors?liste=overdue&type=organization")
        wait.until(lambda driver: driver.execute_script("return window.ready"), "never ready")
        first = browser.execute_script(FIGURES)
        overdue = listed(origin, "OVERDUE", ["ORGANIZATION"])
        wait.until(lambda driver: rows(driver) == [n["name"]["fr"] for n in overdue["nodes"]])

        # A history longer than a page: thirty flags, one change each.
        record = overdue["nodes"][0]
        for version in range(1, 31):
            queue.directory_handler.flag_record_for_review(
                FlagRecordForReview(UUID(record["id"]), version, f"Relance {version}"),
                actor="edith", at=queue.clock.now(),
            )  # fmt: skip
        for runner in queue.select(VIEWS):
            runner.bring_up_to_date()
        history = api(origin, HISTORY, id=record["id"])["recordHistory"]
        browser.execute_cdp_cmd("Network.clearBrowserCache", {})
        browser.get(f"{origin}/app/editors/{record['id']}")
        wait.until(lambda driver: driver.execute_script("return window.ready"), "never ready")
        page = browser.execute_script(FIGURES)
        wait.until(lambda driver: texts(driver, "#record-title") == [record["name"]["fr"]])
        first_page = wait.until(lambda driver: texts(driver, ".changes li code"), "no history")
        browser.find_element(By.ID, "more-history").click()
        wait.until(
            lambda driver: (
                texts(driver, ".changes li code")
                == [change["field"] for change in history["nodes"]]
            ),
            "the second page is not the API's",
        )
        more_left = bool(browser.find_elements(By.ID, "more-history"))
        wait.until(
            lambda driver: driver.switch_to.active_element.tag_name == "h3",
            "the focus is not on the facts added",
        )

        browser.find_element(By.ID, "language").click()
        wait.until(lambda driver: texts(driver, ".history h2") == ["Field history"], "French")
        browser.execute_script("document.getElementById('history-title').scrollIntoView()")
        screenshots().mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(screenshots() / "app-editors-record.png"))
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
        )
        width = browser.execute_script("return document.documentElement.scrollWidth")
        english = browser.execute_script("return document.documentElement.lang")
        faults = accessibility_faults(browser)
        browser.get(f"{origin}/app/editors?liste=overdue")
        wait.until(ready, "the queue is not ready")
        tab = texts(browser, "#tab-overdue")[0]
        faults += accessibility_faults(browser)
    print(f"\nqueue, first load: {first}\nrecord page, shared link: {page}")
    assert first["files"] >= 9  # the page, its stylesheet, the shell's and the screen's modules
    assert 0 < first["bytes"] < 300_000
    assert 0 < page["bytes"] < 300_000
    assert len(first_page) == 25 < history["totalCount"]
    assert not more_left
    assert english == "en"
    assert width <= PHONE, f"the record's page is {width} px wide on a {PHONE} px screen"
    assert tab.startswith("Overdue (2)"), tab
    assert not faults, faults


NODE = """query($id: ID!) { node(id: $id) { __typename ... on Service { version status } } }"""
PAST = """query($id: ID!) {
  recordHistory(id: $id, first: 100) {
    ... on RecordHistory { totalCount pageInfo { hasNextPage } nodes { version field newValue } }
  }
}"""


def signed_in(driver: WebDriver, token: str) -> None:
    driver.execute_script("sessionStorage.setItem('guichet.token', arguments[0])", token)


def test_an_auditor_reads_an_inactive_records_history(browser: WebDriver, queue: Container) -> None:
    """A service an editor took out of service: the auditor opens its page from a pasted link
    and reads its history as recordHistory answers it, its fields as the history last gives
    them, and no editor's action; an unknown id is not found. The editor sees it inactive,
    with the actions the API allows on it."""
    wait = WebDriverWait(browser, WAIT)
    faults: list[str] = []
    with serving(queue) as port:
        origin = f"http://127.0.0.1:{port}"
        service = listed(origin, "DUE", ["SERVICE"])["nodes"][0]
        version = api(origin, NODE, id=service["id"])["node"]["version"]
        queue.directory_handler.deactivate_record(
            DeactivateRecord(UUID(service["id"]), version, "Le service a fermé"),
            actor="edith", at=queue.clock.now(),
        )  # fmt: skip
        for runner in queue.select(VIEWS):
            runner.bring_up_to_date()
        hidden = api(origin, NODE, role="auditor", id=service["id"])["node"]
        past = api(origin, PAST, role="auditor", id=service["id"])["recordHistory"]
        latest = {change["field"]: change["newValue"] for change in past["nodes"]}

        # The auditor's way in: no queue, a field for a record's id or link.
        browser.get(f"{origin}/app/editors")
        signed_in(browser, "auditor-token")
        browser.refresh()
        box = wait.until(lambda driver: driver.find_element(By.ID, "record-id"), "no field")
        opener_rows = rows(browser)
        faults += accessibility_faults(browser)
        box.send_keys("pas un identifiant", Keys.ENTER)
        wait.until(lambda driver: box.get_attribute("aria-invalid") == "true", "no error")
        refused_text = texts(browser, "#record-id-error")
        still_there = browser.current_url == f"{origin}/app/editors"
        faults += accessibility_faults(browser)

        # A link to the service's page in the directory, pasted: its history's page.
        box.clear()
        box.send_keys(f"{origin}/app/services/{service['id']}", Keys.ENTER)
        wait.until(lambda driver: f"/app/editors/{service['id']}" in driver.current_url)
        wait.until(ready, "the inactive record's page is not ready")
        shown_fields = wait.until(lambda driver: texts(driver, ".changes li code"), "no history")
        title = texts(browser, "#record-title")
        notice = texts(browser, "#record-notice")
        status = texts(browser, "#record-status")
        summary = texts(browser, "#past-fields dt")
        auditor_actions = browser.find_elements(By.CSS_SELECTOR, ".actions, [data-kind]")
        focused = browser.switch_to.active_element.get_attribute("id")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE, "height": 740, "deviceScaleFactor": 2, "mobile": True},
        )
        phone_width = browser.execute_script("return document.documentElement.scrollWidth")
        faults += accessibility_faults(browser)
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        screenshots().mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(screenshots() / "app-editors-audit.png"))
        faults += accessibility_faults(browser)

        # A real unknown id is not found, as the API answers it.
        unknown = "00000000-0000-4000-8000-000000000000"
        nowhere = api(origin, PAST, role="auditor", id=unknown)["recordHistory"]
        nobody = api(origin, NODE, role="auditor", id=unknown)["node"]
        browser.get(f"{origin}/app/editors/{unknown}")
        not_found = wait.until(lambda driver: texts(driver, "main [role=alert]"), "no message")
        faults += accessibility_faults(browser)

        # The editor sees the record inactive, with the actions; a flag is taken as the API says.
        signed_in(browser, "editor-token")
        browser.get(f"{origin}/app/editors/{service['id']}")
        wait.until(ready, "the editor's page is not ready")
        editor_notice = texts(browser, "#record-notice")
        editor_status = texts(browser, "#record-status")
        browser.find_element(By.CSS_SELECTOR, ".actions [data-kind=flag]").click()
        reason = wait.until(lambda driver: driver.find_element(By.CSS_SELECTOR, "[name=reason]"))
        reason.send_keys("Fermé ? À confirmer")
        browser.find_element(By.CSS_SELECTOR, ".action button[type=submit]").click()
        wait.until(lambda driver: "Fermé ? À confirmer" in texts(driver, ".changes .after"))
        flagged = api(origin, PAST, id=service["id"])["recordHistory"]
        editor_fields = texts(browser, ".changes li code")
        faults += accessibility_faults(browser)

    assert hidden is None  # what made the page say "not found" before
    assert not past["pageInfo"]["hasNextPage"]
    assert latest["status"] == "inactive"
    assert opener_rows == []
    assert refused_text, refused_text
    assert still_there
    assert shown_fields == [change["field"] for change in past["nodes"]]
    assert title == [latest["name.fr"]]
    assert len(notice) == 1, notice
    assert "hors service" in notice[0], notice
    assert status == ["Inactive"]
    hidden_fields = {"name.fr", "name.en", "kind", "status"}
    assert summary == [field for field in latest if field not in hidden_fields]
    assert auditor_actions == []
    assert focused == "record-title"
    assert phone_width <= PHONE, f"the page is {phone_width} px wide on a {PHONE} px screen"
    assert nowhere["totalCount"] == 0
    assert nobody is None
    assert len(not_found) == 1, not_found
    assert "Fiche introuvable" in not_found[0], not_found
    assert len(editor_notice) == 1, editor_notice
    assert "inactive" in editor_notice[0], editor_notice
    assert editor_status == ["Inactive"]
    assert flagged["totalCount"] == past["totalCount"] + 1
    assert flagged["nodes"][-1]["field"] == "flagged_reason"
    assert editor_fields == [change["field"] for change in flagged["nodes"]]
    assert not faults, faults
