"""What a web process does to the test database, committed: run as a separate process.

Tests run inside a transaction that is rolled back, so a complaint that must
really commit (for a worker or the relay to see it) is submitted from here,
with the real settings of the environment it is started in, and removed the
same way afterwards.

    python -m tests.casework.committed_ops submit <provider slug> <submission json> <idempotency key>
    python -m tests.casework.committed_ops remove <provider slug> <complaint id>
"""

from __future__ import annotations

import json
import sys
import time


def submit(slug: str, fields: str, idempotency_key: str) -> dict:
    from casework.index.models import Channel
    from casework.intake.services import ComplaintSubmission, complaint_submit
    from tenants.models import Provider
    from tests.casework.accessors import COMPLAINANT

    provider = Provider.objects.get(slug=slug)
    started = time.monotonic()
    result = complaint_submit(
        accessor=COMPLAINANT,
        provider=provider,
        submission=ComplaintSubmission(**json.loads(fields)),
        channel=Channel.WIDGET,
        idempotency_key=idempotency_key,
    )
    # complaint_submit's transaction is the outermost one: it has committed and its
    # on-commit hand-off to the broker has been tried by the time it returns.
    return {
        "reference": result.complaint.reference,
        "id": result.complaint.pk,
        "created": result.created,
        "seconds": time.monotonic() - started,
    }


def remove(slug: str, complaint_id: int) -> dict:
    from django.db import transaction

    from casework.index.models import CaseIndex
    from casework.models import Complaint
    from outbox.models import OutboxMessage
    from tenants.clusters import schema_context
    from tenants.models import Provider

    provider = Provider.objects.get(slug=slug)
    with transaction.atomic():
        CaseIndex.objects.filter(provider=provider, case_id=complaint_id).delete()
        OutboxMessage.objects.filter(
            schema_name=provider.schema_name, kwargs__complaint_id=complaint_id
        ).delete()
        with schema_context(provider.schema_name):
            deleted, _ = Complaint.objects.filter(pk=complaint_id).delete()
    return {"deleted": deleted}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    if command == "submit":
        result = submit(args[0], args[1], args[2])
    elif command == "remove":
        result = remove(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
