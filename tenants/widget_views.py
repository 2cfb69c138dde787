"""The provider admin's page for the complaint widget's settings (provider host)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.forms import WidgetSettingsForm
from tenants.permissions import provider_member_required
from tenants.widget import widget_allowed_origins, widget_settings_update


@provider_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def widget_settings(request: HttpRequest) -> HttpResponse:
    """Allowed sites for the widget, and the snippet to paste into the provider's website."""
    provider = request.tenant
    current = widget_allowed_origins(provider)
    if request.method == "POST":
        form = WidgetSettingsForm(request.POST)
        if form.is_valid():
            widget_settings_update(provider=provider, allowed_origins=form.cleaned_data["allowed_origins"])
            messages.success(request, _("De websites voor het klachtenformulier zijn opgeslagen."))
            return redirect("widget_settings")
    else:
        form = WidgetSettingsForm(initial={"allowed_origins": "\n".join(current)})
    script_url = request.build_absolute_uri("/widget.js")
    snippet = f'<script src="{script_url}" defer></script>\n<div data-klachtpunt-widget></div>'
    return render(
        request,
        "casework/widget/settings.html",
        {
            "provider": provider,
            "form": form,
            "allowed": current,
            "snippet": snippet,
            "page_url": request.build_absolute_uri("/klacht/"),
        },
    )
