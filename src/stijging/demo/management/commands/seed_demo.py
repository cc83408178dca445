from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stijging.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo


def refuse_without_demo_mode() -> None:
    # Production never holds synthetic people: they load only in demo mode, which the settings refuse
    # with DEBUG off. DEBUG on alone is not enough: a production database run once with DEBUG on by
    # mistake must not receive demo users with published passwords.
    if not settings.DEBUG:
        raise CommandError("The demo data cannot be loaded when DEBUG is off (production).")
    if not settings.STIJGING_DEMO:
        raise CommandError(
            "The demo data load only in demo mode: set STIJGING_DEMO=1 (and DEBUG=1) for a demo or benchmark database."
        )


class Command(BaseCommand):
    help = "Load the demo programme 'Sociale Stijging De Ruit' (synthetic data) into the current database."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=350)
        parser.add_argument("--seed", type=int, default=2009)

    def handle(self, *args, **options):
        refuse_without_demo_mode()
        result = seed_demo(seed=options["seed"], households=options["households"])
        self.stdout.write(
            f"Demo loaded: {result.households} households, {result.persons} persons, {result.addresses} addresses."
        )
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for email, _first, _last, role, organisation in DEMO_USERS:
            self.stdout.write(f"  {role:<16} {email:<34} {organisation}")
