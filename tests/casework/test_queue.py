"""The coordinator queue and the dossier behind it (platform host)."""

from __future__ import annotations

import datetime
import itertools
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from accounts.models import PlatformRole, User
from accounts.services import user_create
from casework.dossier.services import timeline_add
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Service
from casework.models import AccessLogEntry, Attachment
from casework.triage.selectors import QueueFilters, end_of_week, queue_counts
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.widget_support import post_form, widget_post_data
from tests.support import PASSWORD, World, submit_totp

pytestmark = pytest.mark.django_db

QUEUE = "/werkplek/wachtrij/"
_case_ids = itertools.count(10_000_000)


def login(client: Client, email: str, *, totp: bool = True) -> Client:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if totp:
        response = submit_totp(client, response.url)
        assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def coordinator_client(world: World, platform_client: Client) -> Client:
    return login(platform_client, world.coordinator.email)


def index_row(provider: Provider, **fields: Any) -> CaseIndex:
    """A case-index row without a dossier: the queue reads nothing else."""
    case_id = next(_case_ids)
    values: dict[str, Any] = {
        "provider": provider,
        "case_id": case_id,
        "reference": f"KP-TQ-{case_id}",
        "channel": Channel.WIDGET,
        "received_at": timezone.now() - datetime.timedelta(days=1),
        "category_code": "treatment",
    }
    values.update(fields)
    return CaseIndex.objects.create(**values)


def references(response: Any) -> list[str]:
    return re.findall(r">(KP-[A-Z0-9-]+)</a></th>", response.content.decode())


def professional(email: str, name: str) -> User:
    return user_create(email=email, password=PASSWORD, display_name=name, roles=[PlatformRole.PROFESSIONAL])


# Access


