"""Intake, the queue, a decision and invoicing with providers on two clusters of their own."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from billing.invoicing import invoicing_run
from billing.models import Invoice
from casework.assignment.services import assignment_accept, assignment_decline, case_assign
from casework.deadlines.reminders import deadline_reminders_run
from casework.index.models import Assignment, CaseIndex, CaseStatus, DeadlineReminder, IndexChange, Service
from casework.index.replication import index_freshness, replicate_clusters
from casework.models import AccessLogEntry, Complaint, Decision, TimelineEntry
from casework.triage.services import case_route
from tenants.clusters import CONTROL, cluster_aliases, schema_context
from tests.billing.conftest import log_time
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submit
from tests.casework.factories_decision import formal_complaint, record_decision
from tests.casework.factories_professionals import make_professional
from tests.casework.widget_support import post_form, widget_post_data
from tests.clusters.conftest import on_cluster, provider_admin, provision
from tests.support import mfa_login

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__", serialized_rollback=True)

QUEUE = "/werkplek/wachtrij/"


def test_providers_spread_over_the_clusters_and_their_dossiers_stay_there(platform) -> None:
    assert cluster_aliases() == ["default", "east", "west"]
    first, second = provision("noord"), provision("zuid")
    assert {first.database, second.database} == {"east", "west"}

    result = submit(first)

    with schema_context(first.schema_name):
        assert Complaint.objects.filter(pk=result.complaint.pk).exists()
    # The dossier is on its cluster only.
    for alias in (CONTROL, second.database):
        assert not on_cluster(alias, "SELECT 1 FROM pg_namespace WHERE nspname = %s", [first.schema_name])
    # The control database has the index row, with the cluster's id and version, and nothing waits.
    row = CaseIndex.objects.get(reference=result.complaint.reference)
    copy = CaseIndex.objects.using(first.database).get(reference=result.complaint.reference)
    assert (row.pk, row.version, row.status) == (copy.pk, copy.version, copy.status)
    assert row.pk > 10**12
    assert not IndexChange.objects.using(first.database).exists()


def test_widget_complaint_reaches_the_queue_and_the_queue_says_how_fresh_it_is(platform, coordinator) -> None:
    provider = provision("oost")
    client = Client(HTTP_HOST=provider.get_primary_domain().domain)

    response = post_form(client, widget_post_data(client))

    assert response.status_code == 201, response.content.decode()[:2000]
    reference = re.search(r"KP-\d{4}-\d{6}", response.content.decode()).group(0)
    # The acknowledgement (and the coordinators' notice) went out from the cluster's outbox.
    [ack] = [m for m in mail.outbox if m.to == ["jan.jansen@example.nl"]]
    assert reference in ack.subject + ack.body
    assert any(reference in m.body for m in mail.outbox if m.to == [coordinator.email])
    desk = mfa_login(coordinator, "localhost")
    page = desk.get(QUEUE).content.decode()
    assert reference in page
    assert f"Cluster {provider.database}: de wachtrij is bijgewerkt." in page

    # A change the replication has not taken yet (written past the routers) shows as waiting.
    on_cluster(
        provider.database, "UPDATE caseindex_caseindex SET priority = 1 WHERE reference = %s", [reference]
    )
    [fresh] = [f for f in index_freshness() if f.cluster == provider.database]
    assert fresh.pending == 1 and fresh.reachable
    assert (
        f"Cluster {provider.database}: 1 wijziging is nog onderweg naar de wachtrij"
        in desk.get(QUEUE).content.decode()
    )
    assert CaseIndex.objects.get(reference=reference).priority == 3

    assert replicate_clusters() == 1

    assert CaseIndex.objects.get(reference=reference).priority == 1
    assert "de wachtrij is bijgewerkt" in desk.get(QUEUE).content.decode()


def test_replication_takes_a_change_once_by_version_and_keeps_what_the_control_side_wrote(platform) -> None:
    provider = provision("west")
    case = CaseIndex.objects.get(reference=submit(provider).complaint.reference)
    flagged = timezone.now()
    # The coordinators' side writes the control row directly (a weekly sweep's flag).
    CaseIndex.objects.filter(pk=case.pk).update(stalled_flagged_at=flagged)

    with schema_context(provider.schema_name):
        CaseIndex.objects.filter(pk=case.pk).update(priority=2)

    row = CaseIndex.objects.get(pk=case.pk)
    copy = CaseIndex.objects.using(provider.database).get(pk=case.pk)
    assert (row.priority, row.version) == (2, copy.version) and copy.version == case.version + 1
    assert row.stalled_flagged_at == flagged and copy.stalled_flagged_at is None
    # The same change sent again (a relay that died before deleting it) changes nothing,
    # and an older one never undoes a newer one.
    for version, priority in [(copy.version, 5), (copy.version - 1, 4)]:
        IndexChange.objects.using(provider.database).create(
            row_id=case.pk, provider_id=provider.pk, version=version, op="U", changed={"priority": priority}
        )
    assert replicate_clusters() == 2
    assert CaseIndex.objects.get(pk=case.pk).priority == 2


def test_a_decision_on_a_cluster_reaches_the_control_index(platform) -> None:
    provider = provision("zuid")
    admin = provider_admin(provider)
    complaint, case = formal_complaint(provider)

    record_decision(provider, complaint, admin)

    with schema_context(provider.schema_name):
        decision = Decision.objects.get(complaint_id=complaint.pk)
        status = Complaint.objects.get(pk=complaint.pk).status
    row = CaseIndex.objects.get(pk=case.pk)
    assert row.decided_on == timezone.localdate() and row.status == status == CaseStatus.DECIDED
    assert decision.conclusion
    assert not on_cluster(CONTROL, "SELECT 1 FROM pg_namespace WHERE nspname = %s", [provider.schema_name])


def test_monthly_invoicing_bills_hours_on_cases_of_both_clusters(platform, coordinator, fake_stripe) -> None:
    east, west = provision("links"), provision("rechts")
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for provider, minutes in ((east, 30), (west, 45)):
        case = CaseIndex.objects.get(reference=submit(provider).complaint.reference)
        log_time(case, coordinator, minutes=minutes, worked_on=month.replace(day=3))

    result = invoicing_run(month=month)

    assert result.errors == [] and result.invoices_pushed == 2
    nets = dict(Invoice.objects.filter(month=month).values_list("provider__database", "net_cents"))
    assert nets == {east.database: 4500, west.database: 6750}
    assert len(fake_stripe.all("invoice")) == 2


def test_the_coordinator_offers_a_case_on_a_cluster_and_the_professional_answers(
    platform, coordinator
) -> None:
    provider = provision("toewijzing")
    complaint = submit(provider).complaint
    case_route(
        provider=provider,
        complaint_id=complaint.pk,
        actor=coordinator,
        accessor=STAFF,
        service=Service.OFFICER,
    )
    case = CaseIndex.objects.select_related("provider").get(reference=complaint.reference)
    first, second = make_professional("Pieter Jansen"), make_professional("Daan Druk")

    # The offer: the assignment row is the control database's, the dossier's status the cluster's.
    case_assign(accessor=STAFF, case=case, professional=first.user, actor=coordinator)
    assignment_decline(accessor=STAFF, case=case, professional=first.user, reason="Te vol deze maand")
    case_assign(accessor=STAFF, case=case, professional=second.user, actor=coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=second.user)

    case.refresh_from_db()
    assert (case.assignee, case.status, case.service) == (second.user, CaseStatus.ASSIGNED, Service.OFFICER)
    states = list(Assignment.objects.filter(case=case).order_by("pk").values_list("state", flat=True))
    assert states == [Assignment.State.DECLINED, Assignment.State.ACCEPTED]
    with schema_context(provider.schema_name):
        assert Complaint.objects.get(pk=complaint.pk).status == CaseStatus.ASSIGNED
        kinds = set(TimelineEntry.objects.filter(complaint_id=complaint.pk).values_list("kind", flat=True))
    assert {"routed", "assignment_offered", "assignment_declined", "assignment_accepted"} <= kinds
    copy = CaseIndex.objects.using(provider.database).get(pk=case.pk)
    assert (copy.assignee_id, copy.version) == (second.user.pk, case.version)


def test_a_failed_dossier_action_on_a_cluster_leaves_no_control_row(platform, coordinator) -> None:
    provider = provision("terugdraaien")
    case = CaseIndex.objects.select_related("provider").get(reference=submit(provider).complaint.reference)
    CaseIndex.objects.filter(pk=case.pk).update(service=Service.OFFICER, status=CaseStatus.INTAKE)
    with schema_context(provider.schema_name):
        CaseIndex.objects.filter(pk=case.pk).update(service=Service.OFFICER, status=CaseStatus.INTAKE)
    professional = make_professional("Petra Pech")

    # The dossier's transaction fails after the assignment row was written to the control database.
    with (
        pytest.raises(RuntimeError, match="kapot"),
        schema_context(provider.schema_name),
        transaction.atomic(),
    ):
        case_assign(accessor=STAFF, case=case, professional=professional.user, actor=coordinator)
        assert Assignment.objects.filter(case=case).exists()
        raise RuntimeError("kapot")

    assert not Assignment.objects.filter(case=case).exists()
    assert CaseIndex.objects.get(pk=case.pk).assignee is None


def test_the_coordinator_and_the_provider_read_a_dossier_on_a_cluster_and_the_reads_are_logged(
    platform, coordinator
) -> None:  # type: ignore[no-untyped-def]
    provider = provision("inzage")
    admin = provider_admin(provider)
    reference = submit(provider).complaint.reference  # consent given: the provider may see it

    desk = mfa_login(coordinator, "localhost")
    dossier = desk.get(f"/werkplek/zaken/{reference}/")
    assert dossier.status_code == 200 and WHAT_HAPPENED in html.unescape(dossier.content.decode())
    # The provider's own people, on its host: the list and the complaint.
    host = mfa_login(admin, provider.get_primary_domain().domain)
    assert reference in host.get("/klachten/").content.decode()
    detail = host.get(f"/klachten/{reference}/")
    assert detail.status_code == 200 and WHAT_HAPPENED in html.unescape(detail.content.decode())

    # Both reads are in the access log, in the provider's schema on its cluster (NEN 7513).
    with schema_context(provider.schema_name):
        readers = set(
            AccessLogEntry.objects.filter(event=AccessLogEntry.Event.READ).values_list("user_id", flat=True)
        )
    assert {coordinator.pk, admin.pk} <= readers


def test_the_daily_deadline_reminder_reaches_the_decision_maker_of_a_provider_on_a_cluster(platform) -> None:
    provider = provision("termijn")
    admin = provider_admin(provider)
    _complaint, case = formal_complaint(provider)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    with schema_context(provider.schema_name):  # three days to go, written where the dossier lives
        CaseIndex.objects.filter(pk=case.pk).update(deadline=deadline)
    mail.outbox.clear()

    assert deadline_reminders_run() == 1
    assert deadline_reminders_run() == 0

    [reminder] = DeadlineReminder.objects.filter(case_id=case.pk)
    assert reminder.deadline == deadline and reminder.sent_at is not None
    [message] = [m for m in mail.outbox if m.to == [admin.email]]
    assert case.reference in message.subject and WHAT_HAPPENED not in message.body
