from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stijging.accounts import services
from stijging.accounts.models import User


class Command(BaseCommand):
    help = (
        "Send a user the single-use link (72 hours) to enrol their first second factor, e.g. the first "
        "administrator after createsuperuser. Later invitations come from the configuration screens. "
        "The e-mail leaves through the outbox with the next `stijging tick`; the link is never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError("No user has that e-mail address.")
        try:
            invitation = services.second_factor_invite(acting_user=None, user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Invitation queued for {user.email}; it expires at {invitation.expires_at:%Y-%m-%d %H:%M %Z}."
        )
