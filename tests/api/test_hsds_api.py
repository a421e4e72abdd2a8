"""The HSDS 3.0 API over real HTTP: every endpoint answers and validates against the HSDS
schemas, paging gives every active service once, inactive records are absent, filters filter
and hostile parameters are refused, named."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from api.hsds.openapi import ERROR
from domain.handlers.directory import (
    AmendService,
    DeactivateRecord,
    FlagRecordForReview,
    MergeRecord,
    RegisterService,
)
from domain.values import LocalizedText
from infra import demo
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.support.hsds_schema import page_validator, validator
from tests.support.views import settled

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EDITOR = "editor:marie"
CLOSED_ORGANIZATION = demo.demo_id("organization", 3)
CLOSED_SERVICE = demo.demo_id("service", 0, 0)
CLOSED_LOCATION = demo.demo_id("location", 5)
MERGED_SERVICE = demo.demo_id("service", 6, 1)


def demo_services() -> dict[UUID, RegisterService]:
    return {r.id: r for r in demo.records() if isinstance(r, RegisterService)}


def public_services() -> set[UUID]:
    """The demo's services less the closed one and those of the closed organization."""
    return {
        id for id, s in demo_services().items()
        if id not in (CLOSED_SERVICE, MERGED_SERVICE)
        and s.organization_id != CLOSED_ORGANIZATION
    }  # fmt: skip


def write(container: Container, command: Any) -> None:
    record: Any = container.operations.repository.get(command.id)
    handler = container.directory_handler
    changed = replace(command, expected_version=record.version)
    writers: dict[type, Callable[..., object]] = {
        AmendService: handler.amend_service,
        DeactivateRecord: handler.deactivate_record,
        FlagRecordForReview: handler.flag_record_for_review,
        MergeRecord: handler.merge_record,
    }
    done = writers[type(command)]
    done(changed, actor=EDITOR, at=datetime.now(UTC))


@pytest.fixture
async def directory(container: Container, http: httpx.AsyncClient) -> Container:
    """The demo directory with a closed organization, service and location, and a flag."""
    load_reference(container.operations, SystemClock())
    load_taxonomy(container.taxonomy_handler, AT)
    demo.load_demo(container.directory_handler, AT)
    for id in (CLOSED_ORGANIZATION, CLOSED_SERVICE, CLOSED_LOCATION):
        write(container, DeactivateRecord(id, 0, "fermé pour de bon"))
    write(container, FlagRecordForReview(demo.demo_id("service", 1, 1), 0, "numéro de Paul"))
    write(container, MergeRecord(MERGED_SERVICE, 0, demo.demo_id("service", 7, 1)))
    await settled(container, ["history", "search", "territories"])
    return container


