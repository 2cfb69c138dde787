"""Platform host, under /werkplek/: closing a case with its outcome."""

from django.urls import path

from casework.closing import views as closing

urlpatterns = [
    path("zaken/<str:reference>/uitkomst/", closing.close, name="case_close"),
]
