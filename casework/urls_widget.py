"""The complaint widget on a provider's host: script, iframe form, plain form page, settings."""

from django.urls import path

from casework import widget

urlpatterns = [
    path("widget.js", widget.widget_script, name="widget_script"),
    path("widget/", widget.widget_form, name="widget_form"),
    path("klacht/", widget.complaint_page, name="complaint_page"),
    path("instellingen/klachtenformulier/", widget.widget_settings, name="widget_settings"),
]
