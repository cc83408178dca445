import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from .seed_demo import refuse_without_demo_mode


class Command(BaseCommand):
    help = "Start the demo: a fresh SQLite database, the demo programme, and a server on http://127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Set up the database but do not start the server.")

    def handle(self, *args, **options):
        # `stijging demo` turns demo mode on itself (see __main__: before the settings load); run any
        # other way, with DEBUG off, it refuses like the other demo commands.
        if not settings.DEBUG:
            raise CommandError("The demo data cannot be loaded when DEBUG is off (production).")
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError("The demo runs on SQLite only; unset DATABASE_URL to use the default file under var/.")
        # A fresh database every time: the demo is something to play with, not to keep.
        connections.close_all()
        path = Path(database["NAME"])
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{path}{suffix}")
            if candidate.exists():
                candidate.unlink()
        # The anchor belongs to the database just deleted: a fresh log starts a fresh anchor, or the
        # sealer would (rightly) refuse to continue a chain that no longer reaches the anchor's end.
        anchor = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
        if anchor.exists():
            anchor.unlink()
        # The demo shows its banner and lets the demo users in without a second factor.
        # At 350 households the figures take milliseconds: computed on every visit, so what a demo
        # user records shows at once (a region keeps them; see STIJGING_FIGURES_MAX_AGE).
        os.environ["STIJGING_DEMO"] = "1"
        os.environ["STIJGING_REQUIRE_MFA"] = "0"
        os.environ.setdefault("STIJGING_FIGURES_MAX_AGE", "0")
        settings.STIJGING_DEMO = True
        settings.STIJGING_REQUIRE_MFA = False
        settings.STIJGING_FIGURES_MAX_AGE = int(os.environ["STIJGING_FIGURES_MAX_AGE"])
        call_command("migrate", interactive=False, verbosity=0)
        refuse_without_demo_mode()
        call_command("seed_demo")
        call_command("tick")
        if options["no_serve"]:
            return
        self.stdout.write(self.style.SUCCESS(f"Serving the demo on http://{options['addrport']}/ (Ctrl+C stops it)."))
        call_command("runserver", options["addrport"], use_reloader=False)
