import json

from django.core.management.base import BaseCommand, CommandError

from stijging.privacy import audit


class Command(BaseCommand):
    help = "Check the audit log's hash chain against the anchor file kept outside the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the result as JSON (for the restore rehearsal); the exit status is the same.",
        )

    def handle(self, *args, **options):
        result = audit.verify()
        position = None if result.ok else audit.position_in_anchor()
        if options["json"]:
            chain = audit.verify_chain()
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "sealed": result.sealed,
                        "unsealed": result.unsealed,
                        "problems": result.problems,
                        "chain_ok": chain.ok,
                        "position": position,
                    }
                )
            )
            if not result.ok:
                raise CommandError("the audit log failed verification")
            return
        self.stdout.write(f"sealed events checked: {result.sealed}; not yet sealed: {result.unsealed}")
        self.stdout.write(f"anchor: {audit.anchor_path()}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            if position:
                # docs/operations/backup-restore.md: an older backup or a cut-off tail.
                self.stderr.write(
                    f"The log ends at seal {position['seal']}, anchored at {position['written'] or '-'}; the anchor"
                    f" has {position['lines_ahead']} later line(s), the first (seal {position['next_seal']}) written"
                    f" at {position['next_written']}. If this database was restored from a dump made before that"
                    " moment, the dump is older than the anchor (not tampering); if the dump was made after it,"
                    " sealed events were cut off."
                )
            raise CommandError(f"the audit log failed verification ({len(result.problems)} problem(s))")
        self.stdout.write(self.style.SUCCESS("the audit log is intact"))
