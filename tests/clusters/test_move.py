"""Moving a provider between clusters (manage.py move_provider; casework.dossier.moving)."""

from __future__ import annotations

import io
import re
from functools import partial

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from casework.dossier.moving import move_begin, move_copy, move_finish
from casework.index.models import CaseIndex, IndexChange
from casework.intake.holding import held_file, holding_close, holding_open, holding_schema
from casework.models import Complaint, TimelineEntry
from outbox.models import OutboxMessage
from tenants.clusters import CONTROL, ProviderMoving, forget_schema_clusters, schema_context
from tenants.models import Provider
from tenants.tasks import relay_cluster_outboxes
from tests.casework.factories import submit
from tests.casework.widget_support import VALID_FIELDS, guard_fields, post_form, post_json, widget_post_data
from tests.clusters.conftest import on_cluster, provision
from tests.support import mfa_login

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__", serialized_rollback=True)

HAS_SCHEMA = "SELECT count(*) FROM pg_namespace WHERE nspname = %s"
PROBE = "klachtpunt.tasks.runtime_probe"


def schema_on(alias: str, schema: str) -> bool:
    return on_cluster(alias, HAS_SCHEMA, [schema])[0][0] == 1


def dossier_counts(provider: Provider) -> tuple[int, int]:
    with schema_context(provider.schema_name):
        return Complaint.objects.count(), TimelineEntry.objects.count()


def move(provider: Provider, *args: str) -> str:
    out = io.StringIO()
    call_command("move_provider", provider.slug, *args, settle=0, stdout=out)
    forget_schema_clusters()
    return out.getvalue()


def other(provider: Provider) -> str:
    return {"east": "west", "west": "east"}[provider.database]


def test_a_provider_moves_to_the_other_cluster_with_its_dossiers_and_index(platform) -> None:
    provider = provision("verhuis")
    source, target = provider.database, other(provider)
    references = [submit(provider).complaint.reference for _ in range(2)]
    ids = dict(CaseIndex.objects.filter(provider=provider).values_list("reference", "pk"))
    before = dossier_counts(provider)

    output = move(provider, target)

    provider.refresh_from_db()
    assert (provider.database, provider.moving_to) == (target, "")
    assert "copied and verified" in output and f"now on {target}" in output
    assert schema_on(target, provider.schema_name) and schema_on(source, provider.schema_name)
    assert dossier_counts(provider) == before  # read where it lives now
    # The index rows kept their ids; the target holds the copy, nothing waits anywhere.
    assert dict(CaseIndex.objects.filter(provider=provider).values_list("reference", "pk")) == ids
    assert set(
        CaseIndex.objects.using(target).filter(provider_id=provider.pk).values_list("pk", flat=True)
    ) == set(ids.values())
    assert not IndexChange.objects.using(target).exists()
    # Work goes on on the target: a new complaint, and a change to a moved one.
    new = submit(provider).complaint.reference
    with schema_context(provider.schema_name):
        CaseIndex.objects.filter(reference=references[0]).update(priority=1)
    assert CaseIndex.objects.get(reference=references[0]).priority == 1
    assert CaseIndex.objects.get(reference=new).pk > 10**12 * 1  # from the target's id range
    assert not on_cluster(source, "SELECT 1 FROM caseindex_caseindex WHERE reference = %s", [new])

    # Later the old copy goes; the control database's index stays whole.
    assert "removed from" in move(provider, "--drop-source", source)

    assert not schema_on(source, provider.schema_name)
    assert not CaseIndex.objects.using(source).filter(provider_id=provider.pk).exists()
    assert not IndexChange.objects.using(source).exists()
    assert CaseIndex.objects.filter(provider=provider).count() == 3
    with pytest.raises(CommandError, match="lives on"):
        move(provider, "--drop-source", target)


