from django.db import models


class Pony(models.Model):
    """One pony in the stable: the demo's CRUD item."""

    class Status(models.TextChoices):
        GRAZING = "grazing", "Grazing"
        GALLOPING = "galloping", "Galloping"
        SHOW_READY = "show_ready", "Show Ready"

    name = models.CharField(max_length=60)
    personality = models.TextField("personality notes", max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.GRAZING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name_plural = "ponies"

    def __str__(self) -> str:
        return self.name
