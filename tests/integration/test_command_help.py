"""What the command tells before it opens anything: its version, and the projections it runs."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from infra.bootstrap import PROJECTIONS, Container
from infra.cli import build_parser


def test_the_version_is_the_package_s(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--version"])

    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"guichet {version('guichet')}"


def test_the_help_of_project_and_rebuild_names_every_projection_a_container_runs(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tuple(container.views) == PROJECTIONS
    for command in (["project", "--help"], ["projections", "rebuild", "--help"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(command)
        shown = " ".join(capsys.readouterr().out.split())
        assert "projections: " + ", ".join(PROJECTIONS) in shown
