"""The professionals directory (platform admins and coordinators, platform host)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PlatformRole, Professional
from accounts.permissions import platform_role_required, signed_in
from casework.index.selectors import open_case_count, open_cases_of
from professionals.forms import AbsenceForm, ConflictForm, DirectoryFilterForm, ProfessionalForm
from professionals.selectors import professional_detail, professional_directory
from professionals.services import (
    DirectoryError,
    absence_add,
    absence_remove,
    conflict_add,
    conflict_remove,
    professional_update,
)
from reference.dates import today_amsterdam

PAGE_SIZE = 25
directory_required = platform_role_required(PlatformRole.PLATFORM_ADMIN, PlatformRole.COORDINATOR)


def _professional(pk: int) -> Professional:
    professional = professional_detail(pk=pk, today=today_amsterdam(), open_cases=open_case_count())
    if professional is None:
        raise Http404
    return professional


@directory_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    rows = professional_directory(
        filters=form.filters(), today=today_amsterdam(), open_cases=open_case_count()
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "accounts/directory/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@directory_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    professional = _professional(pk)
    return render(
        request,
        "accounts/directory/detail.html",
        {
            "professional": professional,
            "open_cases": open_cases_of(professional),
            "absence_form": AbsenceForm(),
            "conflict_form": ConflictForm(),
            "today": today_amsterdam(),
        },
    )


@directory_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    professional = _professional(pk)
    form = ProfessionalForm.for_professional(professional, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            professional_update(professional=professional, actor=signed_in(request), **form.cleaned_data)
        except DirectoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Het profiel van %(name)s is opgeslagen.") % {"name": professional})
            return redirect("professional_detail", pk=pk)
    return render(request, "accounts/directory/edit.html", {"professional": professional, "form": form})


@directory_required
@require_POST
def absence_create(request: HttpRequest, pk: int) -> HttpResponse:
    professional = _professional(pk)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            absence_add(professional=professional, actor=signed_in(request), **form.cleaned_data)
        except DirectoryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("De afwezigheid is vastgelegd."))
            return redirect("professional_detail", pk=pk)
    return _detail_with_errors(request, professional, absence_form=form)


@directory_required
@require_POST
def absence_delete(request: HttpRequest, pk: int, absence_id: int) -> HttpResponse:
    professional = _professional(pk)
    try:
        absence_remove(professional=professional, actor=signed_in(request), absence_id=absence_id)
    except DirectoryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("De afwezigheid is verwijderd."))
    return redirect("professional_detail", pk=pk)


@directory_required
@require_POST
def conflict_create(request: HttpRequest, pk: int) -> HttpResponse:
    professional = _professional(pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            conflict_add(professional=professional, actor=signed_in(request), **form.cleaned_data)
        except DirectoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("De belangenverstrengeling is vastgelegd."))
            return redirect("professional_detail", pk=pk)
    return _detail_with_errors(request, professional, conflict_form=form)


@directory_required
@require_POST
def conflict_delete(request: HttpRequest, pk: int, conflict_id: int) -> HttpResponse:
    professional = _professional(pk)
    try:
        conflict_remove(professional=professional, actor=signed_in(request), conflict_id=conflict_id)
    except DirectoryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("De belangenverstrengeling is verwijderd."))
    return redirect("professional_detail", pk=pk)


def _detail_with_errors(
    request: HttpRequest,
    professional: Professional,
    *,
    absence_form: AbsenceForm | None = None,
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "accounts/directory/detail.html",
        {
            "professional": professional,
            "open_cases": open_cases_of(professional),
            "absence_form": absence_form or AbsenceForm(),
            "conflict_form": conflict_form or ConflictForm(),
            "today": today_amsterdam(),
        },
        status=400,
    )
