"""The headers of a backup file's members, read with bounded sizes, as `tarfile` writes them
(a dump of 8 GiB or more gets a pax header, or a base-256 size in GNU's format), and the
compression a `pg_dump` custom-format header records."""

from __future__ import annotations

import io
import tarfile
from typing import Literal

import pytest

from infra.backup import dump_format, tar

BIG = 9 << 30  # beyond ustar's 11 octal digits


def headers(*members: tarfile.TarInfo, form: Literal[0, 1, 2] = tarfile.PAX_FORMAT) -> io.BytesIO:
    """The members' headers, each followed by as many zero bytes as its data (none here when
    the size is large: only the headers are read)."""
    out = io.BytesIO()
    for member in members:
        out.write(member.tobuf(format=form))
        if member.size < 1 << 20:
            out.write(bytes(-(-member.size // 512) * 512))
    return out


def info(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    return member


@pytest.mark.parametrize("form", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_a_dump_of_nine_gibibytes_is_read_with_its_size(form: Literal[0, 1, 2]) -> None:
    file = headers(info("manifest.json", 700), info("log.dump", BIG), form=form)
    first = tar.next_member(file, 0)
    assert first is not None
    assert (first.name, first.size, first.offset, first.regular) == (
        "manifest.json",
        700,
        512,
        True,
    )
    second = tar.next_member(file, tar.after(first))
    assert second is not None
    assert (second.name, second.size, second.regular) == ("log.dump", BIG, True)
    assert second.offset % 512 == 0
    assert second.offset > tar.after(first)  # after its own pax header, when it has one


def test_the_end_of_the_archive_is_no_member() -> None:
    file = headers(info("manifest.json", 10))
    file.write(bytes(1024))
    first = tar.next_member(file, 0)
    assert first is not None
    assert tar.next_member(file, tar.after(first)) is None
    assert tar.next_member(io.BytesIO(), 0) is None


def test_a_pax_header_larger_than_its_bound_is_refused_before_it_is_read() -> None:
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, tar.EXTENDED_MAX + 1
    file = io.BytesIO(header.tobuf(format=tarfile.USTAR_FORMAT))  # and no data at all
    with pytest.raises(tar.TarError, match=r"a pax header of 65,537 bytes \(at most 65,536\)"):
        tar.next_member(file, 0)


def test_a_damaged_header_is_no_tar_header() -> None:
    block = bytearray(info("manifest.json", 10).tobuf(format=tarfile.USTAR_FORMAT))
    block[0] ^= 1
    with pytest.raises(tar.TarError) as refused:
        tar.next_member(io.BytesIO(bytes(block)), 0)
    assert refused.value.foreign
    with pytest.raises(tar.TarError) as cut:
        tar.next_member(io.BytesIO(b"not a backup\n"), 0)
    assert cut.value.truncated


def test_a_link_says_where_it_points() -> None:
    link = tarfile.TarInfo("log.dump")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    found = tar.next_member(headers(link), 0)
    assert found is not None
    assert not found.regular
    assert found.described() == "a symbolic link (to /etc/passwd)"


# PGDMP, archive 1.16.0, int and offset sizes 4 and 8, custom format, then the algorithm.
HEAD_1_16 = b"PGDMP\x01\x10\x00\x04\x08\x01"
# Archive 1.14 (PostgreSQL 15): the gzip level as an int (sign byte, then 4 bytes).
HEAD_1_14 = b"PGDMP\x01\x0e\x00\x04\x08\x01"


def test_the_compression_a_dump_records_is_read() -> None:
    assert dump_format.compression(HEAD_1_16 + b"\x01" + bytes(8)) == "gzip"
    assert dump_format.compression(HEAD_1_16 + b"\x00" + bytes(8)) == "none"
    assert dump_format.compression(HEAD_1_16 + b"\x03" + bytes(8)) == "zstd"
    assert dump_format.compression(HEAD_1_14 + b"\x00\x06\x00\x00\x00") == "gzip"
    assert dump_format.compression(HEAD_1_14 + b"\x00\x00\x00\x00\x00") == "none"
    assert dump_format.consistent("gzip:6", HEAD_1_16 + b"\x01" + bytes(8)) is None
    said = dump_format.consistent("none", HEAD_1_16 + b"\x01" + bytes(8))
    assert said == (
        "its manifest records the compression none, its dump's header gzip: the file was altered"
    )


@pytest.mark.parametrize(
    "head",
    [b"-- PostgreSQL database dump\n", b"PGDMP\x01\x10\x00\x04\x08\x03\x01\x00",
     HEAD_1_16 + b"\x09" + bytes(8), b"PGDMP\x02\x00\x00\x04\x08\x01\x01\x00"],
)  # fmt: skip
def test_other_headers_are_no_custom_format_dump(head: bytes) -> None:
    with pytest.raises(dump_format.NotADump):
        dump_format.compression(head)
