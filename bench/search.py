"""Search latency through GraphQL on N synthetic services (default 100,000).

Usage: python -m bench.search [--services 100000] [--queries 300]
Builds organizations, services, locations across Greater Montréal and their links, brings the
search projection up to date, then times `searchServices` (text + territory + near) sent as
GraphQL documents to the ASGI app, and prints p50 / p95 / p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime
from uuid import uuid4

import httpx

from api.app import create_app
from bench.support import bench_container
from domain.directory import Organization
from domain.locations import Location, ServiceAtLocation
from domain.services import Service
from domain.values import NO_TEXT, Address, Coordinates, LocalizedText
from infra.bootstrap import Container
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TOPICS = [
    ("Aide alimentaire", "Food aid", "BD-1800.2000"),
    ("Dépannage alimentaire", "Emergency food", "BD-1800.2000-620"),
    ("Aide aux devoirs", "Homework help", "HH-0500.8000"),
    ("Logement social", "Social housing", "BH-7000"),
    ("Déneigement pour aînés", "Snow removal for seniors", "PH-7000"),
    ("Friperie communautaire", "Community thrift store", "BM-6500"),
    ("Clinique d'impôts", "Tax clinic", "NL-6000"),
    ("Écoute et soutien", "Listening and support", "RP-1500"),
    ("Cuisine collective", "Collective kitchen", "BD-5000"),
    ("Francisation des immigrants", "French classes for immigrants", "HH-0500.2500"),
]
CITIES = [
    ("65005", "Laval", 45.57, -73.75),
    ("66023", "Montréal", 45.52, -73.60),
    ("58227", "Longueuil", 45.53, -73.51),
    ("64008", "Terrebonne", 45.70, -73.64),
    ("73015", "Blainville", 45.67, -73.88),
    ("60013", "Repentigny", 45.74, -73.45),
]
AREAS = ["CMM", "QC", "TE-66", "TE-65", "TE-58"]


def build(container: Container, services: int, rng: random.Random) -> None:
    operations = container.operations
    batch: list[object] = []
    organization = None
    for number in range(services):
        if number % 10 == 0:
            organization = Organization.register(
                uuid4(), LocalizedText(f"Organisme {number // 10}", ""), NO_TEXT, None,
                actor="bench", at=AT,
            )  # fmt: skip
            batch.append(organization)
        assert organization is not None
        fr, en, code = rng.choice(TOPICS)
        city_code, city, lat, lon = rng.choice(CITIES)
        area = rng.choice([city_code, *AREAS])
        service = Service.register(
            uuid4(), organization.id, LocalizedText(f"{fr} {number}", f"{en} {number}"),
            LocalizedText(f"{fr} offert à {city}.", f"{en} offered in {city}."),
            taxonomy_codes=(code,), languages=("fr", "en"), service_areas=(area,),
            actor="bench", at=AT,
        )  # fmt: skip
        location = Location.register(
            uuid4(), organization.id, LocalizedText(f"Point {number}", ""),
            address=Address(f"{number} rue Principale", city, "H0H 0H0"),
            coordinates=Coordinates(lat + rng.uniform(-0.08, 0.08), lon + rng.uniform(-0.1, 0.1)),
            actor="bench", at=AT,
        )  # fmt: skip
        link = ServiceAtLocation.link(service.id, location.id, actor="bench", at=AT)
        batch += [service, location, link]
        if len(batch) >= 200:
            operations.save(*batch)  # type: ignore[arg-type]
            batch = []
    if batch:
        operations.save(*batch)  # type: ignore[arg-type]


async def measure(container: Container, queries: int, rng: random.Random) -> list[float]:
    app = create_app(container, run_projections=False)
    document = (
        "query ($t: String, $c: String, $lat: Float!, $lon: Float!) {"
        " searchServices(text: $t, territory: $c, near: {latitude: $lat, longitude: $lon},"
        " first: 20) { ... on SearchConnection { totalCount"
        " edges { node { id name { fr } distanceKm } } } } }"
    )
    timings = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for index in range(queries + 20):
            fr, _, _ = rng.choice(TOPICS)
            code, _, lat, lon = rng.choice(CITIES)
            variables = {
                "t": fr.split()[0] + " " + fr.split()[-1],
                "c": code,
                "lat": lat,
                "lon": lon,
            }
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": document, "variables": variables}
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
            if index >= 20:  # the first ones warm the caches
                timings.append(elapsed * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(211)
    with bench_container() as container:
        load_reference(container.operations, container.clock)
        # Category names and synonyms widen text searches (a service under a category whose
        # name holds the words matches): measured with the shipped taxonomy loaded.
        load_taxonomy(container.taxonomy_handler, container.clock.now())
        started = time.perf_counter()
        build(container, args.services, rng)
        print(f"cores: {os.cpu_count()}, services: {args.services:,}")
        print(f"written in {time.perf_counter() - started:.1f}s ({container.head():,} events)")
        for name in ("territories", "taxonomy", "search"):
            started, cpu = time.perf_counter(), time.process_time()
            # As an operator would after loading a directory: `guichet projections rebuild`.
            applied = container.runners[name].rebuild()
            took = time.perf_counter() - started
            print(
                f"projection {name}: {applied:,} events in {took:.1f}s ({applied / took:,.0f}/s),"
                f" {time.process_time() - cpu:.1f}s of this process's CPU"
            )
        cpu = time.process_time()
        timings = asyncio.run(measure(container, args.queries, rng))
        cpu = (time.process_time() - cpu) / (args.queries + 20) * 1000
        cuts = statistics.quantiles(timings, n=100)
        print(
            f"searchServices (text + territory + near, first 20) over {len(timings)} queries:"
            f" p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms;"
            f" {cpu:.2f} ms of this process's CPU each (client and server)"
        )


if __name__ == "__main__":
    main()
