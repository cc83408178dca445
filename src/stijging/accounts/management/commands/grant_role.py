from django.core.management.base import BaseCommand, CommandError

from stijging.accounts import services
from stijging.accounts.models import Role, User
from stijging.registry.models import Programme


class Command(BaseCommand):
    help = (
        "Grant a role in a programme as the system, without a second person: for the first administrator "
        "and privacy officer of a new programme, who have nobody yet to approve them. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("programme", help="the programme's short name (slug)")
        parser.add_argument("role", choices=[role.value for role in Role])

    def handle(self, *args, email: str, programme: str, role: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"no user with e-mail address {email}")
        found = Programme.objects.filter(slug=programme).first()
        if found is None:
            raise CommandError(f"no programme with short name {programme}")
        # Whoever runs this holds the server; the role change is audited with no actor, as the system.
        services.membership_grant(acting_user=None, user=user, programme_id=found.pk, role=role)
        self.stdout.write(self.style.SUCCESS(f"{email} is {role} in {found.slug}"))
