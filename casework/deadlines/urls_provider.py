"""Provider hosts: the provider extends its decision deadline."""

from django.urls import path

from casework.deadlines import views

urlpatterns = [
    path("klachten/<str:reference>/termijn/", views.extension, name="provider_extension"),
]
