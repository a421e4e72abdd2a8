"""The indices behind the read and write aliases, made, resumed and swapped only by the process
that runs the search projection (it holds the view's lock; the API never makes an index).

- The read alias is only ever on a complete index: a rebuild writes into a new index, and
  searches move to it in one `_aliases` request once it has reached the head of the log.
  Before the very first index is complete there is no read alias (searches are unavailable).
- The write alias is on exactly one index, marked `is_write_index`; it moves in one request.
- The index the projection writes into is recorded in PostgreSQL with its tracking position
  (`OpenSearchSearchView`). When the write alias is not on that index alone (a volume reset,
  an index deleted by hand, a crash between two steps, a concrete index named like the alias),
  a new index is made and the log replayed into it; the indices no alias names are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch

from infra.search.opensearch_errors import projection_calls
from infra.search.opensearch_index import MAPPINGS, SETTINGS, IndexNames

log = logging.getLogger(__name__)


def index_body() -> dict[str, Any]:
    """What an index is made with: its analysis settings and its mapping."""
    return {"settings": SETTINGS, "mappings": MAPPINGS}


def body_digest() -> str:
    """Changes whenever the settings or the mapping change: part of the view's definition, so
    a change is a rebuild into a new index."""
    text = json.dumps(index_body(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Layout:
    """Guichet's indices of one schema, each with the aliases it carries."""

    aliases: dict[str, frozenset[str]]

    def holding(self, alias: str) -> list[str]:
        return sorted(index for index, names in self.aliases.items() if alias in names)

    def unnamed(self) -> list[str]:
        return sorted(index for index, names in self.aliases.items() if not names)


@dataclass(frozen=True)
class Ready:
    index: str
    building: bool  # searches read another index (or none) until this one is complete


class IndexBootstrap:
    def __init__(self, client: OpenSearch, names: IndexNames) -> None:
        self.client = client
        self.names = names

    def layout(self) -> Layout:
        found = self.client.indices.get_alias(index=self.names.pattern)
        return Layout(
            {
                index: frozenset(entry.get("aliases", {}))
                for index, entry in found.items()
                if self.names.owns(index)
            }
        )

    def ready(self, recorded: str | None) -> Ready:
        """The index to write into: `recorded` while the write alias is on it alone, else a
        new one (the caller then replays the log into it)."""
        with projection_calls(self.names.alias):
            layout = self.layout()
            if recorded is not None and layout.holding(self.names.write) == [recorded]:
                self._delete_unnamed(layout)
                return Ready(recorded, recorded not in layout.holding(self.names.alias))
            return Ready(self._start(layout), True)

    def _start(self, layout: Layout) -> str:
        index = self.names.new_index()
        indices = self.client.indices
        indices.put_index_template(
            name=self.names.template,
            body={"index_patterns": [self.names.pattern], "template": index_body()},
        )
        indices.create(index=index, body=index_body())
        writers = layout.holding(self.names.write)
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.names.write}} for old in writers
        ]
        if not writers and indices.exists(index=self.names.write):
            # A concrete index named like the alias (a bulk write after a volume reset, by a
            # version of Guichet without `require_alias`): never the projection's.
            log.warning("deleting index %s, named like the write alias", self.names.write)
            actions.append({"remove_index": {"index": self.names.write}})
        actions.append({"add": {"index": index, "alias": self.names.write, "is_write_index": True}})
        indices.update_aliases(body={"actions": actions})
        log.info("search projection: writing into new index %s", index)
        self._delete_unnamed(self.layout())
        return index

    def promote(self, index: str) -> None:
        """Points searches at `index`, now complete, in one request, then deletes the indices
        no alias names any more."""
        with projection_calls(self.names.alias):
            indices = self.client.indices
            indices.refresh(index=index)
            layout = self.layout()
            readers = layout.holding(self.names.alias)
            if readers != [index]:
                actions: list[dict[str, Any]] = [
                    {"remove": {"index": old, "alias": self.names.alias}}
                    for old in readers
                    if old != index
                ]
                actions.append({"add": {"index": index, "alias": self.names.alias}})
                indices.update_aliases(body={"actions": actions})
                log.info("searches now read index %s", index)
                layout = self.layout()
            self._delete_unnamed(layout)

    def _delete_unnamed(self, layout: Layout) -> None:
        unnamed = layout.unnamed()
        if unnamed:
            self.client.indices.delete(index=",".join(unnamed))
