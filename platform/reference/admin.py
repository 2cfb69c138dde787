from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from reference import deadline_rules
from reference.models import DesignatedDay, DesignatedDayDecree, DisputesBody

if TYPE_CHECKING:  # Django's admin classes are generic for the type checker only.
    _DayInline = admin.TabularInline[DesignatedDay, DesignatedDayDecree]
    _DecreeAdmin = admin.ModelAdmin[DesignatedDayDecree]
else:
    _DayInline = admin.TabularInline
    _DecreeAdmin = admin.ModelAdmin


class DesignatedDayInline(_DayInline):
    model = DesignatedDay
    extra = 1


@admin.register(DesignatedDayDecree)
class DesignatedDayDecreeAdmin(_DecreeAdmin):
    list_display = ("title", "first_year", "last_year", "publication")
    inlines = [DesignatedDayInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # This process uses the new days at once; others within DESIGNATED_DAYS_TTL_SECONDS.
        deadline_rules.forget_designated_days()

    def delete_model(self, request: Any, obj: Any) -> None:
        super().delete_model(request, obj)
        deadline_rules.forget_designated_days()


if TYPE_CHECKING:
    _DisputesBodyAdmin = admin.ModelAdmin[DisputesBody]
else:
    _DisputesBodyAdmin = admin.ModelAdmin


@admin.register(DisputesBody)
class DisputesBodyAdmin(_DisputesBodyAdmin):
    list_display = ("name", "sector", "website", "to_be_confirmed", "active")
    list_filter = ("active", "to_be_confirmed")
    search_fields = ("name", "sector")
