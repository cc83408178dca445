from django.core.management.base import BaseCommand, CommandError

from stijging.privacy import audit


class Command(BaseCommand):
    help = "Check the audit log's hash chain against the anchor file kept outside the database."

    def handle(self, *args, **options):
        result = audit.verify()
        self.stdout.write(f"sealed events checked: {result.sealed}; not yet sealed: {result.unsealed}")
        self.stdout.write(f"anchor: {audit.anchor_path()}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(f"the audit log failed verification ({len(result.problems)} problem(s))")
        self.stdout.write(self.style.SUCCESS("the audit log is intact"))
