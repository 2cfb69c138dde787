from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from tenants.models import DeletionCertificate, Domain, Provider, ProviderDeletionRequest, ProviderMembership

if TYPE_CHECKING:  # Django's admin classes are generic for the type checker only.
    _RequestAdmin = admin.ModelAdmin[ProviderDeletionRequest]
    _CertificateAdmin = admin.ModelAdmin[DeletionCertificate]
else:
    _RequestAdmin = _CertificateAdmin = admin.ModelAdmin


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    # The disputes body, and the free text from before the list that matched none of it (to resolve).
    list_display = (
        "name",
        "slug",
        "sector",
        "city",
        "disputes_body",
        "disputes_body_unmatched",
        "created_at",
    )
    list_filter = ("disputes_body",)
    search_fields = ("name", "slug", "city", "disputes_body_unmatched")
    readonly_fields = ("schema_name",)
    inlines = [DomainInline]


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "roles")


@admin.register(ProviderDeletionRequest)
class ProviderDeletionRequestAdmin(_RequestAdmin):
    list_display = ("provider", "requested_at", "refused_at", "refused_reason")
    readonly_fields = (
        "provider",
        "requested_at",
        "requested_by",
        "export_id",
        "export_sha256",
        "refused_at",
        "refused_reason",
    )


@admin.register(DeletionCertificate)
class DeletionCertificateAdmin(_CertificateAdmin):
    """Read-only: a certificate is evidence, written once by the deletion."""

    list_display = ("organisation", "kvk_number", "deleted_at", "verifier")
    search_fields = ("organisation", "kvk_number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
