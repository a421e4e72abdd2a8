"""A backup's manifest is read as hostile input, each field checked and named when wrong; the
text of a dump's rows is read back as PostgreSQL's COPY wrote it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import orjson
import pytest

from infra.audit_chain import link
from infra.backup.archive import BackupError, Manifest
from infra.backup.chain import Follower, bytea, unescape
from infra.cli.backup import describe

MANIFEST = Manifest(
    guichet="0.1.0", postgresql="18.6", pg_dump="18.6", created_at="2026-12-06T10:00:00+00:00",
    schema="guichet", last_position=2201, events=2199, chain_head="ab" * 32,
    tables={"guichet_events": 2199, "persisted_documents": 1}, compression="gzip",
    dump_bytes=339_389, dump_sha256="cd" * 32,
)  # fmt: skip


def changed(**fields: Any) -> bytes:
    return orjson.dumps({**orjson.loads(MANIFEST.to_json()), **fields})


def test_a_manifest_reads_back_as_written() -> None:
    assert Manifest.parse(MANIFEST.to_json()) == MANIFEST
    empty = replace(
        MANIFEST, last_position=0, events=0, chain_head="", tables={"guichet_events": 0}
    )
    assert Manifest.parse(empty.to_json()) == empty


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"format": "other"}, "its manifest is not a Guichet backup's"),
        ({"version": 2}, "its manifest is of version 2; this Guichet reads version 1"),
        ({"chain_head": "AB" * 32}, "its manifest's chain_head is missing or invalid"),
        ({"chain_head": "ab" * 31}, "its manifest's chain_head is missing or invalid"),
        ({"dump_sha256": ""}, "its manifest's dump_sha256 is missing or invalid"),
        ({"events": -1}, "its manifest's events is missing or invalid"),
        ({"events": 2199.0}, "its manifest's events is missing or invalid"),
        ({"last_position": True}, "its manifest's last_position is missing or invalid"),
        ({"schema": "Guichet; DROP"}, "its manifest's schema is missing or invalid"),
        ({"guichet": "x" * 201}, "its manifest's guichet is missing or invalid"),
        ({"tables": {}}, "its manifest's tables is missing or invalid"),
        ({"tables": {"guichet_events": "many"}}, "its manifest's tables are unreadable"),
        ({"tables": {"Bad Name": 1}}, "its manifest's tables are unreadable ('Bad Name')"),
        ({"created_at": "x"}, "its manifest's created_at is missing or invalid"),
        ({"created_at": "2026-12-06"}, "its manifest's created_at is missing or invalid"),
        ({"guichet": "guichet 0.1.0"}, "its manifest's guichet is missing or invalid"),
        ({"pg_dump": "18.6 (Debian)"}, "its manifest's pg_dump is missing or invalid"),
        ({"postgresql": "x"}, "its manifest's postgresql is missing or invalid"),
        ({"compression": "gzip:1\n"}, "its manifest's compression is missing or invalid"),
        ({"schema": "guichet\n"}, "its manifest's schema is missing or invalid"),
    ],
)
def test_a_field_out_of_bounds_is_named(fields: dict[str, Any], said: str) -> None:
    with pytest.raises(BackupError) as refused:
        Manifest.parse(changed(**fields))
    assert str(refused.value).startswith(said)


@pytest.mark.parametrize(
    "fields",
    [
        {"guichet": "0.2.dev3+g1a2b3c4"},
        {"postgresql": "16.4", "pg_dump": "18.1"},
        {"postgresql": "17beta1"},
        {"compression": "none"},
        {"compression": "zstd:3"},
        {"created_at": "2026-12-06T10:00:00.123456-05:00"},
    ],
)
def test_descriptive_fields_of_other_servers_and_versions_are_read(fields: dict[str, Any]) -> None:
    assert Manifest.parse(changed(**fields)) == replace(MANIFEST, **fields)


def test_counts_of_one_are_singular() -> None:
    one = replace(
        MANIFEST, events=1, tables={"guichet_events": 1, "persisted_documents": 0,
                                    "statistics_rounding": 1},
    )  # fmt: skip
    said = describe(one)
    assert said.startswith("1 event up to position 2,201, ")
    assert "; 0 rows of persisted_documents, 1 row of statistics_rounding; taken " in said


def test_a_manifest_that_is_no_json_object_is_refused() -> None:
    for text in (b"[1, 2]", b"\xff", b"{"):
        with pytest.raises(BackupError):
            Manifest.parse(text)


def test_copy_text_escapes_are_read_back() -> None:
    assert unescape(b"plain") == b"plain"
    assert unescape(b"a\\tb\\nc\\\\d") == b"a\tb\nc\\d"
    assert unescape(b"\\101\\x42") == b"AB"
    assert bytea(b"\\\\x00ff10") == b"\x00\xff\x10"
    assert bytea(b"\\N") is None
    with pytest.raises(BackupError):
        bytea(b"escaped\\\\000")


def rows(payloads: list[bytes]) -> list[bytes]:
    """Rows of the log as COPY writes them (columns in the table's order), chained."""
    made, previous = [], b""
    for position, payload in enumerate(payloads, start=1):
        originator = UUID(int=position)
        chain = link(previous, position, "t", originator, 1, payload)
        made.append(b"\t".join([
            str(originator).encode(), b"1", b"t", b"\\\\x" + payload.hex().encode(),
            str(position).encode(), b"\\\\x" + chain.hex().encode(),
        ]) + b"\n")  # fmt: skip
        previous = chain
    return made


COLUMNS = ["originator_id", "originator_version", "topic", "state", "notification_id", "chain"]


def test_rows_in_the_log_s_order_are_checked_as_they_pass() -> None:
    follower = Follower(COLUMNS)
    for row in rows([b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']):
        follower(row)
    assert (follower.ordered, follower.broken_at, follower.events) == (True, None, 3)


def test_a_changed_payload_breaks_the_chain_at_its_position() -> None:
    made = rows([b'{"a": 1}', b'{"b": 2}', b'{"c": 3}'])
    made[1] = made[1].replace(
        b"\\x" + b'{"b": 2}'.hex().encode(), b"\\x" + b'{"b": 9}'.hex().encode()
    )
    follower = Follower(COLUMNS)
    for row in made:
        follower(row)
    assert (follower.ordered, follower.broken_at) == (True, 2)


def test_rows_out_of_order_are_left_to_a_check_in_the_log_s_order() -> None:
    first, second, third = rows([b"1", b"2", b"3"])
    follower = Follower(COLUMNS)
    for row in (first, third, second):
        follower(row)
    assert follower.ordered is False
