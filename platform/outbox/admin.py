from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "task_name", "schema_name", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("task_name", "schema_name")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
