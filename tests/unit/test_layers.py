"""The layers, read from the source so that new code is held to them too: the API only parses,
calls handlers and maps (it checks no role by hand, builds no aggregate and never reaches the
event store), and no production module passes 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from domain.catalog import AGGREGATES

API = Path(__file__).resolve().parents[2] / "api"
# The one mechanism that applies the role table, and the context it reads the caller from.
ROLE_MECHANISM = {"access.py", "context.py", "exposure.py", "guards.py"}
STORE = {"repository", "recorder", "save", "save_in_chunks"}


def modules() -> list[Path]:
    return sorted(API.rglob("*.py"))


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aggregates = {aggregate.__name__ for aggregate in AGGREGATES}
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("domain"):
            for alias in node.names:
                if alias.name in aggregates:
                    found.append(f"{where} imports the aggregate {alias.name}")
        elif isinstance(node, ast.Attribute):
            if node.attr in STORE or (node.attr == "operations" and _container(node.value)):
                found.append(f"{where} reaches the event store through .{node.attr}")
            if node.attr in ("require", "has") and path.name not in ROLE_MECHANISM:
                found.append(f"{where} checks a role by hand (.{node.attr})")
        elif isinstance(node, ast.Compare) and path.name not in ROLE_MECHANISM:
            # Signed in or not is who the caller is (rates, budgets); any other role is policy.
            named = {
                part.attr
                for part in ast.walk(node)
                if isinstance(part, ast.Attribute)
                and isinstance(part.value, ast.Name)
                and part.value.id == "Role"
            }
            if named - {"PUBLIC"}:
                found.append(f"{where} compares a role by hand (Role.{min(named - {'PUBLIC'})})")
    return found


def _container(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "container") or (
        isinstance(node, ast.Attribute) and node.attr == "container"
    )


def test_the_api_has_modules_to_check() -> None:
    assert len(modules()) > 10


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(API)))
def test_resolvers_only_parse_call_and_map(path: Path) -> None:
    assert offences(path) == []


def test_the_check_finds_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from domain.directory import Organization\n"
        "def resolve(context):\n"
        "    context.require('editor')\n"
        "    context.principal.has('editor')\n"
        "    assert context.principal.role is Role.ADMIN\n"
        "    return context.container.operations.save(Organization)\n",
        encoding="utf-8",
    )
    assert len(offences(bad)) == 6


PRODUCTION = ("api", "domain", "infra", "projections")
MOST_LINES = 400


def test_no_production_module_passes_four_hundred_lines() -> None:
    root = API.parent
    long = {
        str(path.relative_to(root)): lines
        for package in PRODUCTION
        for path in (root / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert long == {}
