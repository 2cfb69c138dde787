"""The coordinator's queue, dossiers and triage, under /werkplek/ on the platform host."""

from django.urls import path

from casework.triage import views as views
from casework.triage import views_post

urlpatterns = [
    path("wachtrij/", views.queue, name="case_queue"),
    path("post/", views_post.post_list, name="post_list"),
    path("post/<int:pk>/brief.pdf", views_post.post_letter_pdf, name="post_letter_pdf"),
    path("post/<int:pk>/verstuurd/", views_post.post_letter_posted, name="post_letter_posted"),
    path("zaken/<str:reference>/", views.dossier, name="case_dossier"),
    path(
        "zaken/<str:reference>/bijlagen/<int:attachment_id>/",
        views.attachment_download,
        name="case_attachment",
    ),
    path("zaken/<str:reference>/intake/", views.intake_call, name="case_intake_call"),
    path("zaken/<str:reference>/afsluiten/", views.resolve, name="case_resolve"),
    path("zaken/<str:reference>/toestemming/vragen/", views.consent_request, name="case_consent_request"),
    path("zaken/<str:reference>/toestemming/vastleggen/", views.consent_answer, name="case_consent_record"),
    path("zaken/<str:reference>/doorzetten/", views.route, name="case_route"),
]
