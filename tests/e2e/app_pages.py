"""The browser app's pages, one line each: the page benchmark (`bench/pages.py`) loads every one
on the demo data, and `test_app_pages.py` checks every one (widths, console, requests, headers,
axe, languages). A page is ready when its screen's outermost element carries `data-ready`.

A new screen is one more line: its URL under `/app/`, the token of a role that sees it (`None`
for the public), and what it must show on the demo data in French and in English."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from infra.bootstrap import Container
from infra.cli.serving import load_demo_contacts, load_demo_directory
from infra.demo import demo_id
from infra.demo_calls import recent_plan

MARKER = "data-ready"
READY = f"[{MARKER}]"


@dataclass(frozen=True)
class Page:
    name: str  # also the test's id and the benchmark's row
    path: str  # under the server's root, query string included
    token: str | None  # one of tests/support/tokens.py, or None for the public
    french: str  # a text the ready page shows in French and no longer in English
    english: str  # and the same text in English


# The first demo hub's first service (every hub offers it).
RECORD = demo_id("service", 0, 0)

# The period of the demo's recent contacts, which `serve --demo` logs on its first start.
RECENT = recent_plan(date.today())
PERIOD = f"du={RECENT.start.isoformat()}&au={RECENT.end.isoformat()}"

PAGES = (
    Page(
        "contacts",
        "/app/contacts",
        "counsellor-token",
        "Écoute : contacts",
        "Counselling: contacts",
    ),
    Page("search", "/app/search?q=banque+alimentaire", None, "résultat", "result"),
    Page("record", f"/app/services/{RECORD}", None, "Téléphones", "Phones"),
    Page("portrait", f"/app/portrait?{PERIOD}", None, "Besoins par catégorie", "Needs by category"),
    Page(
        "portrait-analyst",
        f"/app/portrait?{PERIOD}&territoire=RA-06",
        "analyst-token",
        "Chiffres exacts",
        "Exact figures",
    ),
    Page(
        "coverage",
        "/app/coverage?date=2021-06-01",
        None,
        "Couverture au fil du temps",
        "Coverage over time",
    ),
    Page(
        "editors", "/app/editors", "editor-token", "Vérification des fiches", "Record verification"
    ),
    Page(
        "editors-record",
        f"/app/editors/{RECORD}",
        "editor-token",
        "Historique des champs",
        "Field history",
    ),
    Page(
        "editors-audit",
        "/app/editors",
        "auditor-token",
        "Historique des fiches",
        "Records' history",
    ),
)


def sign_in(origin: str, token: str | None) -> str:
    """A script, set to run before the page's own, that puts the page's token in the session
    storage the app reads it from (and takes it out for the public)."""
    return f"""if (location.origin === {json.dumps(origin)}) {{
  const token = {json.dumps(token)};
  if (token) sessionStorage.setItem("guichet.token", token);
  else sessionStorage.removeItem("guichet.token");
}}"""


def load_pages_demo(container: Container) -> None:
    """What `guichet serve --demo` loads, with every view brought up to date (the tests' server
    runs no projection)."""
    load_demo_directory(container)
    load_demo_contacts(container)
    for runner in container.runners.values():
        runner.bring_up_to_date()
