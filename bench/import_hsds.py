"""Writes a synthetic HSDS 3.0 tabular package of N services, then imports it twice; prints times.

Usage: python -m bench.import_hsds [--services 6000] [--zip]
       python -m bench.import_hsds --us-style [--services 4000] [--keep DIR]
       python -m bench.import_hsds --package DIR   (a package kept earlier, e.g. by older code)

`--us-style` writes a US 211 export with real exports' dirt instead (see bench.us_export) and
also reports the share of services imported and of opening hours kept, read back from the
store. Otherwise each service has its organization (one per four services), a location with
an address and coordinates, a service-at-location link, two phones, free-text and structured
hours, two languages by name, a service area by name and a taxonomy term. The second import
of the same package must record nothing. Uses GUICHET_DATABASE_URL when set, else an
embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from uuid import UUID

from bench.support import bench_container
from domain.services import Service
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.plan import record_id
from infra.territories import load_reference

PLACES = [
    ("Laval", 45.57, -73.72),
    ("Montréal", 45.50, -73.57),
    ("Longueuil", 45.53, -73.51),
    ("Terrebonne", 45.70, -73.64),
    ("Brossard", 45.46, -73.46),
    ("Repentigny", 45.74, -73.45),
]
TOPICS = [
    ("Dépannage alimentaire", "BD-1800.2000"),
    ("Popote roulante", "BD-5000.6500"),
    ("Aide aux devoirs", "HH-0500.8000"),
    ("Halte-garderie", "PH-1250.1000"),
    ("Recherche d'emploi", "ND-6500"),
    ("Hébergement d'urgence", "BH-1800.8500"),
]
LANGUAGES = ["Français", "English", "Spanish", "arabe", "Créole haïtien", "Mandarin"]
HOURS = ["9:00am-5:00pm, Mon-Fri", "lundi au vendredi 8 h 30 à 16 h 30", "Mon-Sat 10-18"]


def uuid(kind: int, n: int) -> str:
    return str(UUID(int=(kind << 64) | n))


def write_package(root: Path, services: int, rng: random.Random) -> None:
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in (
        "organizations", "services", "locations", "addresses", "service_at_locations",
        "phones", "schedules", "languages", "service_areas", "taxonomy_terms", "attributes",
    )}  # fmt: skip
    for code_index, (topic, code) in enumerate(TOPICS):
        tables["taxonomy_terms"].append(
            {"id": uuid(9, code_index), "code": code, "name": topic, "description": topic}
        )
    for n in range(services):
        org = n // 4
        if n % 4 == 0:
            tables["organizations"].append(
                {"id": uuid(1, org), "name": f"Organisme communautaire {org}",
                 "description": "Organisme sans but lucratif", "website": f"https://org{org}.example"}
            )  # fmt: skip
        topic_index = rng.randrange(len(TOPICS))
        topic, _ = TOPICS[topic_index]
        city, lat, lon = rng.choice(PLACES)
        service, location = uuid(2, n), uuid(3, n)
        tables["services"].append(
            {"id": service, "organization_id": uuid(1, org), "name": f"{topic} {n}",
             "description": f"{topic} offert à {city}, service numéro {n}.", "status": "active",
             "eligibility_description": "Résidents du territoire", "fees_description": "Gratuit",
             "assured_date": "2026-02-01"}
        )  # fmt: skip
        tables["locations"].append(
            {"id": location, "organization_id": uuid(1, org), "location_type": "physical",
             "name": f"Point de service {n}", "latitude": round(lat + rng.uniform(-0.05, 0.05), 5),
             "longitude": round(lon + rng.uniform(-0.05, 0.05), 5)}
        )  # fmt: skip
        tables["addresses"].append(
            {"id": uuid(4, n), "location_id": location, "address_1": f"{100 + n} rue Principale",
             "city": city, "state_province": "QC", "postal_code": "H2X 1Y4", "country": "CA",
             "address_type": "physical"}
        )  # fmt: skip
        tables["service_at_locations"].append(
            {"id": uuid(5, n), "service_id": service, "location_id": location}
        )
        for k, kind in enumerate(("voice", "fax")):
            tables["phones"].append(
                {"id": uuid(6, 2 * n + k), "service_id": service, "type": kind,
                 "number": f"514-555-{n % 10000:04d}"}
            )  # fmt: skip
        tables["schedules"].append(
            {"id": uuid(7, 2 * n), "service_id": service, "description": rng.choice(HOURS)}
        )
        tables["schedules"].append(
            {"id": uuid(7, 2 * n + 1), "service_id": service, "freq": "WEEKLY", "byday": "SA",
             "opens_at": "10:00", "closes_at": "14:00"}
        )  # fmt: skip
        for k, language in enumerate(rng.sample(LANGUAGES, 2)):
            tables["languages"].append(
                {"id": uuid(8, 2 * n + k), "service_id": service, "name": language}
            )
        tables["service_areas"].append({"id": uuid(10, n), "service_id": service, "name": city})
        tables["attributes"].append(
            {"id": uuid(11, n), "link_id": service, "link_entity": "service",
             "link_type": "taxonomy", "taxonomy_term_id": uuid(9, topic_index)}
        )  # fmt: skip
    for name, rows in tables.items():
        columns = sorted({column for row in rows for column in row})
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, columns)
            writer.writeheader()
            writer.writerows(rows)


def kept(container: Container, services: int) -> tuple[int, int]:
    """Services of a US-style package held in Guichet, and their opening hours."""
    ids = [record_id("service", str(20_000 + n)) for n in range(services)]
    found = container.directory_handler.current(ids)
    held = [s for s in found.values() if isinstance(s, Service)]
    return len(held), sum(len(s.schedule.hours) for s in held)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int)
    parser.add_argument("--zip", action="store_true", help="import the package as a zip file")
    parser.add_argument("--us-style", action="store_true", help="a dirty US-style export")
    parser.add_argument("--keep", type=Path, help="write the package here and keep it")
    parser.add_argument("--package", type=Path, help="import this package, written earlier")
    args = parser.parse_args()
    rng = random.Random(211)
    with tempfile.TemporaryDirectory() as tmp, bench_container() as container:
        package = args.package or args.keep or Path(tmp) / "package"
        expected_file = package.with_name(package.name + ".expected.json")
        if args.package:
            expected = json.loads(expected_file.read_text()) if expected_file.exists() else {}
        elif args.us_style:
            from bench.us_export import write_us_package

            expected = write_us_package(package, args.services or 4000, rng)
            expected_file.write_text(json.dumps(expected))
        else:
            package.mkdir(parents=True)
            expected = {"services": args.services or 6000}
            write_package(package, expected["services"], rng)
        if args.zip:
            package = Path(shutil.make_archive(str(package), "zip", package))
        load_reference(container.operations, SystemClock())
        print(f"cores: {os.cpu_count()}, services: {expected.get('services', 0):,}")
        for attempt in ("first import", "same package again"):
            context = ImportContext(container.directory_handler, "bench", SystemClock().now(), "fr")
            started = time.perf_counter()
            try:
                report = import_package(context, package)
            except ValueError as error:  # PackageError
                print(f"{attempt}: refused after {time.perf_counter() - started:.2f} s: {error}")
                continue
            elapsed = time.perf_counter() - started
            records = sum(report.written.values())
            print(
                f"{attempt}: {elapsed:.2f} s, {records:,} records, {report.events:,} facts "
                f"({records / elapsed:,.0f} records/s), {report.skipped_count()} skipped, "
                f"{sum(t.count for t in report.mapped.values())} values left out"
            )
        if "openings" in expected:
            services, openings = kept(container, expected["services"])
            print(
                f"services imported: {services:,} of {expected['services']:,} "
                f"({services / expected['services']:.1%}); opening hours kept: {openings:,} of "
                f"{expected['openings']:,} ({openings / expected['openings']:.1%}) from "
                f"{expected['hours_rows']:,} weekly-hours rows"
            )


if __name__ == "__main__":
    main()
