from django.contrib import admin

from tenants.models import Domain, Provider, ProviderMembership


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "sector", "city", "created_at")
    search_fields = ("name", "slug", "city")
    readonly_fields = ("schema_name",)
    inlines = [DomainInline]


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "roles")
