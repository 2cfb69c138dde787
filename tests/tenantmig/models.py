from django.db import models


class Memo(models.Model):
    title = models.CharField(max_length=100)
    priority = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.title
