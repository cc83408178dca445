from django.db import models


class JobRun(models.Model):
    """When a periodic job last ran, for /health/ and for operations."""

    name = models.CharField(max_length=50, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(default=False)
    last_message = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name
