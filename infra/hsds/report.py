"""What an import did: records written, and what it skipped or could not map, with examples."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

EXAMPLES = 3
FLAGGED = "flagged for review"


@dataclass
class Tally:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


@dataclass
class Report:
    # (kind, outcome) → records; outcomes are new, changed and unchanged.
    written: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (kind, reason) → records left out entirely.
    skipped: dict[tuple[str, str], Tally] = field(default_factory=dict)
    # (kind, what) → values dropped or guessed while the record itself was imported.
    mapped: dict[tuple[str, str], Tally] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    # Files found elsewhere than the descriptor said, or not listed in it.
    relocated_files: list[str] = field(default_factory=list)
    # table → columns of the package the model has no place for.
    columns_left_out: dict[str, list[str]] = field(default_factory=dict)
    # Tables the import knows and does not use (the package's own `metadata`).
    tables_not_used: list[str] = field(default_factory=list)
    rows: int = 0  # rows of the records' tables in the package
    events: int = 0
    position: int = 0

    def skip(self, kind: str, reason: str, where: str, detail: str = "") -> None:
        self.skipped.setdefault((kind, reason), Tally()).add(_example(where, detail))

    def note(self, kind: str, what: str, where: str, detail: str = "") -> None:
        self.mapped.setdefault((kind, what), Tally()).add(_example(where, detail))

    def count(self, kind: str, outcome: str) -> None:
        self.written[(kind, outcome)] += 1

    def skipped_count(self, kind: str | None = None) -> int:
        return sum(t.count for (k, _), t in self.skipped.items() if kind in (None, k))

    def flag(self, kind: str, where: str, reason: str) -> None:
        self.note(kind, FLAGGED, where, reason)

    @property
    def flagged(self) -> int:
        return sum(t.count for (_, what), t in self.mapped.items() if what == FLAGGED)

    def placeholders(self, outcome: str) -> int:
        return self.written[("placeholder organization", outcome)]

    def recorded(self) -> int:
        return sum(n for (_, outcome), n in self.written.items() if outcome != "unchanged")

    def unchanged(self) -> int:
        return sum(n for (_, outcome), n in self.written.items() if outcome == "unchanged")

    def failure(self) -> str | None:
        """Why the import failed a user: no record in the package, or records and nothing
        recorded nor already up to date, so every one was skipped; None when it did its work."""
        if self.rows == 0:
            return "nothing imported: the package holds no organization, service or location"
        if self.recorded() or self.unchanged():
            return None
        reasons = sorted(self.skipped.items(), key=lambda item: (-item[1].count, item[0]))[:3]
        why = "; ".join(f"{t.count:,} {kind}: {reason}" for (kind, reason), t in reasons)
        return f"nothing imported from {self.rows:,} rows: every record was skipped" + (
            f" ({why})" if why else ""
        )

    def render(self) -> str:
        lines = ["Imported:"]
        for kind in ("organization", "service", "location", "service_at_location"):
            outcomes = {o: self.written[(kind, o)] for o in ("new", "changed", "unchanged")}
            lines.append(
                f"  {kind + 's':22} {outcomes['new']:>6,} new  {outcomes['changed']:>6,} changed"
                f"  {outcomes['unchanged']:>6,} unchanged"
            )
        terms = {o: self.written[("taxonomy_term", o)] for o in ("new", "unchanged")}
        if any(terms.values()):
            lines.append(
                f"  {'taxonomy terms':22} {terms['new']:>6,} new  {terms['unchanged']:>6,} "
                "already known (names already in Guichet are kept)"
            )
        placeholders = self.placeholders("new") + self.placeholders("unchanged")
        if placeholders:
            lines.append(
                f"  {placeholders:,} placeholder organizations for organizations referred to but "
                f"not in the package ({self.placeholders('new'):,} new)"
            )
        lines.append(f"  {self.events:,} facts recorded")
        if self.flagged:
            lines.append(f"  {self.flagged:,} records flagged for review")
        if self.rows and not self.recorded() and self.unchanged():
            lines.append("  Nothing to record: everything is already up to date.")
        flagged = {key: t for key, t in self.mapped.items() if key[1] == FLAGGED}
        for title, tallies in (
            ("Skipped (not imported)", self.skipped),
            ("Flagged for review", flagged),
            (
                "Imported with values left out or guessed",
                {key: t for key, t in self.mapped.items() if key not in flagged},
            ),
        ):
            if not tallies:
                continue
            lines.append(f"{title}:")
            for (kind, reason), tally in sorted(tallies.items()):
                lines.append(f"  {tally.count:>6,} {kind}: {reason}")
                lines.extend(f"           e.g. {example}" for example in tally.examples)
        if self.relocated_files:
            found = ", ".join(self.relocated_files)
            lines.append(f"Files found where the descriptor did not list them: {found}")
        if self.ignored_files:
            lines.append("Files not read: " + ", ".join(self.ignored_files))
        if self.tables_not_used:
            lines.append("Tables not used: " + ", ".join(self.tables_not_used))
        for table, columns in sorted(self.columns_left_out.items()):
            lines.append(f"{table}: columns left out: {', '.join(columns)}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        def tallies(items: dict[tuple[str, str], Tally]) -> list[dict[str, Any]]:
            return [
                {"kind": k, "reason": r, "count": t.count, "examples": t.examples}
                for (k, r), t in sorted(items.items())
            ]

        return {
            "written": [
                {"kind": k, "outcome": o, "count": n} for (k, o), n in sorted(self.written.items())
            ],
            "skipped": tallies(self.skipped),
            "mapped": tallies(self.mapped),
            "ignored_files": self.ignored_files,
            "relocated_files": self.relocated_files,
            "columns_left_out": self.columns_left_out,
            "tables_not_used": self.tables_not_used,
            "placeholders": {
                "new": self.placeholders("new"),
                "unchanged": self.placeholders("unchanged"),
            },
            "flagged": self.flagged,
            "events": self.events,
            "position": self.position,
        }


def _example(where: str, detail: str) -> str:
    return f"{where}: {detail}" if detail else where
