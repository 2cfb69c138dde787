"""The Celery app. Tasks that touch a dossier run in their tenant's schema
(tenant-schemas-celery stamps the schema that is current when a task is sent).
"""

from __future__ import annotations

import os

from celery.signals import worker_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")

app = CeleryApp("klachtpunt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["klachtpunt"])


@worker_init.connect
def _refuse_transaction_pooling(**kwargs: object) -> None:
    """A worker behind transaction pooling could run a task in another provider's schema."""
    from tenants.pooling import assert_session_pooling

    assert_session_pooling()