def test_during_a_move_the_widget_holds_complaints_and_the_rest_waits(platform, coordinator) -> None:
    provider = provision("onderweg")
    source, target = provider.database, other(provider)
    existing = CaseIndex.objects.get(reference=submit(provider).complaint.reference)
    # As a browser meets it: an exception in a view is the error page, not raised into the test.
    widget = Client(HTTP_HOST=provider.get_primary_domain().domain, raise_request_exception=False)
    form = widget_post_data(widget)  # loaded before the move
    desk = mfa_login(coordinator, "localhost")
    desk.raise_request_exception = False
    holding_open(provider, target)
    move_begin(provider, target)
    forget_schema_clusters()

    sent_at = timezone.now()
    held = post_form(widget, form)
    held_by = timezone.now()

    assert held.status_code == 202
    assert "Uw klacht is veilig bewaard" in held.content.decode()
    assert on_cluster(target, f'SELECT count(*) FROM "{holding_schema(provider)}".submission')[0][0] == 1
    # The intake API holds too (202), with the same key the same held complaint.
    api_body = {**VALID_FIELDS, **guard_fields(widget), "complainant_email": "api@example.nl"}
    api_held = post_json(widget, api_body, HTTP_IDEMPOTENCY_KEY="api-key-0001")
    assert api_held.status_code == 202 and api_held.json()["status"] == "held", api_held.content
    assert api_held.json()["created"] is True
    assert post_json(widget, api_body, HTTP_IDEMPOTENCY_KEY="api-key-0001").json()["created"] is False
    # The provider's own pages, the coordinators' dossier and the provider's tasks wait.
    page = widget.get("/organisatie/")
    assert page.status_code == 503 and page["Retry-After"]
    assert desk.get(f"/werkplek/zaken/{existing.reference}/").status_code == 503
    with pytest.raises(ProviderMoving), schema_context(provider.schema_name):
        pass
    # Files cannot be held: the form comes back with what was typed.
    with_file = post_form(widget, {**widget_post_data(widget), "attachments": io.BytesIO(b"%PDF-1.4\n")})
    assert with_file.status_code == 503 and "Jan Jansen" in with_file.content.decode()

    # A side effect of the provider's waits for the move (it goes along, and is sent from there).
    waiting = OutboxMessage.objects.using(source).create(
        schema_name=provider.schema_name, task_name=PROBE, kwargs={}, available_at=timezone.now()
    )
    assert relay_cluster_outboxes() == 0
    assert OutboxMessage.objects.using(source).get(pk=waiting.pk).sent_at is None

    move_copy(provider, source, target)
    mail.outbox.clear()
    filed = move_finish(provider, file_held=partial(held_file, holding=target), settle=0)
    holding_close(provider, target)
    forget_schema_clusters()

    assert filed == 2
    assert CaseIndex.objects.filter(provider=provider).count() == 3
    assert [m for m in mail.outbox if m.to == ["api@example.nl"]]
    provider.refresh_from_db()
    assert (provider.database, provider.moving_to) == (target, "")
    [ack] = [m for m in mail.outbox if m.to == ["jan.jansen@example.nl"]]
    reference = re.search(r"KP-\d{4}-\d{6}", ack.subject + ack.body).group(0)
    row = CaseIndex.objects.get(reference=reference)
    # Received when it was held, not when it was filed: the statutory clock starts then.
    assert row.provider_id == provider.pk and sent_at <= row.received_at <= held_by
    with schema_context(provider.schema_name):
        assert Complaint.objects.get(reference=reference).idempotency_key == form["idempotency_key"]
    # The form sent again (the browser retried) gets the same complaint, not a second one.
    again = post_form(widget, form)
    assert again.status_code == 200 and reference in again.content.decode()
    assert not schema_on(target, holding_schema(provider))
    assert widget.get("/organisatie/").status_code != 503
    assert not OutboxMessage.objects.using(source).filter(pk=waiting.pk).exists()
    relay_cluster_outboxes()
    [moved] = OutboxMessage.objects.using(target).filter(schema_name=provider.schema_name, task_name=PROBE)
    assert moved.sent_at is not None


def test_a_move_whose_copy_cannot_be_made_is_undone(platform) -> None:
    provider = provision("blijft")
    source, target = provider.database, other(provider)
    on_cluster(target, f'CREATE SCHEMA "{provider.schema_name}"')  # in the way

    with pytest.raises(CommandError, match="move undone"):
        move(provider, target)

    provider.refresh_from_db()
    assert (provider.database, provider.moving_to) == (source, "")
    submit(provider)  # the provider works as before
    assert source != CONTROL
