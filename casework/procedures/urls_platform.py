"""Platform host: the case work page (mediation, committee, confidant), the staff access log,
and the complainant's messages, shared notes and documents in Mijn klachten."""

from django.urls import path

from casework.procedures import views as mediation
from casework.procedures import views_coordinator as coordinator
from casework.procedures import views_panel as panel
from casework.procedures import views_parties as parties

urlpatterns = [
    path(
        "werkplek/zaken/<str:reference>/bericht-aan-klager/",
        coordinator.complainant_message,
        name="case_complainant_message",
    ),
    path("werkplek/zaken/<str:reference>/bemiddeling/", mediation.case_work, name="case_mediation"),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/gesprek/",
        mediation.meeting_create,
        name="case_meeting_create",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/gesprek/<int:meeting_id>/annuleren/",
        mediation.meeting_cancel_view,
        name="case_meeting_cancel",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/vastleggen/",
        mediation.record_create,
        name="case_record_create",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/documenten/<int:record_id>/",
        mediation.record_download,
        name="case_record_download",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/bericht/",
        mediation.message_create,
        name="case_message_create",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/vertrouwenspersoon/",
        mediation.confidant_note_create,
        name="case_confidant_note_create",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/klachtonderdelen/",
        mediation.part_create,
        name="case_part_create",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/klachtonderdelen/<int:part_id>/oordeel/",
        mediation.part_judge,
        name="case_part_judge",
    ),
    path(
        "werkplek/zaken/<str:reference>/bemiddeling/advies/", mediation.advice_issue, name="case_advice_issue"
    ),
    path(
        "werkplek/zaken/<str:reference>/commissie/samenstellen/",
        panel.panel_compose,
        name="case_panel_compose",
    ),
    path("werkplek/zaken/<str:reference>/commissie/", panel.panel_workspace, name="case_panel"),
    path(
        "werkplek/zaken/<str:reference>/commissie/schriftelijke-ronde/",
        panel.panel_round,
        name="case_panel_round",
    ),
    path(
        "werkplek/zaken/<str:reference>/commissie/hoorzitting/",
        panel.panel_hearing,
        name="case_panel_hearing",
    ),
    path(
        "werkplek/zaken/<str:reference>/commissie/hoorzitting/<int:meeting_id>/verslag/",
        panel.panel_hearing_report,
        name="case_panel_hearing_report",
    ),
    path(
        "werkplek/zaken/<str:reference>/commissie/beraad/",
        panel.panel_deliberation,
        name="case_panel_deliberation",
    ),
    path("werkplek/zaken/<str:reference>/commissie/onderdelen/", panel.panel_part, name="case_panel_part"),
    path(
        "werkplek/zaken/<str:reference>/commissie/onderdelen/<int:part_id>/oordeel/",
        panel.panel_part_judge,
        name="case_panel_part_judge",
    ),
    path("werkplek/zaken/<str:reference>/commissie/ondertekenen/", panel.panel_sign, name="case_panel_sign"),
    path(
        "werkplek/zaken/<str:reference>/toegangslog/", mediation.case_access_log_view, name="case_access_log"
    ),
    path("mijn-klachten/<str:reference>/bericht/", parties.portal_message, name="portal_case_message"),
    path(
        "mijn-klachten/<str:reference>/notities/<int:note_id>/delen/",
        parties.portal_note_share,
        name="portal_case_note_share",
    ),
    path(
        "mijn-klachten/<str:reference>/documenten/<int:record_id>/",
        parties.portal_document,
        name="portal_case_document",
    ),
]