def test_queue_is_for_coordinators_only(world: World, alpha_client: Client) -> None:
    anonymous = Client(HTTP_HOST="localhost").get(QUEUE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    complainant = login(Client(HTTP_HOST="localhost"), world.complainant.email, totp=False)
    assert complainant.get(QUEUE).status_code == 403
    provider_admin = login(Client(HTTP_HOST="localhost"), world.alpha_admin.email)
    assert provider_admin.get(QUEUE).status_code == 403
    # On a provider's own host the route does not exist at all. (Logged in directly: the TOTP code
    # just used on the platform host is spent on every host.)
    alpha_client.force_login(world.alpha_admin)
    assert alpha_client.get(QUEUE).status_code == 404


def test_dossier_and_triage_are_for_coordinators_only(world: World) -> None:
    reference = submit(world.alpha).complaint.reference
    provider_admin = login(Client(HTTP_HOST="localhost"), world.alpha_admin.email)
    assert provider_admin.get(f"/werkplek/zaken/{reference}/").status_code == 403
    assert provider_admin.post(f"/werkplek/zaken/{reference}/doorzetten/", {}).status_code == 403
    complainant = login(Client(HTTP_HOST="localhost"), world.complainant.email, totp=False)
    assert complainant.get(f"/werkplek/zaken/{reference}/").status_code == 403


def test_platform_admin_sees_the_queue_and_navigation_offers_it(world: World) -> None:
    admin = user_create(
        email="beheer@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PLATFORM_ADMIN]
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    # force_login skips the second step; the MFA middleware still wants a factor set up.
    from accounts.services import totp_activate

    totp_activate(user=admin)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert 'href="/werkplek/wachtrij/" aria-current="page"' in response.content.decode()


# Content, order and paging


def test_queue_lists_open_cases_of_every_provider_most_urgent_first(
    world: World, coordinator_client: Client
) -> None:
    today = today_amsterdam()
    now = timezone.now()
    later = index_row(world.alpha, deadline=today + datetime.timedelta(days=20), reference="KP-TQ-LATER")
    soon = index_row(world.beta, deadline=today + datetime.timedelta(days=2), reference="KP-TQ-SOON")
    late = index_row(world.alpha, deadline=today - datetime.timedelta(days=3), reference="KP-TQ-LATE")
    old_no_deadline = index_row(
        world.beta, received_at=now - datetime.timedelta(days=9), reference="KP-TQ-OLD"
    )
    new_no_deadline = index_row(
        world.alpha, received_at=now - datetime.timedelta(hours=1), reference="KP-TQ-NEW"
    )
    index_row(world.alpha, status=CaseStatus.CLOSED, reference="KP-TQ-CLOSED")

    response = coordinator_client.get(QUEUE)
    assert response.status_code == 200
    assert references(response) == [
        late.reference,
        soon.reference,
        later.reference,
        old_no_deadline.reference,
        new_no_deadline.reference,
    ]
    html = response.content.decode()
    assert "Zorg Alpha" in html and "Zorg Beta" in html
    assert "3 dagen te laat" in html and "nog 2 dagen" in html and "Geen termijn" in html
    assert "5 open zaken." in html


def test_queue_flags_a_lapsed_membership(world: World, coordinator_client: Client) -> None:
    index_row(world.alpha, membership_lapsed=True)
    index_row(world.beta)
    html = coordinator_client.get(QUEUE).content.decode()
    assert html.count("Lidmaatschap verlopen") == 1


def test_queue_pages_through_the_cases(world: World, coordinator_client: Client) -> None:
    today = today_amsterdam()
    rows = [index_row(world.alpha, deadline=today + datetime.timedelta(days=i)) for i in range(30)]
    first = coordinator_client.get(QUEUE)
    assert references(first) == [row.reference for row in rows[:25]]
    assert "Pagina 1 van 2" in first.content.decode()
    second = coordinator_client.get(QUEUE, {"page": 2})
    assert references(second) == [row.reference for row in rows[25:]]
    # Past the end (or nonsense) shows the nearest page rather than an error.
    assert references(coordinator_client.get(QUEUE, {"page": 99})) == references(second)
    assert references(coordinator_client.get(QUEUE, {"page": "x"})) == references(first)


def test_paging_links_keep_the_filters(world: World, coordinator_client: Client) -> None:
    for _ in range(26):
        index_row(world.beta, service=Service.OFFICER)
    html = coordinator_client.get(QUEUE, {"service": "officer"}).content.decode()
    assert 'href="?service=officer&amp;page=2"' in html


def test_partial_request_returns_only_the_queue_region(world: World, coordinator_client: Client) -> None:
    index_row(world.alpha)
    response = coordinator_client.get(QUEUE, HTTP_X_QUEUE_PARTIAL="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue-region"') and "<html" not in html
    assert "X-Queue-Partial" in response["Vary"]


# Constant number of queries


_provider_numbers = itertools.count()


def _providers_without_schema(count: int) -> list[Provider]:
    """Provider rows only: the queue never enters a provider's schema."""
    numbers = [next(_provider_numbers) for _ in range(count)]
    return Provider.objects.bulk_create(
        Provider(name=f"Queue test {i}", slug=f"tq-{i:03d}", schema_name=f"p_tq_{i:03d}") for i in numbers
    )


def test_queue_makes_the_same_number_of_queries_for_3_or_30_cases_over_many_providers(
    world: World, coordinator_client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    today = today_amsterdam()
    assignee = professional("p1@example.test", "Pim Professional")
    for provider in (world.alpha, world.beta, *_providers_without_schema(1)):
        index_row(provider, assignee=assignee, deadline=today)
    coordinator_client.get(QUEUE)  # warm the session and the tenant cache
    # The schema for the host, session, user, second factor; the index's version, the
    # counts (unless kept from a request under the same version); the page of cases;
    # which of the page's providers have a schema; their complaints' summaries (logged as read).
    expected = 9
    with django_assert_num_queries(expected - 1):  # the counts of the warming request are kept
        assert len(references(coordinator_client.get(QUEUE))) == 3

    extra = _providers_without_schema(9)
    for i in range(27):
        index_row(
            extra[i % 9], assignee=assignee if i % 2 else None, deadline=today + datetime.timedelta(days=i)
        )
    with django_assert_num_queries(expected):
        assert len(references(coordinator_client.get(QUEUE))) == 25
    # None of this page's providers has a schema here: there are no summaries to read.
    with django_assert_num_queries(expected - 1):
        filtered = coordinator_client.get(QUEUE, {"provider": extra[0].pk, "assignee": "none", "page": 1})
        assert len(references(filtered)) == 2


# Filters and their counts


@pytest.fixture
def mixed_queue(world: World) -> dict[str, Any]:
    today = today_amsterdam()
    sunday = end_of_week(today)
    anna = professional("anna@example.test", "Anna Officer")
    bert = professional("bert@example.test", "Bert Commissie")
    rows = {
        "a_officer_overdue": index_row(
            world.alpha,
            service=Service.OFFICER,
            status=CaseStatus.ASSIGNED,
            assignee=anna,
            deadline=today - datetime.timedelta(days=1),
            category_code="attitude",
        ),
        "a_intake_week": index_row(
            world.alpha, status=CaseStatus.INTAKE, deadline=sunday, category_code="privacy"
        ),
        "a_received": index_row(world.alpha),
        "b_committee": index_row(
            world.beta,
            service=Service.COMMITTEE,
            status=CaseStatus.IN_MEDIATION,
            assignee=bert,
            deadline=sunday + datetime.timedelta(days=1),
        ),
        "b_received_privacy": index_row(world.beta, category_code="privacy"),
        "closed": index_row(world.beta, status=CaseStatus.CLOSED, assignee=anna),
    }
    return {"rows": rows, "anna": anna, "bert": bert}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "received"}, {"a_received", "b_received_privacy"}),
        ({"status": "assigned"}, {"a_officer_overdue"}),
        ({"service": "intake"}, {"a_intake_week", "a_received", "b_received_privacy"}),
        ({"service": "committee"}, {"b_committee"}),
        ({"category": "privacy"}, {"a_intake_week", "b_received_privacy"}),
        ({"assignee": "none"}, {"a_intake_week", "a_received", "b_received_privacy"}),
        ({"deadline": "overdue"}, {"a_officer_overdue"}),
        ({"deadline": "week"}, {"a_intake_week"}),
        ({"category": "privacy", "status": "intake"}, {"a_intake_week"}),
        # Values that make no sense are ignored, not an error.
        ({"status": "closed", "deadline": "someday", "provider": "abc"}, None),
    ],
)
def test_each_filter_narrows_the_queue(
    mixed_queue: dict[str, Any], coordinator_client: Client, params: dict[str, str], expected: set[str] | None
) -> None:
    rows = mixed_queue["rows"]
    response = coordinator_client.get(QUEUE, params)
    assert response.status_code == 200
    if expected is None:
        expected = set(rows) - {"closed"}
    assert set(references(response)) == {rows[name].reference for name in expected}


