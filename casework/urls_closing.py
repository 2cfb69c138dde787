"""Platform host, under /werkplek/: closing a case and extending its deadline."""

from django.urls import path

from casework.views import closing

urlpatterns = [
    path("zaken/<str:reference>/uitkomst/", closing.close, name="case_close"),
    path("zaken/<str:reference>/termijn/", closing.extend, name="case_extend"),
]
