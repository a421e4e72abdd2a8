"""The log's write sends the events' columns in binary; what is stored is what the library's
own write (text parameters, an array of composite rows) stores, byte for byte."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from infra.bootstrap import Container
from infra.event_log import EventLogRecorder

# Every byte value, and the ones the text forms of arrays and bytea escape.
STATES = [
    bytes(range(256)),
    b"",
    b'{"a": "\\\\", "b": "\\"", "c": "{,}", "d": "NULL"}',
    b"\x00\\x00\\\\",
    "é ü 中 \u2028".encode(),
]
TOPICS = ["domain.interactions:Interaction.Logged", 'a "quoted", {braced} \\ topic', "é", "NULL"]
VERSIONS = [1, 2, 2**31, 2**62]


def events(originator: UUID) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=originator,
            originator_version=version,
            topic=TOPICS[index % len(TOPICS)],
            state=STATES[index % len(STATES)],
        )
        for index, version in enumerate(VERSIONS)
    ]


def test_binary_columns_store_what_the_library_stores(container: Container) -> None:
    recorder = container.operations.recorder
    assert isinstance(recorder, EventLogRecorder)
    ours, theirs = uuid4(), uuid4()
    sent_ours = events(ours)
    ids = recorder.insert_events(sent_ours)
    PostgresApplicationRecorder.insert_events(recorder, events(theirs))
    assert ids is not None
    assert len(ids) == len(VERSIONS)
    assert list(ids) == sorted(ids)
    read_ours = recorder.select_events(ours)
    read_theirs = recorder.select_events(theirs)
    assert [(e.originator_version, e.topic, bytes(e.state)) for e in read_ours] == [
        (e.originator_version, e.topic, bytes(e.state)) for e in read_theirs
    ]
    assert [bytes(e.state) for e in read_ours] == [e.state for e in sent_ours]
    assert [e.originator_id for e in read_ours] == [ours] * len(VERSIONS)


def test_every_state_stored_whole_in_one_write(container: Container) -> None:
    recorder = container.operations.recorder
    assert isinstance(recorder, EventLogRecorder)
    sent = [StoredEvent(uuid4(), 1, topic, state) for state in STATES for topic in TOPICS]
    ids = recorder.insert_events(sent)
    assert ids is not None
    assert len(ids) == len(sent)
    for event in sent:
        [read] = recorder.select_events(event.originator_id)
        assert (read.originator_version, read.topic, bytes(read.state)) == (
            1,
            event.topic,
            event.state,
        )
