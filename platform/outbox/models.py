"""Side effects waiting to be handed to Celery (public schema).

A row is written in the same transaction as the change that causes it and
names its tenant explicitly; the relay sends it with that tenant's schema
stamped on the task. Rows hold task names and ids, never dossier content.
"""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    schema_name = models.CharField(max_length=63)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}@{self.schema_name}#{self.pk}"
