"""Contacts sent together are saved together, and each request still gets its own answer."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from psycopg import sql

from domain.errors import InvalidInput
from domain.operations import Logged
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.contacts import ContactSaver, ContactWriter
from infra.demo_calls import Plan, generate
from infra.territories import load_reference
from infra.views.base import LOG_TABLE

PLAN = Plan(60, date(2018, 4, 1), date(2018, 4, 3), seed=21)


def test_concurrent_contacts_share_transactions_and_keep_their_receipts(
    container: Container,
) -> None:
    load_reference(container.operations, SystemClock())
    writer = ContactWriter(container.operations, max_batch=16)
    contacts = list(generate(PLAN))
    already = next(iter(generate(PLAN)))
    first = ContactSaver(container.operations).log(already)  # a retried request, below
    twins = list(generate(PLAN))[1:3]  # the same keys as contacts[1:3], sent again
    # The same key with other content (another plan, the same seed): refused, alone.
    other = list(generate(Plan(PLAN.count + 7, PLAN.start, PLAN.end, seed=PLAN.seed)))[3]
    assert other.key == contacts[3].key
    assert other.digest != contacts[3].digest
    sent = [*contacts, *twins, other]
    log_table = sql.Identifier(container.database.schema, LOG_TABLE)
    try:
        with ThreadPoolExecutor(len(sent)) as pool, container.database.connect() as blocker:
            # While another transaction holds the log's lock, the first save waits on it and
            # every other contact queues behind it: the next transaction takes them together.
            with blocker.transaction():
                blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(log_table))
                futures = [pool.submit(writer.log, contact) for contact in sent]
                time.sleep(0.5)
            outcomes = [f.exception() or f.result() for f in futures]
    finally:
        writer.close()
    refused = outcomes.pop()
    assert isinstance(refused, InvalidInput)
    assert refused.field == "input.key"
    results = [outcome for outcome in outcomes if isinstance(outcome, Logged)]
    assert len(results) == len(outcomes)

    by_id: dict[object, list[Logged]] = {}
    for contact, result in zip([*contacts, *twins], results, strict=True):
        assert result.receipt.id == contact.id
        by_id.setdefault(contact.id, []).append(result)
    assert by_id[already.id][0].replayed
    assert by_id[already.id][0].receipt == first.receipt
    for twin in twins:
        assert sorted(r.replayed for r in by_id[twin.id]) == [False, True]  # logged once
    fresh = [r for r in results if not r.replayed]
    assert len({r.receipt.position for r in fresh}) == len(fresh) == PLAN.count - 1
    stored = container.operations.recorder.select_notifications(start=1, limit=10**6)
    logged = [n for n in stored if n.topic.endswith("Interaction.Logged")]
    assert len(logged) == PLAN.count
    with container.database.connect() as conn:
        transactions = conn.execute(
            sql.SQL("SELECT count(DISTINCT xmin::text) FROM {} WHERE topic = %s").format(log_table),
            (logged[0].topic,),
        ).fetchone()
    assert transactions is not None
    # The contact logged before, the first save (alone, then held), then batches of 16.
    assert transactions[0] <= 2 + math.ceil(PLAN.count / 16), "saved one by one"
