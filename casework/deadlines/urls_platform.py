"""Platform host, under /werkplek/: the coordinator extends a case's deadline."""

from django.urls import path

from casework.deadlines import views

urlpatterns = [
    path("zaken/<str:reference>/termijn/", views.extend, name="case_extend"),
    path("zaken/<str:reference>/ontvangstdatum/", views.receipt_date, name="case_receipt_date"),
]
