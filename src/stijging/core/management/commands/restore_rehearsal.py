import datetime
import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from stijging.core import rehearsal


class Command(BaseCommand):
    help = (
        "Rehearse a restore (PostgreSQL): pg_dump this database, restore it into a new database, migrate it,"
        " run audit_verify against the anchor, compare the programmes' figures and row counts; non-zero when"
        " they differ. See docs/operations/backup-restore.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dump", help="Rehearse this existing dump (pg_dump -Fc) instead of taking one.")
        parser.add_argument(
            "--dump-time",
            help="When the --dump was made (ISO 8601 with offset), if not as its table of contents says.",
        )
        parser.add_argument("--target", help="Name of the database to restore into (default: <name>_rehearsal_<time>).")
        parser.add_argument("--keep", action="store_true", help="Keep the restored database (it holds personal data).")
        parser.add_argument(
            "--alter-restored",
            metavar="SQL",
            help="Run this SQL on the restored copy before comparing: proves that the rehearsal fails when it differs.",
        )
        parser.add_argument("--print-figures", action="store_true", help="Only print this database's figures as JSON.")

    def handle(self, *args, **options):
        if options["print_figures"]:
            self.stdout.write(json.dumps(rehearsal.figures_snapshot(), sort_keys=True))
            return
        if connection.vendor != "postgresql":
            raise CommandError("the restore rehearsal needs PostgreSQL (pg_dump / pg_restore)")
        target = options["target"] or rehearsal.default_target()
        with tempfile.TemporaryDirectory(prefix="stijging-rehearsal-") as tmp:
            try:
                self._rehearse(Path(tmp), target, options)
            except RuntimeError as error:
                raise CommandError(str(error)) from error
            finally:
                if not options["keep"]:
                    rehearsal.drop(target)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _rehearse(self, tmp: Path, target: str, options) -> None:
        if options["dump"]:
            dump = Path(options["dump"])
            before = None
            taken_at = (
                datetime.datetime.fromisoformat(options["dump_time"])
                if options["dump_time"]
                else rehearsal.dump_created_at(dump)
            )
            self._say(f"dump {dump}, made at {taken_at.isoformat()}")
        else:
            dump = tmp / "rehearsal.dump"
            before, taken_at = rehearsal.dump_with_figures(dump)
            self._say(
                f"dumped {connection.settings_dict['NAME']} at {taken_at.isoformat()} ({dump.stat().st_size} bytes)"
            )
        rehearsal.restore(dump, target)
        self._say(f"restored into {target}")
        migrated = rehearsal.on_restored(target, "migrate", "--no-input")
        if migrated.returncode:
            raise RuntimeError(f"migrate on the restored copy failed: {migrated.stderr.strip()[-2000:]}")
        self._say("migrations applied")
        if options["alter_restored"]:
            altered = rehearsal.on_restored(
                target, "dbshell", "--", "-v", "ON_ERROR_STOP=1", "-c", options["alter_restored"]
            )
            if altered.returncode:
                raise RuntimeError(f"--alter-restored failed: {altered.stderr.strip()}")
            self._say("altered the restored copy as asked")
        verified = rehearsal.on_restored(target, "audit_verify", "--json")
        try:
            report = json.loads(verified.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as error:
            raise RuntimeError(
                f"audit_verify on the restored copy gave no result: {verified.stderr.strip()}"
            ) from error
        audit_ok, audit_says = rehearsal.classify_audit(report, taken_at)
        self._say(audit_says)
        problems = [] if audit_ok else [audit_says]
        if before is None:
            self._say("figures not compared: a given dump has no figures from the moment it was made")
        else:
            printed = rehearsal.on_restored(target, "restore_rehearsal", "--print-figures")
            if printed.returncode:
                raise RuntimeError(f"figures of the restored copy failed: {printed.stderr.strip()[-2000:]}")
            after = json.loads(printed.stdout)
            differ = rehearsal.differences(before, after)
            if differ:
                problems.append(f"{len(differ)} figure(s) differ after the restore")
                for line in differ[:30]:
                    self.stderr.write(f"DIFFERS: {line}")
            else:
                n_programmes = len(before["programmes"])
                self._say(
                    f"figures equal before and after: {len(before['counts'])} tables' row counts and"
                    f" {n_programmes} programme(s)' figures"
                )
        if problems:
            raise CommandError("restore rehearsal FAILED: " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS("restore rehearsal passed"))
