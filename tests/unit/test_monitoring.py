"""The monitoring files in `deploy/` against the metrics the app exports, and the labels a
request is counted under."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from api.observe import MOST_NAMES, Observed, OperationNames, RequestMetrics, outcome
from infra.bootstrap import ViewStatus
from infra.metrics import Metrics, StateCollector

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "guichet.json"
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
METRIC = re.compile(r"\bguichet_[a-z_]+\b")


class Watched:
    def status(self) -> list[ViewStatus]:
        return [ViewStatus("directory", 3, 5, None)]

    def head(self) -> int:
        return 5


def exported() -> set[str]:
    """Every sample name a scrape may carry."""
    metrics = Metrics()
    metrics.registry.register(StateCollector(Watched(), dict))
    return {
        family.name + suffix
        for family in metrics.registry.collect()
        for suffix in SUFFIXES[family.type]
    }


def expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def unknown(found: Iterable[tuple[str, str]], known: set[str]) -> list[str]:
    """Panels whose expression names no metric, or one the app does not export."""
    wrong = []
    for title, expr in found:
        names = METRIC.findall(expr)
        if not names:
            wrong.append(f"{title}: names no metric")
        wrong += [f"{title}: {name}" for name in names if name not in known]
    return wrong


def test_every_panel_of_the_dashboard_reads_a_metric_the_app_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found = expressions(dashboard)
    assert len(found) >= len(dashboard["panels"]) >= 8
    assert unknown(found, exported()) == []
    wanted = {"guichet_projection_lag_events", "guichet_graphql_request_duration_seconds_bucket",
              "guichet_contacts_logged_total", "guichet_pool_connections"}  # fmt: skip
    assert wanted <= {name for _, expr in found for name in METRIC.findall(expr)}


def test_the_check_finds_a_metric_that_is_not_exported() -> None:
    found = [("lag", "max by (view) (guichet_projection_lags)"), ("nothing", "vector(1)")]
    assert unknown(found, exported()) == [
        "lag: guichet_projection_lags", "nothing: names no metric"
    ]  # fmt: skip


def test_the_dashboard_reads_the_provisioned_datasource_and_prometheus_scrapes_the_api() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    provisioned = (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    uids = {panel["datasource"]["uid"] for panel in dashboard["panels"]}
    assert uids == {"prometheus"}
    assert re.search(r"^\s+uid: prometheus$", provisioned, re.MULTILINE)
    scrape = (DEPLOY / "prometheus.yml").read_text()
    assert "metrics_path: /metrics" in scrape
    assert '"api:8211"' in scrape


def test_a_scrape_reads_each_view_and_says_when_the_database_does_not_answer() -> None:
    class Down(Watched):
        def status(self) -> list[ViewStatus]:
            raise OSError("connection refused")

    def samples(watched: Watched) -> dict[str, float]:
        collector = StateCollector(watched, dict)
        return {
            sample.name + str(sorted(sample.labels.values())): sample.value
            for family in collector.collect()
            for sample in family.samples
        }

    up = samples(Watched())
    assert up["guichet_projection_lag_events['directory']"] == 2
    assert up["guichet_database_up[]"] == 1
    assert samples(Down()) == {"guichet_database_up[]": 0}


def test_operation_names_are_bounded() -> None:
    names = OperationNames(most=2)
    assert names.label(None) == names.label("") == "anonymous"
    assert names.label("First", trusted=True) == "First"
    assert names.label("not a name", trusted=True) == names.label("x" * 65, trusted=True) == "other"
    assert names.label("Second", trusted=True) == "Second"
    assert names.label("Third", trusted=True) == "other"  # past the most kept
    assert names.label("First", trusted=True) == "First"  # a kept name stays
    assert names.label("Registered", persisted=True) == "Registered"
    assert names.label("Registered", trusted=True) == "Registered"


def test_an_operation_name_that_is_not_text_is_counted_as_other() -> None:
    # `operationName` is whatever JSON the client sent; a request refused for it is still counted.
    names = OperationNames()
    assert names.label(7, trusted=True) == names.label(["x"], persisted=True) == "other"
    assert names.label(0, trusted=True) == names.label(False, trusted=True) == "other"


def test_only_registered_or_signed_in_answered_names_take_a_place() -> None:
    names = OperationNames(most=2)
    for number in range(10):  # the public, or a signed-in caller's refused document
        assert names.label(f"Junk{number}") == "other"
    assert names.kept == set()
    assert names.label("Real", trusted=True) == "Real"
    assert names.label("Real") == "other"  # the public's request of that name is not its
    assert names.label("Registered", persisted=True) == "Registered"

    assert MOST_NAMES >= 50


def test_a_monitoring_token_takes_no_place_among_the_names() -> None:
    requests = RequestMetrics(Metrics())
    for number in range(3):
        requests.record(0.0, 200, Observed(operation=f"Fill{number}"), "monitoring")
    requests.record(0.0, 200, Observed(operation="Real"), "editor")
    assert requests.names.kept == {"Real"}


@pytest.mark.parametrize(
    ("status", "errors", "expected"),
    [(200, False, "ok"), (200, True, "errors"), (400, False, "invalid"),
     (401, False, "unauthenticated"), (413, False, "limited"), (429, False, "limited"),
     (405, False, "refused"), (500, False, "failed")],
)  # fmt: skip
def test_outcomes(status: int, errors: bool, expected: str) -> None:
    assert outcome(status, errors) == expected