def test_filter_by_provider_and_by_assignee(
    world: World, mixed_queue: dict[str, Any], coordinator_client: Client
) -> None:
    rows = mixed_queue["rows"]
    by_provider = coordinator_client.get(QUEUE, {"provider": world.beta.pk})
    assert set(references(by_provider)) == {
        rows["b_committee"].reference,
        rows["b_received_privacy"].reference,
    }
    by_assignee = coordinator_client.get(QUEUE, {"assignee": mixed_queue["anna"].pk})
    assert references(by_assignee) == [rows["a_officer_overdue"].reference]


def test_counts_per_filter_option_apply_the_other_filters(
    world: World, mixed_queue: dict[str, Any], django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    anna, bert = mixed_queue["anna"], mixed_queue["bert"]
    with django_assert_num_queries(2):  # the index's version, then one query for every count
        counts = queue_counts(QueueFilters())
    assert counts.total == 5
    assert counts.count("status", "received") == 2 and counts.count("status", "intake") == 1
    assert counts.count("status", "closed") == 0
    assert counts.count("service", "intake") == 3 and counts.count("service", "officer") == 1
    assert (
        counts.count("provider", str(world.alpha.pk)) == 3
        and counts.count("provider", str(world.beta.pk)) == 2
    )
    assert [o.label for o in counts.options["provider"]] == ["Zorg Alpha", "Zorg Beta"]
    assert counts.count("category", "privacy") == 2 and counts.count("category", "treatment") == 2
    assert counts.count("assignee", str(anna.pk)) == 1 and counts.count("assignee", str(bert.pk)) == 1
    assert [o.label for o in counts.options["assignee"]] == ["Anna Officer", "Bert Commissie"]
    assert counts.count("unassigned", "1") == 3
    assert counts.count("deadline", "overdue") == 1 and counts.count("deadline", "week") == 1

    # With a filter on, the other dimensions count within it; its own dimension
    # still shows what each of its options would give.
    narrowed = queue_counts(QueueFilters(category="privacy"))
    assert narrowed.total == 2
    assert narrowed.count("category", "attitude") == 1 and narrowed.count("category", "treatment") == 2
    assert narrowed.count("provider", str(world.alpha.pk)) == 1
    assert narrowed.count("status", "received") == 1 and narrowed.count("status", "intake") == 1
    assert narrowed.count("deadline", "week") == 1 and narrowed.count("deadline", "overdue") == 0
    assert narrowed.count("unassigned", "1") == 2


def test_counts_are_kept_until_the_case_index_changes_however_it_is_written(
    world: World, mixed_queue: dict[str, Any], django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    first = queue_counts(QueueFilters())
    with django_assert_num_queries(1):  # only the version: the counts come from the cache
        again = queue_counts(QueueFilters())
    assert again.total == first.total == 5
    assert again.count("status", "received") == 2

    # A bulk update and raw SQL bypass every model signal; the version still moves.
    CaseIndex.objects.filter(reference=mixed_queue["rows"]["b_received_privacy"].reference).update(
        status=CaseStatus.INTAKE
    )
    moved = queue_counts(QueueFilters())
    assert moved.count("status", "received") == 1 and moved.count("status", "intake") == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM caseindex_caseindex WHERE reference = %s",
            [mixed_queue["rows"]["b_received_privacy"].reference],
        )
    assert queue_counts(QueueFilters()).total == 4
    # Another language is counted (and labelled) on its own.
    with translation.override("en"):
        english = queue_counts(QueueFilters())
    assert english.total == 4
    assert english.options["status"][0].label == "Received"


def test_counts_show_in_the_filter_controls(mixed_queue: dict[str, Any], coordinator_client: Client) -> None:
    html = coordinator_client.get(QUEUE, {"deadline": "overdue"}).content.decode()
    assert re.search(r'<option value="overdue" selected>Termijn verstreken \(1\)</option>', html)
    assert re.search(r'<option value="received">Ontvangen \(0\)</option>', html)
    assert "1 open zaak voldoet aan de filters." in html
    assert re.search(r'id="quick-overdue" class="chip chip-active" aria-current="true"', html)


def test_due_this_week_follows_the_amsterdam_calendar(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # 22:30 UTC on Sunday 29 March 2026 is already Monday 00:30 in Amsterdam (summer time).
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 3, 29, 22, 30, tzinfo=datetime.UTC))
    assert today_amsterdam() == datetime.date(2026, 3, 30)
    assert end_of_week(today_amsterdam()) == datetime.date(2026, 4, 5)
    index_row(world.alpha, deadline=datetime.date(2026, 3, 29))  # yesterday there: overdue
    index_row(world.alpha, deadline=datetime.date(2026, 3, 30))  # today
    index_row(world.alpha, deadline=datetime.date(2026, 4, 5))  # Sunday of this week
    index_row(world.alpha, deadline=datetime.date(2026, 4, 6))  # next week
    counts = queue_counts(QueueFilters())
    assert counts.count("deadline", "overdue") == 1
    assert counts.count("deadline", "week") == 2


