"""`stijging api_client create|approve|rotate|revoke|webhook|list`: an admin of the programmes manages
API clients. The token is printed once, here; Stijging keeps only its hash. A new client works once
a second admin of its programmes approves it (`approve`). The admin pages (/beheer/) do the same
through the same services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stijging.accounts.models import Organisation
from stijging.api import services
from stijging.api.models import ApiClient, Scope
from stijging.registry.models import Programme


class Command(BaseCommand):
    help = "Create, rotate or revoke an API client (as an admin of its programmes), or list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--by", required=True, help="e-mail of the admin who acts")
        create.add_argument("--name", required=True)
        create.add_argument("--organisation", required=True, help="the organisation's name")
        create.add_argument("--programme", action="append", required=True, help="a programme's slug (repeat)")
        create.add_argument("--scope", action="append", required=True, choices=Scope.values, help="(repeat)")
        for name in ("approve", "rotate", "revoke"):
            action = sub.add_parser(name)
            action.add_argument("--by", required=True, help="e-mail of the admin who acts")
            action.add_argument("prefix", help="the client's token prefix (see list)")
        webhook = sub.add_parser("webhook", help="set the client's webhook URL (empty: none); prints its secret")
        webhook.add_argument("--by", required=True, help="e-mail of the admin who acts")
        webhook.add_argument("--url", required=True)
        webhook.add_argument("prefix", help="the client's token prefix (see list)")
        sub.add_parser("list")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            for client in ApiClient.objects.select_related("organisation").prefetch_related("programmes"):
                programmes = ",".join(p.slug for p in client.programmes.all())
                state = "revoked" if not client.active else "awaits approval" if client.awaits_approval else "active"
                self.stdout.write(
                    f"{client.token_prefix}  {client.name}  {client.organisation}  {programmes}  "
                    f"{','.join(client.scopes)}  {state}"
                )
            return
        try:
            admin = get_user_model().objects.get(email=options["by"], is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError("No active user with that e-mail.") from None
        try:
            if action == "create":
                organisation = Organisation.objects.get(name=options["organisation"])
                chosen = list(Programme.objects.filter(slug__in=options["programme"]))
                if len(chosen) != len(set(options["programme"])):
                    raise CommandError("Unknown programme slug.")
                client, token = services.api_client_create(
                    acting_user=admin,
                    name=options["name"],
                    organisation=organisation,
                    programmes=chosen,
                    scopes=options["scope"],
                )
            else:
                client = ApiClient.objects.get(token_prefix=options["prefix"])
                if action == "webhook":
                    secret = services.api_client_set_webhook(acting_user=admin, client=client, url=options["url"])
                    self.stdout.write(f"Webhook of {client}: {client.webhook_url or '(none)'}")
                    if secret:
                        self.stdout.write(f"Its signing secret, shown only now:\n{secret}")
                    return
                if action == "approve":
                    # The command shows no other version than the current one: it approves what `list` shows.
                    services.api_client_approve(acting_user=admin, client=client, version=client.version)
                    self.stdout.write(f"Approved {client}: it works now.")
                    return
                if action == "revoke":
                    services.api_client_revoke(acting_user=admin, client=client)
                    self.stdout.write(f"Revoked {client}.")
                    return
                token = services.api_client_rotate(acting_user=admin, client=client)
                client.refresh_from_db()
        except (Organisation.DoesNotExist, ApiClient.DoesNotExist):
            raise CommandError("Unknown organisation or client.") from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if action == "create":
            self.stdout.write(f"Client {client} awaits approval by another admin of its programmes (approve).")
        self.stdout.write(f"Client {client}. The token, shown only now:\n{token}")
