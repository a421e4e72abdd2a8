"""Services and locations through GraphQL: register, link, read back, typed errors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_organizations import CENTRE, REGISTER
from tests.support.graphql import GraphQLClient

RESULT = "__typename ... on Receipt { id position } ... on InvalidInputError { field message }"

REGISTER_SERVICE = f"""
mutation ($input: RegisterServiceInput!) {{ registerService(input: $input) {{ {RESULT} }} }}
"""
REGISTER_LOCATION = f"""
mutation ($input: RegisterLocationInput!) {{ registerLocation(input: $input) {{ {RESULT} }} }}
"""
LINK = f"""
mutation ($input: LinkServiceInput!) {{ linkServiceToLocation(input: $input) {{ {RESULT} }} }}
"""
SERVICE = """
query ($id: ID!, $p: Int) {
  service(id: $id, consistentWith: $p) {
    __typename
    ... on Service {
      name { fr en } organizationId taxonomyCodes languages status version
      eligibility { fr } fees { en }
      phones { number kind extension }
      schedule { hours { weekday opens closes } closedOn }
      serviceAreas { code name }
      locations { name { fr } virtual address { city postalCode } coordinates { latitude } }
    }
  }
}
"""


async def write(graphql: GraphQLClient, document: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = await graphql.data(document, {"input": payload}, "editor-token")
    [result] = data.values()
    assert isinstance(result, dict)
    return result


async def organization(graphql: GraphQLClient) -> str:
    data = await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")
    return str(data["registerOrganization"]["id"])


FOOD_BANK = {
    "name": {"fr": "Dépannage alimentaire", "en": "Food bank"},
    "taxonomyCodes": ["bd-1800.2000"],
    "languages": ["FR", "en"],
    "serviceAreas": ["65005"],
    "eligibility": {"fr": "Résidents de Laval"},
    "fees": {"en": "Free"},
    "phones": [{"number": "(450) 555-0199", "extension": "12"}],
    "schedule": {
        "hours": [{"weekday": 2, "opens": "09:00", "closes": "16:30"}],
        "closedOn": ["2026-06-24"],
    },
}


async def test_a_service_offered_at_a_location_reads_back_whole(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    service = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    location = await write(
        graphql,
        REGISTER_LOCATION,
        {
            "organizationId": owner,
            "name": {"fr": "Point Chomedey", "en": "Chomedey site"},
            "address": {
                "street": "3850 boul. Saint-Martin O.",
                "city": "Laval",
                "postalCode": "h7t 1a7",
            },
            "coordinates": {"latitude": 45.5571, "longitude": -73.7423},
        },
    )
    link = await write(graphql, LINK, {"serviceId": service["id"], "locationId": location["id"]})
    assert link["__typename"] == "Receipt"

    await graphql.settle(link["position"])  # the public's own `consistentWith` is not waited for
    data = await graphql.data(SERVICE, {"id": service["id"], "p": link["position"]})

    found = data["service"]
    assert found["__typename"] == "Service"
    assert found["name"] == FOOD_BANK["name"]
    assert found["organizationId"] == owner
    assert found["taxonomyCodes"] == ["BD-1800.2000"]
    assert found["languages"] == ["fr", "en"]
    assert found["eligibility"] == {"fr": "Résidents de Laval"}
    assert found["phones"] == [{"number": "4505550199", "kind": "voice", "extension": "12"}]
    assert found["schedule"] == {
        "hours": [{"weekday": 2, "opens": "09:00", "closes": "16:30"}],
        "closedOn": ["2026-06-24"],
    }
    assert found["serviceAreas"] == [{"code": "65005", "name": "Laval"}]
    assert found["locations"] == [
        {
            "name": {"fr": "Point Chomedey"},
            "virtual": False,
            "address": {"city": "Laval", "postalCode": "H7T 1A7"},
            "coordinates": {"latitude": 45.5571},
        }
    ]


async def test_bad_service_input_names_the_field_and_writes_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    head = container.head()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"taxonomyCodes": ["food"]}, "input.taxonomyCodes[0]"),
        ({"phones": [{"number": "12"}]}, "input.phones[0].number"),
        (
            {"schedule": {"hours": [{"weekday": 8, "opens": "09:00", "closes": "10:00"}]}},
            "input.schedule.hours[0].weekday",
        ),
        ({"organizationId": "3f0c8a70-0000-4000-8000-000000000000"}, "input.organizationId"),
    ]
    for change, field in cases:
        result = await write(
            graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner, **change}
        )
        assert (result["__typename"], result["field"]) == ("InvalidInputError", field), change
    assert container.head() == head


AMEND = f"""
mutation ($input: AmendServiceInput!) {{ amendService(input: $input) {{ {RESULT} }} }}
"""
MOVE = f"""
mutation ($input: MoveLocationInput!) {{ moveLocation(input: $input) {{ {RESULT} }} }}
"""
LIFECYCLE = f"""
mutation ($input: RecordReasonInput!) {{ deactivateRecord(input: $input) {{ {RESULT} }} }}
"""


async def service_and_location(
    graphql: GraphQLClient, container: Container
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A service and a location of one organization, registered through GraphQL."""
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    service = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    location = await write(
        graphql,
        REGISTER_LOCATION,
        {
            "organizationId": owner,
            "name": {"fr": "Local"},
            "address": {"street": "1 rue A", "city": "Laval", "postalCode": "H7A 0A1"},
        },
    )
    return service, location


