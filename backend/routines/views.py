"""Stable Routines: start a background routine and watch it finish."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .models import KINDS, Routine
from .tasks import run_routine

RECENT = 12


@require_GET
def routine_list(request: HttpRequest) -> HttpResponse:
    routines = list(Routine.objects.all()[:RECENT])
    context = {
        "routines": routines,
        "kinds": KINDS,
        "any_running": any(r.is_unfinished for r in routines),
    }
    return render(request, "routines/list.html", context)


@require_POST
def start_routine(request: HttpRequest) -> HttpResponse:
    """Create a Routine row and enqueue ``run_routine`` for it (django-tasks)."""
    kind = request.POST.get("kind", "")
    if kind not in KINDS:
        return HttpResponse("Unknown routine", status=400, content_type="text/plain")
    routine = Routine.objects.create(kind=kind)
    result = run_routine.enqueue(routine.pk)
    Routine.objects.filter(pk=routine.pk).update(task_id=str(result.id))
    messages.info(request, f"{KINDS[kind]} has started.")
    return redirect("routines:list")


@require_GET
def routine_status(request: HttpRequest) -> JsonResponse:
    """``GET /routines/status/`` → ``{"running": bool, "routines": [{id, kind, status,
    label, duration_s, message}]}``; polled every 2 s while something runs."""
    routines = list(Routine.objects.all()[:RECENT])
    return JsonResponse(
        {
            "running": any(r.is_unfinished for r in routines),
            "routines": [
                {
                    "id": r.pk,
                    "kind": r.kind_label,
                    "status": r.status,
                    "label": r.get_status_display(),
                    "duration_s": r.duration_s,
                    "message": r.message,
                }
                for r in routines
            ],
        }
    )