async def get(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await http.get("/hsds" + path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def valid(name: str, document: Any, *, page: bool = False) -> None:
    check = page_validator(name) if page else validator(name)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(document)]
    assert errors == []


async def all_pages(http: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    number = 1
    while True:
        page = await get(http, path, page=number, **params)
        assert page["page_number"] == number
        assert page["first_page"] == (number == 1)
        found += page["contents"]
        if page["last_page"]:
            assert page["total_items"] == len(found)
            assert page["total_pages"] == number
            return found
        number += 1


async def test_every_endpoint_answers_with_valid_hsds(
    directory: Container, http: httpx.AsyncClient
) -> None:
    root = await get(http, "/")
    valid("api", root)
    assert root["version"] == "3.0"
    assert root["openapi_url"].endswith("/hsds/openapi.json")

    services = await get(http, "/services", per_page=5)
    valid("service", services, page=True)
    assert [s["id"] for s in services["contents"]] == sorted(s["id"] for s in services["contents"])
    full = await get(http, "/services", per_page=5, full="true")
    valid("service", full, page=True)
    assert all(s["organization"] and s["service_at_locations"] for s in full["contents"])
    valid("minimal_service", (await get(http, "/services", minimal="true"))["contents"][0])

    one = await get(http, f"/services/{services['contents'][0]['id']}")
    valid("service", one)
    place = one["service_at_locations"][0]
    assert place["location"]["addresses"][0]["city"]
    assert all(one[part] for part in ("phones", "schedules", "attributes"))

    organizations = await get(http, "/organizations", per_page=3)
    valid("organization", organizations, page=True)
    for flags in ({"full": "true"}, {"full_service": "true"}):
        valid("organization", await get(http, "/organizations", per_page=2, **flags), page=True)
    organization = await get(http, f"/organizations/{organizations['contents'][0]['id']}")
    valid("organization", organization)
    assert organization["locations"]
    assert organization["services"]
    rich = await get(http, f"/organizations/{organization['id']}", full_service="true")
    valid("organization", rich)
    assert rich["services"][0]["phones"]

    links = await get(http, "/service_at_locations", per_page=4)
    valid("service_at_location", links, page=True)
    valid("service_at_location", await get(http, "/service_at_locations", full="1"), page=True)
    link = await get(http, f"/service_at_locations/{place['id']}")
    valid("service_at_location", link)
    assert link["service"]["id"] == one["id"]
    assert link["location"]["id"] == place["location_id"]

    taxonomies = await get(http, "/taxonomies")
    valid("taxonomy", taxonomies, page=True)
    valid("taxonomy", await get(http, f"/taxonomies/{taxonomies['contents'][0]['id']}"))
    terms = await get(http, "/taxonomy_terms", per_page=100)
    valid("taxonomy_term", terms, page=True)
    codes = sorted({s.taxonomy_codes[0] for s in demo_services().values()})
    listed = {t["code"]: t for t in terms["contents"]}
    assert terms["total_items"] == len(listed)
    assert set(codes) <= set(listed)
    # Every code in use is named by the taxonomy, and a term below another points at it.
    assert all(listed[code]["name"] != code for code in codes)
    food = listed["BD-1800.2000"]
    assert food["parent_id"] == listed["BD-1800"]["id"]
    english = await http.get(
        "/hsds/taxonomy_terms", params={"per_page": 100}, headers={"accept-language": "en"}
    )
    named = {t["code"]: t["name"] for t in english.json()["contents"]}
    assert named["BD"] != listed["BD"]["name"]
    assert named["BD"]
    term = await get(http, f"/taxonomy_terms/{terms['contents'][0]['id']}")
    valid("taxonomy_term", term)
    assert term["taxonomy_id"] == taxonomies["contents"][0]["id"]


async def test_paging_gives_every_active_service_exactly_once(
    directory: Container, http: httpx.AsyncClient
) -> None:
    found: list[str] = []
    number = 1
    while True:
        page = await get(http, "/services", page=number, per_page=7)
        valid("service", page, page=True)
        found += [s["id"] for s in page["contents"]]
        # Records change while a partner pages: a renamed service keeps its place.
        renamed = UUID(page["contents"][0]["id"])
        write(directory, AmendService(renamed, 0, name=LocalizedText(f"Renommé {number}", "")))
        if page["last_page"]:
            break
        number += 1
    assert len(found) == len(set(found))
    assert set(found) == {str(id) for id in public_services()}
    assert page["total_items"] == len(found)
    assert page["total_pages"] == number == -(-len(found) // 7)
    after = await get(http, "/services", page=number + 1, per_page=7)
    assert (after["empty"], after["size"], after["last_page"]) == (True, 0, True)


async def test_inactive_records_are_absent(directory: Container, http: httpx.AsyncClient) -> None:
    services = {s["id"] for s in await all_pages(http, "/services", per_page=100)}
    of_closed = demo.demo_id("service", 3, 0)
    assert str(CLOSED_SERVICE) not in services
    assert str(MERGED_SERVICE) not in services
    assert str(of_closed) not in services
    organizations = {o["id"] for o in await all_pages(http, "/organizations", per_page=100)}
    assert str(CLOSED_ORGANIZATION) not in organizations
    assert len(organizations) == len(demo.PLACES) - 1
    links = await all_pages(http, "/service_at_locations", per_page=100)
    assert {link["location_id"] for link in links}.isdisjoint({str(CLOSED_LOCATION)})
    assert {link["service_id"] for link in links} <= services
    for path in (
        f"/services/{CLOSED_SERVICE}", f"/services/{of_closed}", f"/services/{MERGED_SERVICE}",
        f"/organizations/{CLOSED_ORGANIZATION}", f"/services/{UUID(int=7)}",
    ):  # fmt: skip
        response = await http.get("/hsds" + path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "NOT_FOUND"
    hub = await get(http, f"/organizations/{demo.demo_id('organization', 5)}")
    assert hub["locations"] == []  # its one location is closed
    served = await get(http, f"/services/{demo.demo_id('service', 5, 1)}")
    assert served["service_at_locations"] == []


async def test_public_metadata_names_no_editor_and_no_flag_reason(
    directory: Container, http: httpx.AsyncClient
) -> None:
    flagged = await get(http, f"/services/{demo.demo_id('service', 1, 1)}")
    text = json.dumps(flagged, ensure_ascii=False)
    assert flagged["metadata"]
    for secret in ("marie", "Paul", "flagged_reason", "confirmed_by"):
        assert secret not in text
    assert {m["updated_by"] for m in flagged["metadata"]} == {"Guichet"}
    assert {m["previous_value"] for m in flagged["metadata"]} == {""}


async def test_modified_after_search_and_taxonomy_filter(
    directory: Container, http: httpx.AsyncClient
) -> None:
    since = datetime.now(UTC)
    changed = demo.demo_id("service", 2, 2)
    write(directory, AmendService(changed, 0, name=LocalizedText("Popote du Nord", "")))
    await settled(directory, ["history", "search", "territories"])
    recent = await get(http, "/services", modified_after=since.isoformat())
    assert [s["id"] for s in recent["contents"]] == [str(changed)]
    assert (await get(http, "/services", modified_after="2000-01-01"))["total_items"] == len(
        public_services()
    )

    # The search finds services at their active locations, as searchServices does: not those
    # of the hub whose one location is closed.
    clinics = {
        str(id) for id in public_services()
        if demo_services()[id].name.en == "Tax clinic"
        and demo_services()[id].organization_id != demo.demo_id("organization", 5)
    }  # fmt: skip
    for text in ("clinique d'impôts", "tax clinic"):
        found = await all_pages(http, "/services", search=text, per_page=9)
        assert {s["id"] for s in found} == clinics, text

    code = "BD-5000.6500"
    terms = await get(http, "/taxonomy_terms", search="bd-5000.65")
    assert [t["code"] for t in terms["contents"]] == [code]
    with_code = await all_pages(
        http, "/services", taxonomy_term_id=terms["contents"][0]["id"], per_page=50
    )
    expected = {str(i) for i in public_services() if demo_services()[i].taxonomy_codes == (code,)}
    assert {s["id"] for s in with_code} == expected
    owner = demo.demo_id("organization", 0)
    owned = await all_pages(http, "/service_at_locations", organization_id=str(owner))
    assert {link["service_id"] for link in owned} == {
        str(i) for i in public_services() if demo_services()[i].organization_id == owner
    }
    unknown = await get(http, "/services", taxonomy_term_id=str(UUID(int=1)))
    assert unknown["empty"] is True


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/services", {"page": "0"}, "page"),
        ("/services", {"page": "1e3"}, "page"),
        ("/services", {"page": "9" * 40}, "page"),
        ("/services", {"per_page": "101"}, "per_page"),
        ("/services", {"per_page": "-1"}, "per_page"),
        ("/services", {"search": "food\x00bank"}, "search"),
        ("/services", {"search": "x" * 201}, "search"),
        ("/services", {"search": " ".join(["mot"] * 13)}, "search"),
        ("/services", {"taxonomy_term_id": "BD-5000"}, "taxonomy_term_id"),
        ("/organizations", {"full_service": "true", "per_page": "6"}, "per_page"),
        ("/services", {"organization_id": "1; DROP TABLE"}, "organization_id"),
        ("/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/services", {"modified_after": "0001-01-01T00:00:00+14:00"}, "modified_after"),
        ("/services", {"full": "maybe"}, "full"),
        ("/services", {"format": "ndjson"}, "format"),
        ("/services", {"sort": "name"}, "sort"),
        ("/services", {"pa\x01ge": "1"}, "query"),
        ("/organizations", {"modified_after": "2020-01-01"}, "modified_after"),
        ("/services/not-a-uuid", {}, "id"),
    ],
)
async def test_hostile_parameters_are_refused_and_named(
    http: httpx.AsyncClient, path: str, params: dict[str, str], parameter: str
) -> None:
    response = await http.get("/hsds" + path, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["parameter"]) == ("INVALID_INPUT", parameter), body
    Draft202012Validator(ERROR).validate(body)  # as the OpenAPI document describes it


async def test_organizations_with_full_services_take_pages_of_five_by_default(
    directory: Container, http: httpx.AsyncClient
) -> None:
    page = await get(http, "/organizations", full_service="true")

    assert page["total_items"] > 5
    assert page["size"] == 5
    assert page["total_pages"] == -(-page["total_items"] // 5)


async def test_repeated_parameters_other_methods_and_unknown_paths(
    http: httpx.AsyncClient,
) -> None:
    twice = await http.get("/hsds/services?page=1&page=2")
    assert (twice.status_code, twice.json()["parameter"]) == (400, "page")
    posted = await http.post("/hsds/services", json={})
    assert posted.status_code == 405
    assert posted.headers["allow"] == "GET, HEAD"
    assert posted.json()["code"] == "METHOD_NOT_ALLOWED"
    many = "&".join(f"p{n}=1" for n in range(21))
    crowded = await http.get(f"/hsds/services?{many}")
    assert (crowded.status_code, crowded.json()["parameter"]) == (400, "query")
    missing = await http.get("/hsds/programs")
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


async def test_the_openapi_document_is_valid_and_describes_what_is_served(
    http: httpx.AsyncClient,
) -> None:
    served = await get(http, "/openapi.json")
    validate(served)
    for path, item in served["paths"].items():
        names = [p["$ref"].rsplit("/", 1)[-1] for p in item["get"]["parameters"]]
        answer = await http.get("/hsds" + path.replace("{id}", str(UUID(int=3))))
        assert answer.status_code in (200, 404), path
        for name in names:
            given = {"page": "1", "per_page": "1", "format": "json"}.get(name)
            if given is not None:
                answered = await http.get("/hsds" + path, params={name: given})
                assert answered.status_code == 200, (path, name)
        refused = await http.get("/hsds" + path.replace("{id}", str(UUID(int=3))),
                                 params={"not_described": "1"})  # fmt: skip
        assert refused.status_code == 400, path


async def test_the_api_is_held_to_the_public_rate(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    from api.app import create_app

    container = make_container({**environ, "GUICHET_RATE_LIMIT": "2"})
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        codes = [(await http.get("/hsds/taxonomies")).status_code for _ in range(8)]
        refused = await http.get("/hsds/")
    assert codes[:4] == [200] * 4
    assert 429 in codes
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["code"] == "RATE_LIMITED"


async def test_the_root_answers_with_or_without_its_slash(http: httpx.AsyncClient) -> None:
    for path in ("/hsds", "/hsds/"):
        response = await http.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.json()["version"] == "3.0"
    named = await get(http, "/taxonomies", search="211")
    assert named["total_items"] == 1
    assert (await get(http, "/taxonomies", search="absent"))["empty"] is True


async def test_a_term_finds_the_services_coded_below_it_as_search_does(
    http: httpx.AsyncClient, directory: Container
) -> None:
    """`taxonomy_term_id` of BD-1800 finds the services coded BD-1800.2000, as
    `searchServices(categories: ["BD-1800"])` does; `B`, the top level, finds all of `BD`."""
    for code in ("BD-1800", "BD", "B"):
        [term] = [t for t in (await get(http, "/taxonomy_terms", search=code))["contents"]
                  if t["code"] == code]  # fmt: skip
        found = await all_pages(http, "/services", taxonomy_term_id=term["id"], per_page=50)
        expected = {
            str(id) for id in public_services()
            if any(c == code or c.startswith((code + "-", code + "."))
                   or (len(code) == 1 and c.startswith(code))
                   for c in demo_services()[id].taxonomy_codes)
        }  # fmt: skip
        assert expected, code
        assert {s["id"] for s in found} == expected, code
