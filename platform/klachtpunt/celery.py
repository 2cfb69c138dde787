"""The Celery app. Tasks that touch a dossier run in their tenant's schema
(tenant-schemas-celery stamps the schema that is current when a task is sent).
"""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")

app = CeleryApp("klachtpunt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["klachtpunt"])
