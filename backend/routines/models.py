from django.db import models

KINDS = {
    "groom": "Grooming",
    "feed": "Feeding time",
    "muck": "Mucking out",
    "shoe": "New horseshoes",
}


class Routine(models.Model):
    """One run of a stable routine, mirrored from its django-tasks task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED


def abandon_unfinished(**kwargs) -> int:
    """``backend_starting`` receiver: rows left queued/running by a previous launch can
    never finish, so mark them abandoned. Returns the number of rows changed."""
    from django.utils import timezone

    return Routine.objects.filter(status__in=Routine.UNFINISHED).update(
        status=Routine.Status.ABANDONED,
        finished_at=timezone.now(),
        message="The app closed before this routine finished.",
    )
