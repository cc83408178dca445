from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API v1: the top floor. It may import every other app; no app imports it."""

    name = "stijging.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from stijging.core import tick
        from stijging.referrals.models import Referral
        from stijging.referrals.signals import referral_event

        from . import (
            schema,  # noqa: F401  registers the bearer token with drf-spectacular
            webhooks,
        )

        referral_event.connect(webhooks.queue_for_referral, sender=Referral, dispatch_uid="api-webhooks")
        # Before the e-mail step, as the other steps that queue: notices of this run go out in it.
        tick.register_step("api_webhooks", webhooks.deliver_pending, before="send_email")
