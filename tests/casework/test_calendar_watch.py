"""Calendars that don't run out, and dossiers that don't stall unnoticed.

The days designated by decree under the Algemene termijnenwet (art. 3 lid 3)
are data a platform admin keeps; the pure rules module takes them as data.
The platform warns its admins 90 days before the last known year ends; a
deadline in a year no decree covers is computed from the Act alone and
flagged. Open dossiers without activity for a year are flagged to the
coordinators.
"""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import PlatformRole
from accounts.services import totp_activate, user_create
from casework.deadlines.tasks import calendar_expiry_task, stalled_dossiers_task
from casework.deadlines.watch import calendar_expiry_warn, stalled_dossiers_flag
from casework.index.models import CaseIndex
from casework.models import Complaint, TimelineEntry
from reference import deadline_rules
from reference.models import DesignatedDay, DesignatedDayDecree
from tenants.clusters import schema_context
from tests.casework.factories_decision import formal_complaint, login
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = pytest.mark.django_db

D = datetime.date
RULES = Path(deadline_rules.__file__)


@pytest.fixture(autouse=True)
def fresh_decree_data():  # type: ignore[no-untyped-def]
    deadline_rules.forget_designated_days()
    yield
    deadline_rules.forget_designated_days()


@pytest.fixture
def platform_admin(world: World):  # type: ignore[no-untyped-def]
    return user_create(email="beheer@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PLATFORM_ADMIN])


def test_the_rules_module_imports_nothing_of_ours() -> None:
    tree = ast.parse(RULES.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {
        "__future__",
        "datetime",
        "threading",
        "time",
        "collections",
        "dataclasses",
        "functools",
        "typing",
    }


def test_decree_days_are_data_the_platform_admin_keeps() -> None:
    # Seeded from the published decrees: the Friday after Ascension Day 2026 is a holiday.
    assert D(2026, 5, 15) in deadline_rules.general_holidays(2026)
    assert deadline_rules.atw_term_end(D(2026, 5, 14)) == D(2026, 5, 18)
    # A new decree, entered as data, counts at once (after the admin's save forgets the old data).
    decree = DesignatedDayDecree.objects.create(
        title="Besluit gelijkstelling 2029-2031", first_year=2029, last_year=2031
    )
    DesignatedDay.objects.create(
        decree=decree, day=D(2029, 5, 11), name="gelijkgesteld (vrijdag na Hemelvaartsdag)"
    )
    deadline_rules.forget_designated_days()
    assert D(2029, 5, 11) in deadline_rules.general_holidays(2029)
    assert deadline_rules.atw_term_end(D(2029, 5, 11)) == D(2029, 5, 14)
    assert deadline_rules.last_known_decree_year() == 2031


def test_decree_days_are_editable_in_the_django_admin(platform_admin, platform_client: Client) -> None:  # type: ignore[no-untyped-def]
    platform_admin.is_staff = True
    platform_admin.is_superuser = True
    platform_admin.save(update_fields=["is_staff", "is_superuser"])
    totp_activate(user=platform_admin, secret=TOTP_SECRET)
    login(platform_client, platform_admin.email)
    page = platform_client.get("/admin/reference/designateddaydecree/")
    assert page.status_code == 200 and "2026" in page.content.decode()


def test_deadline_in_a_year_without_decree_data_is_computed_from_the_act_alone_and_flagged() -> None:
    last = deadline_rules.last_known_decree_year()
    assert last == 2028
    unknown = D(last + 1, 6, 1)
    assert deadline_rules.deadline_without_decree_data(unknown)
    assert not deadline_rules.deadline_without_decree_data(D(last, 6, 1))
    # Without decree data only the Act's own holidays count: Ascension Day moves a term, the Friday
    # after it (designated by decree in known years) does not.
    DesignatedDayDecree.objects.all().delete()
    deadline_rules.forget_designated_days()
    assert deadline_rules.atw_term_end(D(2026, 5, 14)) == D(2026, 5, 15)
    assert deadline_rules.deadline_without_decree_data(D(2026, 5, 15))


def test_deadline_without_decree_data_is_shown_to_staff(world: World, platform_client: Client) -> None:
    _complaint, case = formal_complaint(world.alpha)
    login(platform_client, world.coordinator.email)
    badge = "Berekend zonder besluit gelijkstelling"
    assert badge not in platform_client.get(f"/werkplek/zaken/{case.reference}/").content.decode()
    DesignatedDayDecree.objects.all().delete()
    deadline_rules.forget_designated_days()
    assert badge in platform_client.get(f"/werkplek/zaken/{case.reference}/").content.decode()


def test_admins_are_warned_90_days_before_the_last_known_decree_year_ends(platform_admin) -> None:  # type: ignore[no-untyped-def]
    runs_out = D(2028, 12, 31)
    mail.outbox.clear()
    assert calendar_expiry_warn(today=runs_out - datetime.timedelta(days=91)) == 0
    assert mail.outbox == []
    assert calendar_expiry_warn(today=runs_out - datetime.timedelta(days=90)) == 1
    [message] = mail.outbox
    assert message.to == [platform_admin.email] and "besluit gelijkstelling" in message.subject
    assert "31-12-2028" in message.body and "/admin/reference/designateddaydecree/" in message.body
    # Once per decree.
    assert calendar_expiry_warn(today=runs_out - datetime.timedelta(days=80)) == 0
    assert len(mail.outbox) == 1
    # The next decree, once added, is warned about in its own time.
    DesignatedDayDecree.objects.create(title="Besluit 2029-2031", first_year=2029, last_year=2031)
    assert calendar_expiry_warn(today=D(2029, 1, 5)) == 0


def test_calendar_warning_runs_as_a_periodic_task(platform_admin) -> None:  # type: ignore[no-untyped-def]
    DesignatedDayDecree.objects.update(last_year=timezone.localdate().year)
    mail.outbox.clear()
    expected = (
        1 if timezone.localdate() >= D(timezone.localdate().year, 12, 31) - datetime.timedelta(days=90) else 0
    )
    assert calendar_expiry_task.apply().get() == expected
    assert len(mail.outbox) == expected


def test_open_dossier_without_activity_for_a_year_is_flagged_to_the_coordinator(
    world: World, platform_client: Client
) -> None:
    stalled, stalled_case = formal_complaint(world.alpha)
    _active, active_case = formal_complaint(world.alpha)
    year_ago = timezone.now() - datetime.timedelta(days=400)
    for complaint_id, case in ((stalled.pk, stalled_case), (_active.pk, active_case)):
        CaseIndex.objects.filter(pk=case.pk).update(received_at=year_ago)
        with schema_context(world.alpha.schema_name):
            Complaint.objects.filter(pk=complaint_id).update(received_at=year_ago)
            TimelineEntry.objects.filter(complaint_id=complaint_id).update(at=year_ago)
    with schema_context(world.alpha.schema_name):
        TimelineEntry.objects.create(
            complaint_id=_active.pk,
            at=timezone.now() - datetime.timedelta(days=30),
            kind="note",
            summary="Gebeld",
        )
    mail.outbox.clear()
    flagged = stalled_dossiers_flag()
    assert flagged == [stalled_case.reference]
    assert CaseIndex.objects.get(pk=stalled_case.pk).stalled_flagged_at is not None
    assert CaseIndex.objects.get(pk=active_case.pk).stalled_flagged_at is None
    [message] = mail.outbox
    assert message.to == [world.coordinator.email]
    assert f"/werkplek/zaken/{stalled_case.reference}/" in message.body
    assert "Jan Jansen" not in message.body
    # Flagged once per stall: the weekly run does not repeat it.
    assert stalled_dossiers_task.apply().get() == 0
    assert len(mail.outbox) == 1
    # The dossier page says so too.
    login(platform_client, world.coordinator.email)
    page = platform_client.get(f"/werkplek/zaken/{stalled_case.reference}/").content.decode()
    assert "had een jaar lang geen activiteit" in page
