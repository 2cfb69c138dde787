from django.contrib import admin

from billing.models import Price


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ("kind", "amount_cents", "valid_from")
    list_filter = ("kind",)
