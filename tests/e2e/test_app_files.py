"""The browser app's vendored files (and the tests' axe-core) are the ones the vendoring script
checked and recorded, ship with their licences, and are pinned alike in the script and in
VERSIONS."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.assets import STATIC

ROOT = STATIC.parents[1]
SCRIPT = ROOT / "scripts" / "vendor.sh"
APP = STATIC / "app" / "vendor"
AXE = ROOT / "tests" / "e2e" / "axe"


@pytest.mark.parametrize("vendored", [APP, AXE], ids=["app", "axe"])
def test_every_vendored_file_has_the_digest_recorded_for_it(vendored: Path) -> None:
    lines = (vendored / "SHA256SUMS").read_text().splitlines()
    recorded = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}

    assert {path.name for path in vendored.iterdir()} == {*recorded, "SHA256SUMS", "VERSIONS"}
    for name, digest in recorded.items():
        assert hashlib.sha256((vendored / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    ("vendored", "package", "pinned", "licence"),
    [
        (APP, "htm", "3.1.1", "Apache License"),
        (APP, "preact", "10.9.0", "MIT License"),
        (APP, "chart.js", "4.5.1", "The MIT License"),
        (AXE, "axe-core", "4.14.1", "Mozilla Public License"),
    ],
)
def test_each_library_ships_its_licence_and_one_pinned_version(
    vendored: Path, package: str, pinned: str, licence: str
) -> None:
    versions = (vendored / "VERSIONS").read_text()
    script = SCRIPT.read_text()
    integrity = script.split(f'"{package}@{pinned}|', 1)[1].split("|", 1)[0]

    assert licence in (vendored / f"LICENSE.{package}").read_text()
    assert f"{package}/-/{package}-{pinned}.tgz" in versions
    assert integrity.startswith("sha512-")
    assert integrity in versions


def test_the_stylesheet_closes_every_block_before_each_screens_section() -> None:
    """A brace lost in a merge once put every later screen's rules inside a media query, and
    the page test saw nothing wrong: each screen's section starts at the top level."""
    depth = 0
    for number, line in enumerate((STATIC / "app" / "app.css").read_text().splitlines(), 1):
        if line.startswith("/*"):
            assert depth == 0, f"app.css:{number}: a section starts inside a block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css:{number}: a brace closes nothing"
    assert depth == 0, "app.css ends inside a block"
