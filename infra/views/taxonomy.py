"""The taxonomy read model in PostgreSQL, and the port the API, search, statistics and exports
read names through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql

from domain.values import LocalizedText
from infra.views.base import PostgresView
from projections import taxonomy
from projections.base import Positioned
from projections.search_query import MAX_WORDS, folded_words
from projections.taxonomy import Term

# A typed word shorter than this is left out of matching (articles, "à", "of"), and so are
# these common words, which would otherwise have to appear in the label too.
SHORTEST = 3
COMMON = frozenset(
    ("les", "des", "aux", "pour", "par", "avec", "dans", "sur", "une", "the", "and", "for",
     "with", "from")
)  # fmt: skip
# How many codes one text may expand to, with everything below them.
EXPANSION_MAX = 2_000

_COLUMNS = (
    "code", "id", "parent_code", "name_fr", "name_en", "vocabulary", "synonyms_fr",
    "synonyms_en", "version", "position",
)  # fmt: skip

# Codes with a label in which every typed word is found, one typo allowed, and every code
# below them (a search for "food" finds what is coded under every food category).
MATCHING = """
WITH RECURSIVE typed AS (SELECT DISTINCT unnest(%(words)s::text[]) AS typed),
found AS (
  SELECT w.code FROM typed t JOIN {words} w ON w.word OPERATOR(public.%%) t.typed
    AND public.levenshtein(w.word, t.typed) <= 1
  GROUP BY w.code, w.label HAVING count(DISTINCT t.typed) = %(count)s
),
tree(code) AS (
  SELECT code FROM found
  UNION SELECT t.code FROM {terms} t JOIN tree ON t.parent_code = tree.code
)
SELECT code FROM tree ORDER BY code LIMIT %(most)s
"""


class PostgresTaxonomyView(PostgresView):
    name: ClassVar[str] = "taxonomy"
    topics: ClassVar[tuple[str, ...]] = taxonomy.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("taxonomy_terms", "taxonomy_words")

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (code text PRIMARY KEY, id uuid NOT NULL UNIQUE,"
                " parent_code text, name_fr text NOT NULL, name_en text NOT NULL,"
                " vocabulary text NOT NULL, synonyms_fr text[] NOT NULL,"
                " synonyms_en text[] NOT NULL, version bigint NOT NULL, position bigint NOT NULL)"
            ).format(self.table("taxonomy_terms")),
            sql.SQL("CREATE INDEX IF NOT EXISTS taxonomy_terms_parent ON {} (parent_code)").format(
                self.table("taxonomy_terms")
            ),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (code text NOT NULL, label int NOT NULL,"
                " word text NOT NULL, PRIMARY KEY (code, label, word))"
            ).format(self.table("taxonomy_words")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS taxonomy_words_trigram ON {} "
                "USING gin (word public.gin_trgm_ops)"
            ).format(self.table("taxonomy_words")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        ids = list({item.event.originator_id for item in page})
        known = {term.id: term for term in self._select(curs, sql.SQL("id = ANY(%s)"), (ids,))}
        changed = list(taxonomy.fold(page, known).values())
        if not changed:
            return
        curs.executemany(
            sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (code) DO UPDATE SET {}").format(
                self.table("taxonomy_terms"),
                sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                sql.SQL(", ").join(sql.Placeholder() * len(_COLUMNS)),
                sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column))
                    for column in _COLUMNS[2:]
                ),
            ),
            [_row(term) for term in changed],
        )
        words = self.table("taxonomy_words")
        curs.execute(
            sql.SQL("DELETE FROM {} WHERE code = ANY(%s)").format(words),
            ([term.code for term in changed],),
        )
        with curs.copy(sql.SQL("COPY {} (code, label, word) FROM STDIN").format(words)) as copy:
            for term in changed:
                for label, word in taxonomy.label_words(term):
                    copy.write_row((term.code, label, word))

    # The read port.

    def terms(self) -> list[Term]:
        """Every term, by code."""
        return self._read(sql.SQL("TRUE"), ())

    def by_codes(self, codes: Sequence[str]) -> dict[str, Term]:
        return {term.code: term for term in self._read(sql.SQL("code = ANY(%s)"), (list(codes),))}

    def children(self, parent_code: str | None, after: str | None, first: int) -> list[Term]:
        """The terms under `parent_code` (the top ones when None), by code, after `after`."""
        parent = sql.SQL("parent_code IS NULL" if parent_code is None else "parent_code = %s")
        params: tuple[object, ...] = () if parent_code is None else (parent_code,)
        return self._read(
            sql.SQL("{} AND code > %s ORDER BY code LIMIT %s").format(parent),
            (*params, after or "", first),
            ordered=False,
        )

    def count_children(self, parent_code: str | None) -> int:
        """How many terms lie directly under `parent_code` (the top ones when None)."""
        parent = "parent_code IS NULL" if parent_code is None else "parent_code = %s"
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                sql.SQL("SELECT count(*) AS n FROM {} WHERE " + parent).format(
                    self.table("taxonomy_terms")
                ),
                () if parent_code is None else (parent_code,),
            )
            row = curs.fetchone()
        return int(row["n"]) if row else 0

    def names(self, codes: Sequence[str], language: str) -> dict[str, str]:
        """Each known code's name in `language` (or the other language when it has none)."""
        return {code: term.name_in(language) for code, term in self.by_codes(codes).items()}

    def matching(self, text: str) -> tuple[str, ...]:
        """The codes whose name or a synonym holds every word of `text` (one typo each), and
        every code below them; none for a text without a word worth matching."""
        words = [
            w for w in dict.fromkeys(folded_words(text)) if len(w) >= SHORTEST and w not in COMMON
        ][:MAX_WORDS]  # a search's text is bounded so already; any other caller's is too
        if not words:
            return ()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.2', true)")
            curs.execute(
                sql.SQL(MATCHING).format(
                    words=self.table("taxonomy_words"), terms=self.table("taxonomy_terms")
                ),
                {"words": words, "count": len(words), "most": EXPANSION_MAX},
            )
            return tuple(row["code"] for row in curs.fetchall())

    def _read(
        self, where: sql.Composable, params: tuple[object, ...], *, ordered: bool = True
    ) -> list[Term]:
        with self.datastore.transaction(commit=False) as curs:
            return self._select(curs, where, params, ordered=ordered)

    def _select(
        self, curs: Cursor[Any], where: sql.Composable, params: tuple[object, ...],
        *, ordered: bool = True,
    ) -> list[Term]:  # fmt: skip
        curs.execute(
            sql.SQL("SELECT {} FROM {} WHERE {}{}").format(
                sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                self.table("taxonomy_terms"),
                where,
                sql.SQL(" ORDER BY code" if ordered else ""),
            ),
            params,
        )
        return [_term(row) for row in curs.fetchall()]


def _row(term: Term) -> tuple[object, ...]:
    return (
        term.code, term.id, term.parent_code, term.name.fr, term.name.en, term.vocabulary,
        list(term.synonyms_fr), list(term.synonyms_en), term.version, term.position,
    )  # fmt: skip


def _term(row: dict[str, Any]) -> Term:
    return Term(
        code=row["code"], id=UUID(str(row["id"])), parent_code=row["parent_code"],
        name=LocalizedText(row["name_fr"], row["name_en"]), vocabulary=row["vocabulary"],
        synonyms_fr=tuple(row["synonyms_fr"]), synonyms_en=tuple(row["synonyms_en"]),
        version=row["version"], position=row["position"],
    )  # fmt: skip
