"""The vendored GraphiQL files are the ones the vendoring script checked and recorded, and
ship with their licences."""

from __future__ import annotations

import hashlib

from api.assets import STATIC

VENDORED = STATIC / "graphiql"
SCRIPT = STATIC.parents[1] / "scripts" / "vendor.sh"


def test_every_vendored_file_has_the_digest_recorded_for_it() -> None:
    lines = (VENDORED / "SHA256SUMS").read_text().splitlines()
    recorded = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}

    assert {path.name for path in VENDORED.iterdir()} == {*recorded, "SHA256SUMS", "VERSIONS"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name


def test_each_library_ships_its_licence_and_its_version_is_named() -> None:
    versions = (VENDORED / "VERSIONS").read_text()

    for package, pinned in (("graphiql", "3.8.3"), ("react", "18.3.1"), ("react-dom", "18.3.1")):
        assert "MIT License" in (VENDORED / f"LICENSE.{package}").read_text()
        assert f"{package}/-/{package}-{pinned}.tgz" in versions
        assert f"{package}@{pinned}|sha512-" in SCRIPT.read_text()
