import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stijging.registry.imports import ImportFileError
from stijging.registry.models import Area
from stijging.registry.people_import import BRP, import_people


class Command(BaseCommand):
    help = (
        "Import households and persons from a housing association's tenant list or a population-register "
        "(BRP) extract, CSV or XLSX (docs/people-import.md). Without --apply it only shows what it would do. "
        "All or nothing, unless --valid-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--area", required=True, help="the area's short name (slug)")
        parser.add_argument("--programme", help="the programme's slug, when several programmes have this area slug")
        parser.add_argument("--apply", action="store_true", help="write the changes (without it: a dry run)")
        parser.add_argument("--valid-only", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument(
            "--complete",
            action="store_true",
            help="the file is the complete population-register extract of the area: its persons that the file "
            "lacks moved out on the extract date",
        )
        parser.add_argument(
            "--extract-date",
            type=datetime.date.fromisoformat,
            help="the day the extract describes, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, **options):
        areas = Area.objects.filter(slug=options["area"])
        if options["programme"]:
            areas = areas.filter(programme__slug=options["programme"])
        if areas.count() != 1:
            raise CommandError(f"Expected one area with short name {options['area']!r}, found {areas.count()}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as stream:
                report = import_people(
                    acting_user=None,
                    area=areas.get(),
                    stream=stream,
                    filename=path.name,
                    extract_date=options["extract_date"],
                    complete=options["complete"],
                    dry_run=not options["apply"],
                    valid_rows_only=options["valid_only"],
                )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        shape = "population-register extract" if report.shape == BRP else "tenant list"
        out(f"{shape} ({report.file_format}), extract date {report.extract_date}; rows read: {report.rows_read}")
        for problem in report.rejected:
            out(f"  rejected row {problem.row}: {problem.reason}")
        for note in report.notes:
            out(note)
        if report.rejected and not options["valid_only"]:
            raise CommandError(
                f"{len(report.rejected)} rows rejected; nothing was imported. Fix them, or run with --valid-only "
                "to import the rest."
            )
        verb = "would be" if report.dry_run else "were"
        out(
            f"households {verb}: added {report.households_added}, moved {report.households_moved}, "
            f"ended {report.households_ended}, unchanged {report.households_unchanged}"
        )
        out(
            f"persons {verb}: added {report.persons_added}, moved {report.persons_moved}, "
            f"ended {report.persons_ended}, unchanged {report.persons_unchanged}"
        )
        if report.dry_run:
            out("Dry run: nothing was written. Run again with --apply to import.")
