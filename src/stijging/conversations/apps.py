from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "stijging.conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from stijging.registry import panels as registry_panels

        from . import panels

        registry_panels.household_page.register(panels.household_panel)
