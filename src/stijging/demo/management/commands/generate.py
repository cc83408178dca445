from django.core.management.base import BaseCommand, CommandError

from stijging.accounts.models import Role
from stijging.demo.generate import BENCH_PASSWORD, DEFAULT_SLUG, bench_email, generate_region

from .seed_demo import refuse_without_demo_mode


class Command(BaseCommand):
    help = (
        "Generate a synthetic region for the benchmark (SPEC §3): areas, fictional streets, BAG addresses, "
        "households with moves, persons with dated memberships, and one user per role (able to log in with "
        "the published bench password and TOTP secret only with --bench-users). PostgreSQL: COPY; SQLite: batched "
        "inserts. Refuses unless demo mode is on (STIJGING_DEMO=1, which needs DEBUG=1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="How many households, e.g. 400000.")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same region.")
        parser.add_argument(
            "--programme-slug", default=DEFAULT_SLUG, help=f"Short name of the new programme (default {DEFAULT_SLUG})."
        )
        parser.add_argument("--programme-name", default=None)
        parser.add_argument(
            "--bench-users",
            action="store_true",
            help="Let the one user per role log in with the published bench password and TOTP secret (benchmarks).",
        )

    def handle(self, *args, **options):
        refuse_without_demo_mode()
        if options["households"] < 1:
            raise CommandError("--households must be at least 1.")
        self.stdout.write(f"Generating {options['households']:,} households ...")
        try:
            result = generate_region(
                households=options["households"],
                seed=options["seed"],
                programme_slug=options["programme_slug"],
                programme_name=options["programme_name"],
                progress=self.stdout.write,
                bench_users=options["bench_users"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated programme {result.programme.slug!r}: {result.areas} areas, {result.streets:,} streets, "
                f"{result.addresses:,} addresses, {result.households:,} households ({result.residences:,} residences), "
                f"{result.persons:,} persons ({result.memberships:,} memberships), {result.consents:,} consents "
                f"in {result.seconds['total']:.1f} s."
            )
        )
        self.stdout.write("Rows per table:")
        for table, count in sorted(result.rows.items()):
            self.stdout.write(f"  {table:<42} {count:>12,}")
        for name, seconds in result.seconds.items():
            if name != "total":
                self.stdout.write(f"  {name:<26} {seconds:7.1f} s")
        if not options["bench_users"]:
            self.stdout.write("No user of this region can log in (run with --bench-users for the benchmark's).")
            return
        self.stdout.write(f"Bench users (password {BENCH_PASSWORD}, TOTP secret in stijging.demo.generate):")
        for role in Role:
            self.stdout.write(f"  {role.value:<16} {bench_email(role.value, options['programme_slug'])}")
