"""A synthetic US-style 211 export with the dirt real ones have: an HSDS 1.1 tabular package
whose `datapackage.json` lists `organizations.csv` while the files sit in `data/`, HSDS 1.1
table and column names, 12-hour opening times (`9:00am`, `5:00 PM`, `12:00pm`), French hours
on some rows (`9 h`, `8h30`, "du lundi au vendredi de 9 h à 17 h"), and about a quarter of
services and locations pointing at organizations the package does not hold."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

CITIES = [
    ("Indianapolis", "IN", 39.77, -86.16),
    ("Chicago", "IL", 41.88, -87.63),
    ("Pittsburgh", "PA", 40.44, -80.00),
    ("Burlington", "VT", 44.48, -73.21),
]
TOPICS = [
    ("Food pantry", "BD-1800.2000"),
    ("Home-delivered meals", "BD-5000.6500"),
    ("Homework help", "HH-0500.8000"),
    ("Job search assistance", "ND-6500"),
    ("Emergency shelter", "BH-1800.8500"),
]
LANGUAGES = ["English", "Spanish", "French", "Arabic", "Vietnamese"]
# (opens, closes) as US exports write them; every pair is one weekly-hours row.
TWELVE_HOUR = [
    ("9:00am", "5:00pm"), ("9:00 AM", "5:00 PM"), ("8:30am", "4:30pm"), ("9am", "5pm"),
    ("10:00am", "2:00pm"), ("12:00pm", "4:00pm"), ("7:00 a.m.", "7:00 p.m."),
]  # fmt: skip
FRENCH = [("9 h", "17 h"), ("8h30", "16h30"), ("9 h 00", "12 h 00")]
TWENTY_FOUR = [("09:00", "17:00"), ("08:00:00", "20:00:00")]
# Free text, and the opening hours it holds.
TEXT = [
    ("Mon-Fri 9:00am-5:00pm", 5),
    ("M-F 8:30 AM - 4:30 PM; Sat 10am-2pm", 6),
    ("du lundi au vendredi de 9 h à 17 h", 5),
    ("lun. au ven. 9h-12h, 13h-16h30", 10),
    ("Open 24 hours", 7),
]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DANGLING = 0.25


def write_us_package(root: Path, services: int, rng: random.Random) -> dict[str, int]:
    """Writes the package; returns how many services, weekly-hours rows and opening hours
    (a day's opening and closing) it holds."""
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in (
        "organizations", "services", "locations", "physical_address", "services_at_location",
        "phones", "regular_schedule", "languages", "service_area", "services_taxonomy",
        "taxonomy", "programs",
    )}  # fmt: skip
    for name, code in TOPICS:
        tables["taxonomy"].append({"id": code, "name": name, "parent_id": "", "vocabulary": "AIRS"})
    hours_rows = openings = 0
    for n in range(services):
        org = n // 4
        if n % 4 == 0:
            tables["organizations"].append(
                {"id": str(1000 + org), "name": f"Community Action Agency {org}",
                 "alternate_name": "", "description": "Nonprofit", "email": "info@caa.example",
                 "url": f"www.caa{org}.example", "legal_status": "", "tax_status": "501(c)(3)",
                 "tax_id": "", "year_incorporated": "1975"}
            )  # fmt: skip
        owner = str(1000 + org)
        if rng.random() < DANGLING:  # an organization exported elsewhere, or deleted
            owner = str(900_000 + rng.randrange(services // 8))
        topic, code = rng.choice(TOPICS)
        city, state, lat, lon = rng.choice(CITIES)
        service, location = str(20_000 + n), str(50_000 + n)
        tables["services"].append(
            {"id": service, "organization_id": owner, "program_id": "", "name": f"{topic} {n}",
             "alternate_name": "", "description": f"{topic} in {city}.", "url": "", "email": "",
             "status": "active", "interpretation_services": rng.choice(["", "Spanish"]),
             "application_process": "Call or walk in", "wait_time": rng.choice(["", "1 week"]),
             "fees": "Free", "accreditations": "", "licenses": ""}
        )  # fmt: skip
        tables["locations"].append(
            {"id": location, "organization_id": owner, "name": f"{city} site {n}",
             "alternate_name": "", "description": "", "transportation": "Bus",
             "latitude": round(lat + rng.uniform(-0.05, 0.05), 5),
             "longitude": round(lon + rng.uniform(-0.05, 0.05), 5)}
        )  # fmt: skip
        tables["physical_address"].append(
            {"id": str(n), "location_id": location, "attention": "",
             "address_1": f"{100 + n} Main St", "address_2": "", "city": city, "region": "",
             "state_province": state, "postal_code": "46204", "country": "US"}
        )  # fmt: skip
        tables["services_at_location"].append(
            {"id": str(n), "service_id": service, "location_id": location, "description": ""}
        )
        tables["phones"].append(
            {"id": str(n), "service_id": service, "number": f"(317) 555-{n % 10000:04d}",
             "extension": "", "type": "voice", "language": "", "description": ""}
        )  # fmt: skip
        added, opening = _schedule(tables["regular_schedule"], service, rng)
        hours_rows, openings = hours_rows + added, openings + opening
        tables["languages"].append(
            {"id": str(n), "service_id": service, "language": rng.choice(LANGUAGES)}
        )
        tables["service_area"].append(
            {"id": str(n), "service_id": service, "service_area": city, "description": ""}
        )
        tables["services_taxonomy"].append(
            {"id": str(n), "service_id": service, "taxonomy_id": code, "taxonomy_detail": ""}
        )
    data = root / "data"
    data.mkdir(parents=True)
    for name, rows in tables.items():
        columns = list(dict.fromkeys(column for row in rows for column in row))
        with (data / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, columns)
            writer.writeheader()
            writer.writerows(rows)
    # The descriptor lists the files at the package's root, where they are not.
    resources = [{"name": name, "path": f"{name}.csv"} for name in tables]
    descriptor = {"name": "us-211-export", "profile": "tabular-data-package"}
    (root / "datapackage.json").write_text(json.dumps({**descriptor, "resources": resources}))
    return {"services": services, "hours_rows": hours_rows, "openings": openings}


def _schedule(rows: list[dict[str, object]], service: str, rng: random.Random) -> tuple[int, int]:
    """A service's weekly hours: a row a weekday, or one row of text; returns the rows and
    the opening hours they hold."""
    draw = rng.random()
    if draw < 0.1:
        text, openings = rng.choice(TEXT)
        rows.append(_row(len(rows), service, "", "", "", text))
        return 1, openings
    forms = FRENCH if draw < 0.25 else TWENTY_FOUR if draw < 0.35 else TWELVE_HOUR
    opens, closes = rng.choice(forms)
    by_name = rng.random() < 0.5
    for day in range(1, 6):
        weekday = WEEKDAY_NAMES[day - 1] if by_name else str(day)
        rows.append(_row(len(rows), service, weekday, opens, closes, ""))
    return 5, 5


def _row(
    n: int, service: str, weekday: str, opens: str, closes: str, text: str
) -> dict[str, object]:
    return {"id": str(n), "service_id": service, "location_id": "",
            "service_at_location_id": "", "weekday": weekday, "opens_at": opens,
            "closes_at": closes, "original_text": text}  # fmt: skip
