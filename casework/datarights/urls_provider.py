"""Provider hosts: the privacy notice, and the complainant's data rights behind a follow link."""

from django.urls import path

from casework.datarights import views

urlpatterns = [
    path("privacyverklaring/", views.privacy_notice, name="privacy_notice"),
    path("volg/<str:token>/gegevens/", views.follow_rights, name="datarights_follow"),
    path(
        "volg/<str:token>/gegevens/download.<str:file_format>",
        views.follow_download,
        name="datarights_follow_download",
    ),
    path("volg/<str:token>/gegevens/wissen/", views.follow_erase, name="datarights_follow_erase"),
]
