"""Provider hosts: the public complaints scheme, its PDF and versions, and the admin's review page."""

from django.urls import path

from casework.scheme import views

urlpatterns = [
    path("klachtenregeling/", views.scheme_public, name="scheme_public"),
    path("klachtenregeling/pdf/", views.scheme_current_pdf, name="scheme_pdf"),
    path("klachtenregeling/versies/", views.scheme_versions, name="scheme_versions"),
    path("klachtenregeling/versies/<int:version>/", views.scheme_public_version, name="scheme_version"),
    path("klachtenregeling/versies/<int:version>/pdf/", views.scheme_version_pdf, name="scheme_version_pdf"),
    path("instellingen/klachtenregeling/", views.scheme_manage, name="scheme_manage"),
    path("instellingen/klachtenregeling/concept/", views.scheme_generate, name="scheme_generate"),
    path("instellingen/klachtenregeling/publiceren/", views.scheme_publish_draft, name="scheme_publish"),
]