async def test_services_and_locations_are_edited_as_facts(
    graphql: GraphQLClient, container: Container
) -> None:
    service, location = await service_and_location(graphql, container)

    unknown_area = await write(
        graphql, AMEND, {"id": service["id"], "expectedVersion": 1, "serviceAreas": ["99999"]}
    )
    amended = await write(
        graphql,
        AMEND,
        {
            "id": service["id"],
            "expectedVersion": 1,
            "serviceAreas": ["CMM"],
            "languages": ["fr"],
            "reason": "extended",
        },
    )
    moved = await write(
        graphql, MOVE, {"id": location["id"], "expectedVersion": 1, "reason": "now online"}
    )
    closed = await write(
        graphql, LIFECYCLE, {"id": service["id"], "expectedVersion": 3, "reason": "closed"}
    )

    assert (unknown_area["__typename"], unknown_area["field"]) == (
        "InvalidInputError",
        "input.serviceAreas[0]",
    )
    assert amended["__typename"] == "Receipt"
    assert moved["__typename"] == "Receipt"
    assert closed["__typename"] == "Receipt"
    data = await graphql.data(
        "query ($s: ID!, $l: ID!, $p: Int) {"
        " service(id: $s, consistentWith: $p) { ... on Service { status languages"
        "   serviceAreas { code } } }"
        " location(id: $l, consistentWith: $p) { __typename ... on Location { virtual } } }",
        {"s": service["id"], "l": location["id"], "p": closed["position"]},
        "editor-token",
    )
    assert data["service"] == {
        "status": "inactive",
        "languages": ["fr"],
        "serviceAreas": [{"code": "CMM"}],
    }
    assert data["location"] == {"__typename": "Location", "virtual": True}


async def test_terms_of_access_and_accessibility_are_edited_as_facts(
    graphql: GraphQLClient, container: Container
) -> None:
    service, location = await service_and_location(graphql, container)

    amended = await write(
        graphql,
        AMEND,
        {
            "id": service["id"], "expectedVersion": 1, "reason": "new rules",
            "eligibility": {"fr": "65 ans et plus", "en": "65 and over"},
            "fees": {"fr": "5 $ par repas"}, "applicationProcess": {"fr": "Appeler"},
        },
    )  # fmt: skip
    access = await graphql.data(
        "mutation ($input: ChangeAccessibilityInput!) { changeLocationAccessibility(input: $input)"
        " { __typename ... on Receipt { version position } } }",
        {"input": {"id": location["id"], "expectedVersion": 1,
                   "accessibility": {"fr": "Rampe d'accès", "en": "Ramp"}}},
        "editor-token",
    )  # fmt: skip

    assert amended["__typename"] == "Receipt"
    stored: object = container.operations.repository.get(UUID(service["id"]))
    assert getattr(stored, "version", None) == 4  # registered, then a fact per changed field
    position = access["changeLocationAccessibility"]["position"]
    data = await graphql.data(
        "query ($s: ID!, $l: ID!, $p: Int) {"
        " service(id: $s, consistentWith: $p) { ... on Service { eligibility { fr en }"
        "   fees { fr } applicationProcess { fr } } }"
        " location(id: $l, consistentWith: $p) { ... on Location { accessibility { en } } } }",
        {"s": service["id"], "l": location["id"], "p": position},
        "editor-token",
    )
    assert data["service"] == {
        "eligibility": {"fr": "65 ans et plus", "en": "65 and over"},
        "fees": {"fr": "5 $ par repas"},
        "applicationProcess": {"fr": "Appeler"},
    }
    assert data["location"] == {"accessibility": {"en": "Ramp"}}


async def test_a_service_language_is_an_iso_639_code(
    graphql: GraphQLClient, container: Container
) -> None:
    service, _ = await service_and_location(graphql, container)
    owner = await organization(graphql)
    head = container.head()

    registered = await write(
        graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner, "languages": ["zz"]}
    )
    amended = await write(
        graphql, AMEND, {"id": service["id"], "expectedVersion": 1, "languages": ["fr", "zz"]}
    )

    assert (registered["__typename"], registered["field"]) == (
        "InvalidInputError",
        "input.languages[0]",
    )
    assert (amended["__typename"], amended["field"]) == ("InvalidInputError", "input.languages[1]")
    assert container.head() == head
