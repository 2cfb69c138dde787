from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, Membership, MembershipService, Price, SignUp, StripeEvent
from billing.vat import gross_cents
from reference.dates import today_amsterdam


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    """The price list. A price that is in effect is never edited: add a row with a later date.

    That keeps past time entries at the rate of their day, and every Stripe
    Price (one per row) true to its row.
    """

    list_display = ("kind", "amount_cents", "gross", "valid_from")
    list_filter = ("kind",)
    ordering = ("kind", "-valid_from")

    @admin.display(description=_("incl. BTW (centen)"))
    def gross(self, obj: Price) -> int:
        return gross_cents(obj.amount_cents)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.valid_from <= today_amsterdam():
            return ("kind", "amount_cents", "valid_from")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.valid_from > today_amsterdam()


class MembershipServiceInline(admin.TabularInline):
    model = MembershipService
    extra = 0
    readonly_fields = ("service", "price", "stripe_item_id", "active", "added_at", "removed_at", "synced")
    can_delete = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("provider", "status", "renews_on", "cancel_at_period_end", "synced")
    list_filter = ("status", "synced")
    readonly_fields = (
        "provider",
        "status",
        "stripe_customer_id",
        "stripe_subscription_id",
        "renews_on",
        "cancel_at_period_end",
        "synced",
    )
    inlines = [MembershipServiceInline]


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ("organisation_name", "slug", "state", "payment_state", "created_at", "synced")
    list_filter = ("state", "payment_state")
    exclude = ("password_hash", "token")
    readonly_fields = (
        "checkout_session_id",
        "stripe_customer_id",
        "stripe_subscription_id",
        "provider",
        "user",
    )


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("provider", "kind", "month", "part", "number", "status", "total_cents", "synced")
    list_filter = ("kind", "status", "synced")
    readonly_fields = [field.name for field in Invoice._meta.fields]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "received_at", "processed_at")
    list_filter = ("type",)
    readonly_fields = ("event_id", "type", "object_id", "received_at", "processed_at")
