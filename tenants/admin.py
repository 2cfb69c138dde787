from django.contrib import admin

from tenants.models import Domain, Provider, ProviderMembership


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
