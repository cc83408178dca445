"""The people import at a region's scale (issue 16): seconds and peak memory for a population-register
extract of a million persons.

In this process, no server needed, against a PostgreSQL database of your own (never `bench`):

    psql -h 127.0.0.1 -p 55432 -U stijging -d postgres -c "CREATE DATABASE h16"
    export DATABASE_URL=postgres://stijging@127.0.0.1:55432/h16
    DEBUG=1 .venv/bin/stijging migrate
    .venv/bin/python benchmarks/people_import.py --persons 1000000

The script makes a programme "bench-people" with one area and as many BAG addresses as the extract
needs (2.5 persons an address; postcodes 1000–4999, which no generated or demo data use), writes the
extract to a CSV file row by row (sorted by address, as the register delivers it), and then imports it
three times through `import_people`, as `stijging import_people --apply` does:

1. into the empty area (every household and person new);
2. the same file again, as a complete extract (everything matched, nothing changes);
3. a later extract: 1% of the households moved to an empty address, 0.5% of the persons missing,
   a newborn in 0.5% of the households (complete).

It prints the seconds, rows per second and the peak resident memory of the process (ru_maxrss, which
only grows: each figure is the peak up to the end of that step). DEBUG is forced off (with DEBUG on
Django keeps every query in memory). It writes data: run it only on a database of your own.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")

HEADER = (
    "bsn;voornamen;voorvoegsel;geslachtsnaam;geboortedatum;geslacht;postcode;huisnummer;huisletter;"
    "huisnummertoevoeging;datum vestiging;relatie tot hoofdbewoner\n"
)
GIVEN = ["Jan", "Els", "Mohamed", "Fatma", "Piet", "Anna", "Noah", "Emma", "Daan", "Sophie", "Sem", "Julia"]
PER_POSTCODE = 50


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def address_keys(count: int):
    """(postcode, huisnummer) for `count` addresses: 50 numbers per postcode from 1000AA on."""
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    n = 0
    for digits in range(1000, 5000):
        for first in letters:
            for second in letters:
                for number in range(1, PER_POSTCODE + 1):
                    if n >= count:
                        return
                    yield f"{digits}{first}{second}", number
                    n += 1


def family_name(index: int) -> tuple[str, str]:
    """As `stijging generate` spreads them: 40% from the demo's common names (about 0.8% each), the
    rest from its long tail, so that a name is as selective as in a real region."""
    from stijging.demo.catalogue import COMMON_SURNAME_SHARE, FAMILY_NAMES, SURNAME_TAIL

    if (index * 37) % 100 < COMMON_SURNAME_SHARE * 100:
        return FAMILY_NAMES[(index * 7) % len(FAMILY_NAMES)]
    return SURNAME_TAIL[(index * 7919) % len(SURNAME_TAIL)]


def household_rows(index: int, postcode: str, number: int, settled: datetime.date, newborn: bool):
    prefix, family = family_name(index)
    size = 1 + index % 4  # 1, 2, 3, 4: 2.5 persons an address
    rows = []
    for member in range(size):
        born = datetime.date(1935, 1, 1) + datetime.timedelta(days=(index * 7919 + member * 104729) % (70 * 365))
        relation = "hoofdbewoner" if member == 0 else "partner" if member == 1 else "kind"
        given = f"{GIVEN[(index + member) % len(GIVEN)]} {index}"  # unique per household: no namesakes
        rows.append((given, prefix, family, born, postcode, number, max(settled, born), relation))
    if newborn:
        rows.append((f"Baby {index}", prefix, family, datetime.date(2026, 11, 5), postcode, number,
                     datetime.date(2026, 11, 5), "kind"))  # fmt: skip
    return rows


def write_extract(path: Path, persons: int, *, later: bool = False) -> int:
    """Writes the extract; `later`: the second extract's changes (see the module's docstring)."""
    households = int(persons / 2.5)
    spare = households // 50 + 10  # empty addresses after the inhabited ones, to move into
    keys = list(address_keys(households + spare))
    moved_to: dict[int, int] = {}
    if later:
        moved_to = {
            index: households + n for n, index in enumerate(range(0, households, 100)) if households + n < len(keys)
        }
    written = 0
    lines: dict[int, list] = {}
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for index in range(households):
            postcode, number = keys[index]
            settled = datetime.date(2000 + index % 25, 1 + index % 12, 1)
            rows = household_rows(index, postcode, number, settled, newborn=later and index % 200 == 7)
            if later and index % 200 == 3:
                rows = rows[:-1] if len(rows) > 1 else rows  # a person missing from the extract
            if index in moved_to:
                target = keys[moved_to[index]]
                lines[moved_to[index]] = [
                    (*r[:4], target[0], target[1], datetime.date(2026, 11, 10), r[7]) for r in rows
                ]
                continue
            for r in rows:
                out.write(_line(r))
                written += 1
        for target_index in sorted(lines):  # the moved households, at their new addresses (sorted at the end)
            for r in lines[target_index]:
                out.write(_line(r))
                written += 1
    return written


def _line(r) -> str:
    given, prefix, family, born, postcode, number, settled, relation = r
    return f";{given};{prefix};{family};{born:%Y%m%d};V;{postcode};{number};;;{settled:%Y%m%d};{relation}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--directory", default="/tmp", help="where the extract files are written")
    parser.add_argument("--steps", default="1,2,3", help="which of the three imports to run, e.g. 1 or 1,2")
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    # Production settings refuse to start without these; the import needs neither.
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(24).hex())
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from stijging.registry.models import Address, Area, HouseholdResidence, Programme, Street
    from stijging.registry.people_import import import_people

    assert not settings.DEBUG, "DEBUG keeps every query in memory: run without it"
    programme, _ = Programme.objects.get_or_create(
        slug="bench-people",
        defaults={"name": "Bench people import", "municipality": "Venlo", "start_date": "2026-01-01"},
    )
    area, _ = Area.objects.get_or_create(programme=programme, slug="bench-people", defaults={"name": "Bench"})
    if "1" in args.steps.split(",") and HouseholdResidence.objects.filter(address__area=area).exists():
        sys.exit("The bench area has households from an earlier run: drop and create the database again.")
    households = int(args.persons / 2.5)
    needed = households + households // 50 + 10
    have = Address.objects.filter(area=area).count()
    if have < needed:
        started = time.monotonic()
        street, _ = Street.objects.get_or_create(name="Benchstraat", woonplaats="Venlo")
        existing = set(Address.objects.filter(area=area).values_list("postcode", "huisnummer"))
        batch = []
        for postcode, number in address_keys(needed):
            if (postcode, number) not in existing:
                batch.append(
                    Address(street=street, area=area, postcode=postcode, huisnummer=number, woonplaats="Venlo")
                )
            if len(batch) >= 5000:
                Address.objects.bulk_create(batch)
                batch = []
        Address.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{needed - have:,} addresses made in {time.monotonic() - started:.0f} s")

    directory = Path(args.directory)
    first, later = directory / "h16-brp-first.csv", directory / "h16-brp-later.csv"
    started = time.monotonic()
    rows_first = write_extract(first, args.persons)
    rows_later = write_extract(later, args.persons, later=True)
    print(f"extracts written in {time.monotonic() - started:.0f} s: {rows_first:,} and {rows_later:,} persons, "
          f"{first.stat().st_size / 1e6:.0f} MB each")  # fmt: skip

    steps = {
        "1": ("first import into the empty area", first, False, datetime.date(2026, 11, 1)),
        "2": ("the same file again, complete", first, True, datetime.date(2026, 11, 1)),
        "3": ("a later extract, complete", later, True, datetime.date(2026, 12, 1)),
    }
    print("\n| step | rows | seconds | rows/s | peak RSS (MB) | result |\n|---|---:|---:|---:|---:|---|")
    for step in args.steps.split(","):
        label, path, complete, extract_date = steps[step]
        started = time.monotonic()
        with path.open("rb") as stream:
            report = import_people(
                acting_user=None,
                area=area,
                stream=stream,
                filename=path.name,
                extract_date=extract_date,
                complete=complete,
            )
        seconds = time.monotonic() - started
        counts = ", ".join(f"{k} {v:,}" for k, v in report.counts().items() if v)
        result = f"rejected {len(report.rejected):,}; {counts}" if report.rejected else counts
        print(f"| {step}. {label} | {report.rows_read:,} | {seconds:.0f} | {report.rows_read / seconds:,.0f} | "
              f"{rss_mb():.0f} | {result} |", flush=True)  # fmt: skip
        if report.rejected:
            print("   first rejections:", [(p.row, p.reason) for p in report.rejected[:3]])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
