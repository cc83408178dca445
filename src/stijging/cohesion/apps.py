from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohesionConfig(AppConfig):
    name = "stijging.cohesion"
    verbose_name = _("Neighbourhood cohesion")
