"""The Stable Routines task, run by ``desktop_worker`` (django-tasks-db)."""

import random
import time

from django.utils import timezone
from django_tasks import task

from .models import Routine

MIN_S, MAX_S = 3.0, 10.0
FAILURE_RATE = 0.2
_rng = random.SystemRandom()  # not for security; SystemRandom keeps ruff's S311 quiet


class RoutineFailed(Exception):
    """A routine that went wrong on purpose (about 20 % of runs)."""


@task()
def run_routine(routine_id: int) -> str:
    """Work on routine ``routine_id`` for 3–10 s; fail about 20 % of the time.

    Claims the row by moving it queued → running atomically, so a row abandoned at
    startup (or already claimed) is left alone. Returns the final status.
    """
    claimed = Routine.objects.filter(pk=routine_id, status=Routine.Status.QUEUED).update(
        status=Routine.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    duration = _rng.uniform(MIN_S, MAX_S)
    try:
        time.sleep(duration)
    except BaseException:
        # The worker is being stopped mid-routine (the app is closing): say so, re-raise.
        Routine.objects.filter(pk=routine_id).update(
            status=Routine.Status.ABANDONED,
            finished_at=timezone.now(),
            message="Stopped: the app closed mid-routine.",
        )
        raise
    failed = _rng.random() < FAILURE_RATE
    Routine.objects.filter(pk=routine_id).update(
        status=Routine.Status.FAILED if failed else Routine.Status.SUCCEEDED,
        duration_s=round(duration, 1),
        finished_at=timezone.now(),
        message="A pony refused to cooperate." if failed else "All done, hay for everyone.",
    )
    if failed:
        raise RoutineFailed(f"routine {routine_id} failed")
    return Routine.Status.SUCCEEDED
