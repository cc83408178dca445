from django.core.management.base import BaseCommand, CommandError

from stijging.privacy import audit


class Command(BaseCommand):
    help = (
        "After a broken chain was investigated and the log restored: start a new anchor file at the "
        "database's sealed tail, so sealing resumes. Refuses while the chain in the database is not "
        "consistent in itself. Keep the old anchor file as evidence (move it aside first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reason", required=True, help="Why, for the audit log (e.g. the incident number).")

    def handle(self, *args, **options):
        try:
            seq, event_id, digest = audit.reanchor(reason=options["reason"])
        except audit.AuditChainBroken as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"new anchor {audit.anchor_path()}: seal {seq} (event {event_id}) {digest}")
