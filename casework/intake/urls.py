"""The complaint widget on a provider's host: script, iframe form, plain form page."""

from django.urls import path

from casework.intake import views as widget

urlpatterns = [
    path("widget.js", widget.widget_script, name="widget_script"),
    path("widget/", widget.widget_form, name="widget_form"),
    path("klacht/", widget.complaint_page, name="complaint_page"),
]
