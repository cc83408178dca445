from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectoriesConfig(AppConfig):
    name = "stijging.trajectories"
    verbose_name = _("Help trajectories")

    def ready(self) -> None:
        from stijging.registry import panels as registry_panels

        from . import person_panels

        registry_panels.person_page.register(person_panels.person_panel)
        registry_panels.household_page.register(person_panels.household_panel)

        from stijging.conversations import baseline

        from .selectors import first_measurement_on

        baseline.register_follow_up_check(first_measurement_on)
