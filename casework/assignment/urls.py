"""Professionals, matching and assignment, my cases and time logging, under /werkplek/ (platform host)."""

from django.urls import path

from casework.assignment import views as assignment
from casework.assignment import views_directory as directory
from casework.assignment import views_professional as professional

urlpatterns = [
    # The directory (platform admins and coordinators).
    path("professionals/", directory.directory, name="professional_directory"),
    path("professionals/<int:pk>/", directory.detail, name="professional_detail"),
    path("professionals/<int:pk>/bewerken/", directory.edit, name="professional_edit"),
    path("professionals/<int:pk>/afwezigheid/", directory.absence_create, name="professional_absence_add"),
    path(
        "professionals/<int:pk>/afwezigheid/<int:absence_id>/verwijderen/",
        directory.absence_delete,
        name="professional_absence_remove",
    ),
    path("professionals/<int:pk>/belangen/", directory.conflict_create, name="professional_conflict_add"),
    path(
        "professionals/<int:pk>/belangen/<int:conflict_id>/verwijderen/",
        directory.conflict_delete,
        name="professional_conflict_remove",
    ),
    # Matching and assignment (coordinator).
    path("zaken/<str:reference>/toewijzen/", assignment.case_match, name="case_match"),
    path(
        "zaken/<str:reference>/toewijzen/<int:user_id>/", assignment.case_assign_confirm, name="case_assign"
    ),
    # Time logging (the assigned professional; coordinators for intake calls).
    path("zaken/<str:reference>/uren/", professional.case_time_view, name="case_time"),
    path(
        "zaken/<str:reference>/uren/<int:entry_id>/", professional.case_time_edit_view, name="case_time_edit"
    ),
    path(
        "zaken/<str:reference>/uren/<int:entry_id>/verwijderen/",
        professional.case_time_delete_view,
        name="case_time_delete",
    ),
    # The professional's own workspace.
    path("mijn-zaken/", professional.my_cases_view, name="my_cases"),
    path("mijn-zaken/<str:reference>/aanbod/", professional.assignment_offer_view, name="assignment_offer"),
    path(
        "mijn-zaken/<str:reference>/accepteren/",
        professional.assignment_accept_view,
        name="assignment_accept",
    ),
    path(
        "mijn-zaken/<str:reference>/afwijzen/",
        professional.assignment_decline_view,
        name="assignment_decline",
    ),
    path("mijn-uren/", professional.my_hours_view, name="my_hours"),
]
