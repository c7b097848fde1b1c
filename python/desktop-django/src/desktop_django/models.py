from django.db import models


class FirstRun(models.Model):
    """Marker row: the first-run hook has completed for this database (C-DATA-3).

    Written in the same transaction as the seed, so its presence means "seeded".
    """

    completed_at = models.DateTimeField(auto_now_add=True)
    hook = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "first run"

    def __str__(self) -> str:
        return f"first run {self.completed_at:%Y-%m-%d %H:%M:%S}"
