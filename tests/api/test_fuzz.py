"""The API under generated documents: refused or answered, never failed, never half-written."""

from __future__ import annotations

from collections.abc import Callable

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.territories import load_reference
from tests.support.fuzzing import ROLES, SETTINGS, fuzz, hostile_fuzz

# Documents per run, each sent as every role; `python -m bench.fuzz` runs many more.
EXAMPLES = 60


def test_generated_documents_get_no_server_error_and_refusals_store_nothing(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, **SETTINGS})
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    findings = fuzz(container, EXAMPLES)
    assert findings.requests >= EXAMPLES * len(ROLES)
    assert findings.mutations > 0
    assert findings.server_errors == [], "\n".join(findings.server_errors)
    assert findings.stored_by_refused == []


# Six for each root field, each sent over HTTP as every role and over WebSocket as one;
# `python -m bench.fuzz --hostile` runs many more.
HOSTILE_EXAMPLES = 360


def test_hostile_variables_over_http_and_websocket_never_fail_and_never_stop_a_view(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, **SETTINGS})
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    findings = hostile_fuzz(container, HOSTILE_EXAMPLES)
    assert findings.requests >= HOSTILE_EXAMPLES * len(ROLES) // 2  # subscriptions: WS only
    assert findings.websocket_messages + sum(findings.websocket_closes.values()) > 0
    # One list, so that a failure shows the views stuck as well as the requests that failed.
    problems = findings.server_errors + findings.stored_by_refused + findings.views
    assert problems == [], "\n".join(problems)
