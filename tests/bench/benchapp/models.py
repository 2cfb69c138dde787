from django.db import models


class Note(models.Model):
    """A small tenant table with a few rows, like a real one some time after launch."""

    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    priority = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["priority", "created_at"], name="benchapp_note_priority_idx")]

    def __str__(self) -> str:
        return self.title