# The dossier


def test_dossier_shows_the_complaint_from_the_providers_schema(
    world: World, coordinator_client: Client
) -> None:
    result = submit(
        world.beta,
        submission=submission(
            complainant_name="Els de Vries",
            complainant_phone="06 1234 5678",
            goal="apology",
            goal_details="Excuses van de afdeling.",
            category_code="attitude",
        ),
    )
    reference = result.complaint.reference
    with schema_context(world.beta.schema_name):
        timeline_add(
            complaint=result.complaint,
            kind="note",
            summary="Eerste notitie van de coördinator",
            actor_user_id=world.coordinator.pk,
        )
    response = coordinator_client.get(f"/werkplek/zaken/{reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Dossier {reference}" in html and "Zorg Beta" in html
    assert "Els de Vries" in html and "06 1234 5678" in html
    assert WHAT_HAPPENED in html
    assert "Excuses van de afdeling." in html and "Bejegening" in html
    assert "Wet langdurige zorg (Wlz)" in html
    # Consent history, with who recorded it.
    assert "Gegeven" in html and "Klachtenformulier op website" in html
    # The timeline in order, with who did it.
    received = html.index("Klacht ontvangen via")
    note = html.index("Eerste notitie van de coördinator")
    assert received < note
    assert world.coordinator.email in html[note - 400 : note]
    # Nothing of alpha's: the dossier came from beta's schema.
    assert response.wsgi_request.tenant.schema_name == "public"


def test_dossier_of_an_unknown_reference_is_404(coordinator_client: Client) -> None:
    assert coordinator_client.get("/werkplek/zaken/KP-2026-999999/").status_code == 404


def test_attachment_downloads_from_the_tenants_storage(world: World, coordinator_client: Client) -> None:
    result = submit(world.alpha)
    with schema_context(world.alpha.schema_name):
        attachment = Attachment(
            complaint=result.complaint,
            original_name="foto wond.png",
            content_type="image/png",
            size=8,
            sha256="0" * 64,
            uploaded_at=timezone.now(),
        )
        attachment.file.save("a1b2c3.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
        attachment.save()
    reference = result.complaint.reference
    html = coordinator_client.get(f"/werkplek/zaken/{reference}/").content.decode()
    url = f"/werkplek/zaken/{reference}/bijlagen/{attachment.pk}/"
    assert f'href="{url}"' in html and "foto wond.png" in html
    response = coordinator_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n"
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # Another case's reference does not reach this attachment.
    other = submit(world.alpha).complaint.reference
    assert coordinator_client.get(f"/werkplek/zaken/{other}/bijlagen/{attachment.pk}/").status_code == 404
    with schema_context(world.alpha.schema_name):
        attachment.file.delete(save=False)


def test_attachment_download_is_refused_to_a_provider_admin(world: World) -> None:
    reference = submit(world.alpha).complaint.reference
    client = login(Client(HTTP_HOST="localhost"), world.alpha_admin.email)
    assert client.get(f"/werkplek/zaken/{reference}/bijlagen/1/").status_code == 403


def test_queue_links_each_case_to_its_dossier(world: World, coordinator_client: Client) -> None:
    reference = submit(world.alpha, submission=submission(consent=Consent.PENDING)).complaint.reference
    html = coordinator_client.get(QUEUE).content.decode()
    assert f'href="/werkplek/zaken/{reference}/"' in html
    assert "Nog niet gevraagd of beantwoord" in html


def test_attachment_is_downloaded_under_its_sniffed_type_not_its_uploaded_name(
    world: World, coordinator_client: Client, alpha_client: Client
) -> None:
    """An HTML page uploaded as rapport.pdf is text by its content: stored and downloaded as .txt."""
    page = b"<html><body><script>alert(document.cookie)</script>Rapport</body></html>"
    data = widget_post_data(alpha_client)
    data["attachments"] = [SimpleUploadedFile("rapport.pdf", page, content_type="application/pdf")]
    response = post_form(alpha_client, data)
    assert response.status_code == 201, response.content
    reference = re.search(r"KP-\d{4}-\d{6}", response.content.decode()).group(0)
    with schema_context(world.alpha.schema_name):
        attachment = Attachment.objects.get(complaint__reference=reference)
    assert attachment.content_type == "text/plain" and attachment.file.name.endswith(".txt")
    download = coordinator_client.get(f"/werkplek/zaken/{reference}/bijlagen/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain"
    assert 'filename="rapport.txt"' in download["Content-Disposition"]
    assert ".pdf" not in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == page
    with schema_context(world.alpha.schema_name):
        attachment.file.delete(save=False)


# First contact (the acknowledgement promises contact within five working days)


def test_lapsed_first_contact_shows_in_the_queue(world: World, coordinator_client: Client) -> None:
    today = today_amsterdam()
    index_row(world.alpha, reference="KP-TQ-FCLATE", first_contact_due=today - datetime.timedelta(days=2))
    index_row(
        world.beta,
        reference="KP-TQ-FCMADE",
        first_contact_due=today - datetime.timedelta(days=2),
        first_contact_at=timezone.now() - datetime.timedelta(days=3),
    )
    index_row(world.alpha, reference="KP-TQ-FCSOON", first_contact_due=today + datetime.timedelta(days=3))
    html = coordinator_client.get(QUEUE).content.decode()
    assert html.count("Eerste contact te laat") == 1
    late_row = html[html.index("KP-TQ-FCLATE") :].split("</tr>")[0]
    assert "Eerste contact te laat" in late_row
    assert "Gehad op" in html[html.index("KP-TQ-FCMADE") :].split("</tr>")[0]


def test_queue_sorts_by_first_contact_the_ones_still_to_make_first(
    world: World, coordinator_client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    today = today_amsterdam()
    made = index_row(
        world.alpha,
        first_contact_due=today - datetime.timedelta(days=5),
        first_contact_at=timezone.now(),
        deadline=today,
    )
    later = index_row(world.beta, first_contact_due=today + datetime.timedelta(days=4), deadline=today)
    lapsed = index_row(
        world.alpha,
        first_contact_due=today - datetime.timedelta(days=1),
        deadline=today + datetime.timedelta(1),
    )
    coordinator_client.get(QUEUE)  # warm the session and the tenant cache
    with django_assert_num_queries(8):  # as many as the queue by urgency
        response = coordinator_client.get(QUEUE, {"sort": "first_contact"})
    assert references(response) == [lapsed.reference, later.reference, made.reference]
    assert 'aria-sort="ascending"' in response.content.decode()
    # The default stays the urgency of the decision.
    assert references(coordinator_client.get(QUEUE))[-1] == lapsed.reference


# Triage at a glance


def test_queue_shows_what_each_complaint_is_about_and_logs_that_read(
    world: World, coordinator_client: Client
) -> None:
    alpha = submit(
        world.alpha, submission=submission(what_happened="De nachtdienst kwam niet toen ik belde.\n" * 9)
    )
    beta = submit(
        world.beta, submission=submission(what_happened="Mijn vader kreeg de verkeerde medicijnen.")
    )
    html = coordinator_client.get(QUEUE).content.decode()
    assert "Waar gaat het over?" in html
    alpha_row = html[html.index(alpha.complaint.reference) :].split("</tr>")[0]
    beta_row = html[html.index(beta.complaint.reference) :].split("</tr>")[0]
    assert "Mijn vader kreeg de verkeerde medicijnen." in beta_row
    # A long text is cut to one or two lines, on one line of whitespace.
    assert "De nachtdienst kwam niet toen ik belde. De nachtdienst" in alpha_row and "…" in alpha_row
    assert "Behandeling" in beta_row  # the category sits under the summary
    for provider, complaint in ((world.alpha, alpha.complaint), (world.beta, beta.complaint)):
        with schema_context(provider.schema_name):
            entry = AccessLogEntry.objects.get(case_id=complaint.pk, subject="queue_summary")
        assert entry.event == "read" and entry.user_id == world.coordinator.pk and entry.role == "coordinator"


def test_intake_rows_show_the_first_contact_clock_instead_of_no_deadline(
    world: World, coordinator_client: Client
) -> None:
    today = today_amsterdam()
    index_row(world.alpha, reference="KP-TQ-INTAKE", first_contact_due=today + datetime.timedelta(days=3))
    index_row(world.beta, reference="KP-TQ-INTLATE", first_contact_due=today - datetime.timedelta(days=2))
    html = coordinator_client.get(QUEUE).content.decode()
    intake = html[html.index("KP-TQ-INTAKE") :].split("</tr>")[0]
    deadline_cell = intake[intake.index('class="queue-deadline"') :].split("</td>")[0]
    assert "Geen termijn" not in deadline_cell
    assert "Intake: eerste contact uiterlijk" in deadline_cell and "nog 3 dagen" in deadline_cell
    late = html[html.index("KP-TQ-INTLATE") :].split("</tr>")[0]
    assert "2 dagen te laat" in late and 'class="is-overdue"' in html[: html.index("KP-TQ-INTLATE")][-400:]


def test_staff_land_on_their_workplace_after_login(world: World, platform_client: Client) -> None:
    response = platform_client.post(
        "/accounts/login/", {"login": world.coordinator.email, "password": PASSWORD}
    )
    response = submit_totp(platform_client, response.url)
    assert response.status_code == 302 and response.url == "/werkplek/"


def test_staff_navigation_leaves_out_the_complainants_links(world: World, coordinator_client: Client) -> None:
    html = coordinator_client.get(QUEUE).content.decode()
    nav = html[html.index('aria-label="Hoofdmenu"') :].split("</nav>")[0]
    assert "Wachtrij" in nav
    assert "Mijn klachten" not in nav and "Klacht indienen" not in nav
