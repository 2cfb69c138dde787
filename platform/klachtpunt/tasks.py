from __future__ import annotations

import platform
import uuid

from celery import shared_task


@shared_task
def runtime_probe() -> dict[str, str]:
    """Report the worker's runtime; proves the stdlib `platform` module is not shadowed."""
    return {"system": platform.system(), "python": platform.python_version(), "uuid": str(uuid.uuid4())}
