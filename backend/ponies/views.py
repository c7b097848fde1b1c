"""My Ponies: list, create, edit, delete and "clear the stable".

Bad input never reaches a 500: unknown ids are 404, invalid forms re-render with 400,
wrong methods are 405.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import PonyForm
from .models import Pony


@require_http_methods(["GET", "HEAD"])
def pony_list(request: HttpRequest) -> HttpResponse:
    ponies = Pony.objects.all()
    counts = {status: 0 for status, _ in Pony.Status.choices}
    for pony in ponies:
        counts[pony.status] += 1
    stats = [(label, counts[value], value) for value, label in Pony.Status.choices]
    return render(request, "ponies/list.html", {"ponies": ponies, "stats": stats})


def _form_page(request: HttpRequest, form: PonyForm, pony: Pony | None = None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "ponies/form.html", {"form": form, "pony": pony}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def pony_create(request: HttpRequest) -> HttpResponse:
    form = PonyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        pony = form.save()
        messages.success(request, f"{pony.name} trotted into the stable.")
        return redirect("ponies:list")
    return _form_page(request, form)


@require_http_methods(["GET", "HEAD", "POST"])
def pony_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pony = get_object_or_404(Pony, pk=pk)
    form = PonyForm(request.POST if request.method == "POST" else None, instance=pony)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{pony.name} is looking sharp.")
        return redirect("ponies:list")
    return _form_page(request, form, pony)


@require_POST
def pony_delete(request: HttpRequest, pk: int) -> HttpResponse:
    pony = get_object_or_404(Pony, pk=pk)
    pony.delete()
    messages.success(request, f"{pony.name} has left for greener pastures.")
    return redirect("ponies:list")


@require_POST
def clear_stable(request: HttpRequest) -> HttpResponse:
    deleted, _ = Pony.objects.all().delete()
    messages.success(request, f"The stable is clear ({deleted} ponies let out to pasture).")
    return redirect("ponies:list")
