from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "stijging.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_tune_trigram_search, dispatch_uid="stijging-trigram-threshold")


def _tune_trigram_search(sender, connection, **kwargs) -> None:
    # pg_trgm's default threshold (0.3) misses a swapped letter in a short name: "vreis" against
    # "vries" scores 0.2. Set once per connection; a search for a longer name narrows it for its own
    # query (search.trigram_threshold).
    from .search import TRIGRAM_THRESHOLD

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)])
