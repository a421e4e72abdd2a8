"""Service areas as HSDS packages give them (official codes, URIs ending in a code, or names)
read as the territories Guichet knows."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from infra.hsds.cells import fold

_KIND_RANK = ("province", "metropolitan_community", "region", "agglomeration", "mrc")


class TerritoryNames:
    """Reads a service area given by official code or by name; an ambiguous name means the
    broadest territory of that name ("Laval" is the region, which is also the city)."""

    def __init__(self, territories: Iterable[tuple[str, str, str]]) -> None:
        self.codes: set[str] = set()
        by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for code, name, kind in territories:
            self.codes.add(code)
            rank = _KIND_RANK.index(kind) if kind in _KIND_RANK else len(_KIND_RANK)
            by_name[fold(name)].append((rank, code))
        self.names = {name: min(found)[1] for name, found in by_name.items()}
        self.upper = {code.upper(): code for code in self.codes}

    def resolve(self, value: str) -> str | None:
        text = value.strip()
        if not text:
            return None
        tail = re.split(r"[/:]", text.rstrip("/"))[-1]  # a URI or URN ending with the code
        for candidate in (text, tail):
            if candidate.upper() in self.upper:
                return self.upper[candidate.upper()]
        return self.names.get(fold(text))
