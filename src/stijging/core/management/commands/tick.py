from django.core.management.base import BaseCommand, CommandError

from stijging.core import tick


class Command(BaseCommand):
    help = "Run the periodic jobs once (audit sealing, and later reminders and escalations). Run every minute."

    def handle(self, *args, **options):
        try:
            results = tick.run()
        except tick.TickBusy as busy:
            # Not an error: cron started this run while the last one (or another server's) works.
            self.stdout.write(str(busy))
            return
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for name, result in results.items():
            self.stdout.write(f"{name}: {result}")
