"""Reads for the coordinator: the queue across every provider, and one dossier.

The queue reads the public case index (DESIGN.md section 4): one query for
the counts of every filter option and one for the page of cases, however many
cases and providers there are. The one line that says what each complaint on
the page is about comes from the providers' own schemas in one more statement,
which logs that read in each provider's access log (``queue_summaries_read``).
The dossier is read from the provider's own schema.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import IO, Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.assignment.selectors import last_decline_reason
from casework.dossier.access_log import Accessor, Event
from casework.index.models import CaseIndex, CaseKind, CaseStatus, Consent, Service
from casework.index.selectors import OPEN_STATUSES
from casework.models import Attachment, Complaint, ConsentRecord, Message, TimelineEntry
from reference.categories import category_label
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider

PAGE_SIZE = 25
# How much of "what happened" the queue shows: one or two lines, enough to triage.
SUMMARY_CHARS = 110
# The access log's name for this part of the dossier.
QUEUE_SUMMARY_SUBJECT = "queue_summary"


class DeadlineWindow:
    OVERDUE = "overdue"
    THIS_WEEK = "week"
    LABELS = {OVERDUE: _("Termijn verstreken"), THIS_WEEK: _("Termijn verloopt deze week")}


class QueueSort:
    """How the queue is ordered: by urgency of the decision (the default), or by the first contact."""

    URGENCY = ""
    FIRST_CONTACT = "first_contact"


def _ordering(sort: str) -> tuple[Any, ...]:
    if sort == QueueSort.FIRST_CONTACT:
        # The first contacts still to make, the earliest due first; the ones made after them.
        return (
            F("first_contact_made").asc(),
            F("first_contact_due").asc(nulls_last=True),
            "received_at",
            "pk",
        )
    return (F("deadline").asc(nulls_last=True), "received_at", "pk")


_FIRST_CONTACT_MADE = ExpressionWrapper(Q(first_contact_at__isnull=False), output_field=models.BooleanField())


def end_of_week(day: datetime.date) -> datetime.date:
    """The Sunday of ``day``'s week (weeks run Monday to Sunday in the Netherlands)."""
    return day + datetime.timedelta(days=6 - day.weekday())


@dataclass(frozen=True)
class QueueFilters:
    """What the coordinator narrowed the queue to; empty values mean "all"."""

    status: str = ""
    service: str = ""
    provider: int | None = None
    category: str = ""
    assignee: int | None = None
    unassigned: bool = False
    deadline: str = ""

    @property
    def active(self) -> bool:
        return self != QueueFilters()


# Each filter dimension: how it narrows the queue. Counts for a dimension's
# options apply every other active filter but not its own, so each number says
# how many cases choosing that option would show.
def _status_q(f: QueueFilters, today: datetime.date) -> Q:
    return Q(status=f.status) if f.status else Q()


def _service_q(f: QueueFilters, today: datetime.date) -> Q:
    return Q(service=f.service) if f.service else Q()


def _provider_q(f: QueueFilters, today: datetime.date) -> Q:
    return Q(provider_id=f.provider) if f.provider else Q()


def _category_q(f: QueueFilters, today: datetime.date) -> Q:
    return Q(category_code=f.category) if f.category else Q()


def _assignee_q(f: QueueFilters, today: datetime.date) -> Q:
    if f.unassigned:
        return Q(assignee__isnull=True)
    return Q(assignee_id=f.assignee) if f.assignee else Q()


def _deadline_q(f: QueueFilters, today: datetime.date) -> Q:
    if f.deadline == DeadlineWindow.OVERDUE:
        return Q(deadline__lt=today)
    if f.deadline == DeadlineWindow.THIS_WEEK:
        return Q(deadline__gte=today, deadline__lte=end_of_week(today))
    return Q()


DIMENSIONS = {
    "status": _status_q,
    "service": _service_q,
    "provider": _provider_q,
    "category": _category_q,
    "assignee": _assignee_q,
    "deadline": _deadline_q,
}


def open_cases() -> QuerySet[CaseIndex]:
    return CaseIndex.objects.exclude(status=CaseStatus.CLOSED)


def queue_conditions(filters: QueueFilters, today: datetime.date, *, leave_out: str = "") -> Q:
    condition = Q()
    for name, build in DIMENSIONS.items():
        if name != leave_out:
            condition &= build(filters, today)
    return condition


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


@dataclass
class QueueCounts:
    """Counts per filter option (each under every other active filter) and the total."""

    total: int = 0
    options: dict[str, list[FacetOption]] = field(default_factory=lambda: defaultdict(list))

    def count(self, dimension: str, value: str) -> int:
        return next((o.count for o in self.options.get(dimension, []) if o.value == value), 0)


# Columns of the case index that each filter dimension groups by; the deadline
# dimension groups by the window a deadline falls in.
FACET_COLUMNS = {
    "status": "status",
    "service": "service",
    "provider": "provider_id",
    "category": "category_code",
    "assignee": "assignee_id",
    "deadline": "deadline_window",
}


def _where(condition: Q) -> tuple[str, list[Any]]:
    """``condition`` as SQL over the case-index table's own columns (no joins), with its params."""
    query = CaseIndex.objects.filter(condition).query
    compiler = query.get_compiler(using=CaseIndex.objects.db)
    if not query.where:
        return "TRUE", []
    sql, params = query.where.as_sql(compiler, compiler.connection)
    return sql, list(params)


# How long filter counts are kept at most. They are kept under the case index's version
# (a sequence every write to the index moves, migration caseindex 0011), so any change
# to the index shows at once; the time limit only bounds what a reader that counted
# while a write was committing can keep, and a provider's or professional's new name.
COUNTS_CACHE_SECONDS = 30


def index_version() -> int:
    """The case index's version: it moves with every statement that writes the index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM public.caseindex_version_seq")
        last_value, is_called = cursor.fetchone()
    return int(last_value) if is_called else 0


def queue_counts(filters: QueueFilters, *, today: datetime.date | None = None) -> QueueCounts:
    """Every filter's option counts and the filtered total, kept while the case index is unchanged.

    Counting scans every open case; the queue's first page at 100,000 open cases
    would spend most of its time here (docs/SCALING.md), while the index changes
    far less often than coordinators look at the queue.
    """
    today = today or today_amsterdam()
    key = "queue-counts:{}:{}:{}:{}".format(
        index_version(),
        today.isoformat(),
        get_language() or "",
        hashlib.sha256(repr(filters).encode()).hexdigest(),
    )
    counts: QueueCounts | None = cache.get(key)
    if counts is None:
        counts = count_queue(filters, today=today)
        cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts


def count_queue(filters: QueueFilters, *, today: datetime.date | None = None) -> QueueCounts:
    """Every filter's option counts and the filtered total: one query, one scan of the open cases.

    ``GROUPING SETS`` groups the open cases by each dimension at once; each
    dimension's count applies every active filter except its own (``FILTER``),
    and the empty grouping set gives the total under all filters.
    """
    today = today or today_amsterdam()
    table = CaseIndex._meta.db_table
    counts_sql, params = [], []
    for name in FACET_COLUMNS:
        sql, where_params = _where(queue_conditions(filters, today, leave_out=name))
        counts_sql.append(f"COUNT(*) FILTER (WHERE {sql}) AS n_{name}")
        params += where_params
    total_sql, total_params = _where(queue_conditions(filters, today))
    columns = ", ".join(FACET_COLUMNS.values())
    sets = ", ".join(f"({column})" for column in FACET_COLUMNS.values())
    groupings = ", ".join(f"GROUPING({column}) AS g_{name}" for name, column in FACET_COLUMNS.items())
    sql = f"""
        WITH facets AS (
            SELECT {columns}, {groupings}, {", ".join(counts_sql)},
                   COUNT(*) FILTER (WHERE {total_sql}) AS n_total
            FROM (
                SELECT kind, status, service, provider_id, category_code, assignee_id, deadline,
                       CASE WHEN deadline < %s THEN %s WHEN deadline <= %s THEN %s ELSE '' END
                       AS deadline_window
                FROM {table} WHERE status <> %s AND kind = %s
            ) AS {table}
            GROUP BY GROUPING SETS ({sets}, ())
        )
        SELECT facets.*, provider.name AS provider_name,
               COALESCE(NULLIF(assignee.display_name, ''), assignee.email) AS assignee_name
        FROM facets
        LEFT JOIN {Provider._meta.db_table} AS provider ON provider.id = facets.provider_id
        LEFT JOIN {User._meta.db_table} AS assignee ON assignee.id = facets.assignee_id
    """  # noqa: S608 (names come from the models; every value is a parameter)  # nosec B608
    window_params = [today, DeadlineWindow.OVERDUE, end_of_week(today), DeadlineWindow.THIS_WEEK]
    # Complaints only: the dpo service's requests and breaches have their own queue.
    all_params = params + total_params + window_params + [CaseStatus.CLOSED, CaseKind.COMPLAINT]
    counts = QueueCounts()
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            grouped = [name for name in FACET_COLUMNS if row[f"g_{name}"] == 0]
            if not grouped:
                counts.total = row["n_total"]
                continue
            name = grouped[0]
            value = row[FACET_COLUMNS[name]]
            label = (
                row["provider_name"]
                if name == "provider"
                else row["assignee_name"]
                if name == "assignee"
                else ""
            )
            counts.options[name].append(
                FacetOption("" if value is None else str(value), label or "", row[f"n_{name}"])
            )
    _label_and_order(counts)
    counts.options = dict(counts.options)  # kept in the cache: no factory to pickle
    return counts


def _label_and_order(counts: QueueCounts) -> None:
    options = counts.options
    by_value = {name: {o.value: o for o in options.get(name, [])} for name in DIMENSIONS}

    def fixed(name: str, choices: Iterable[tuple[str, Any]]) -> list[FacetOption]:
        found = by_value[name]
        return [
            FacetOption(value, str(label), found[value].count if value in found else 0)
            for value, label in choices
        ]

    options["status"] = fixed("status", [(s.value, s.label) for s in OPEN_STATUSES])
    options["service"] = fixed("service", Service.choices)
    options["deadline"] = fixed("deadline", DeadlineWindow.LABELS.items())
    options["provider"] = sorted(options.get("provider", []), key=lambda o: o.label.lower())
    options["category"] = sorted(
        (replace(o, label=category_label(o.value)) for o in options.get("category", []) if o.value),
        key=lambda o: o.label.lower(),
    )
    # The unassigned group (no assignee id) becomes its own filter.
    assignees = options.get("assignee", [])
    options["unassigned"] = [
        FacetOption("1", str(_("Niet toegewezen")), sum(o.count for o in assignees if not o.value))
    ]
    options["assignee"] = sorted((o for o in assignees if o.value), key=lambda o: o.label.lower())


@dataclass(frozen=True)
class QueueRow:
    """One case in the queue, with its labels resolved once (the page shows many)."""

    case: CaseIndex
    days_left: int | None
    provider_name: str
    service_label: str
    category_label: str
    status_label: str
    consent_label: str
    assignee_name: str

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    # Days until the first contact is due (negative once lapsed); None once made or without a target.
    first_contact_days_left: int | None = None
    # The start of what the complainant wrote (read by ``queue_summaries_read``).
    summary: str = ""

    @property
    def first_contact_days_late(self) -> int:
        left = self.first_contact_days_left
        return -left if left is not None and left < 0 else 0

    @property
    def intake_clock(self) -> bool:
        """No decision deadline yet, but a first contact still to make: its target is the clock."""
        return self.case.deadline is None and self.first_contact_days_left is not None

    @property
    def first_contact_lapsed(self) -> bool:
        left = self.first_contact_days_left
        return left is not None and left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


class _CountedPaginator(Paginator):
    """A paginator told its count (from the counts query) instead of asking the database."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


@dataclass
class QueuePage:
    filters: QueueFilters
    counts: QueueCounts
    page: Page
    rows: list[QueueRow]
    today: datetime.date
    sort: str = QueueSort.URGENCY

    @property
    def active_filter_count(self) -> int:
        return sum(1 for value in self.selected.values() if value)

    @property
    def selected(self) -> dict[str, str]:
        """The active filters as the strings the filter form's options carry."""
        f = self.filters
        return {
            "status": f.status,
            "service": f.service,
            "provider": str(f.provider or ""),
            "category": f.category,
            "assignee": "none" if f.unassigned else str(f.assignee or ""),
            "deadline": f.deadline,
        }


def queue_page(
    *,
    filters: QueueFilters,
    page_number: Any = 1,
    per_page: int = PAGE_SIZE,
    today: datetime.date | None = None,
    sort: str = QueueSort.URGENCY,
) -> QueuePage:
    """The queue: open cases of every provider, most urgent first (two queries in all).

    Urgency: the earliest deadline first, cases without a deadline after them,
    then the longest waiting first. Sorted by first contact: the contacts still
    to make first, the earliest due first.
    """
    today = today or today_amsterdam()
    if sort not in (QueueSort.URGENCY, QueueSort.FIRST_CONTACT):
        sort = QueueSort.URGENCY
    counts = queue_counts(filters, today=today)
    urgency = _ordering(sort)
    # The page is chosen on the index alone (a top-N sort of its rows), and only
    # those rows are joined to their provider and assignee.
    ordered_ids = (
        open_cases()
        .filter(queue_conditions(filters, today))
        .annotate(first_contact_made=_FIRST_CONTACT_MADE)
        .order_by(*urgency)
        .values("pk")
    )
    page = _CountedPaginator(ordered_ids, per_page, count=counts.total).get_page(page_number)
    cases = (
        CaseIndex.objects.filter(pk__in=page.object_list)
        .annotate(decline_reason=last_decline_reason(), first_contact_made=_FIRST_CONTACT_MADE)
        .select_related("provider", "assignee")
        .only(
            "reference",
            "service",
            "category_code",
            "status",
            "track",
            "consent",
            "law",
            "received_at",
            "deadline",
            "first_contact_due",
            "first_contact_at",
            "membership_lapsed",
            "provider__name",
            "provider__slug",
            "provider__schema_name",
            "case_id",
            "assignee__display_name",
            "assignee__email",
        )
        .order_by(*urgency)
    )
    services, statuses, consents = _labels(Service), _labels(CaseStatus), _labels(Consent)
    rows = [
        QueueRow(
            case=case,
            days_left=(case.deadline - today).days if case.deadline else None,
            provider_name=case.provider.name,
            service_label=services.get(case.service, case.service),
            category_label=category_label(case.category_code),
            status_label=statuses.get(case.status, case.status),
            consent_label=consents.get(case.consent, case.consent),
            assignee_name=str(case.assignee) if case.assignee else "",
            first_contact_days_left=(case.first_contact_due - today).days
            if case.first_contact_due and case.first_contact_at is None
            else None,
        )
        for case in cases
    ]
    return QueuePage(filters=filters, counts=counts, page=page, rows=rows, today=today, sort=sort)


def _summary(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(SUMMARY_CHARS)


def queue_summaries_read(queue: QueuePage, *, accessor: Accessor) -> QueuePage:
    """``queue`` with the start of each complaint's text, read from the providers' schemas.

    One statement for the whole page, however many providers it spans: per
    schema it selects the texts and, in the same statement, appends a read to
    that provider's access log for each dossier shown (NEN 7513: the queue shows
    a piece of the dossier). Providers without a schema (yet) are skipped.
    """
    by_schema: dict[str, list[int]] = defaultdict(list)
    for row in queue.rows:
        by_schema[row.case.provider.schema_name].append(row.case.case_id)
    if not by_schema:
        return queue
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(by_schema)])
        existing = sorted(name for (name,) in cursor.fetchall())
        if not existing:
            return queue
        columns = (
            "at, event, case_id, reference, subject, detail, user_id, user_label, role, organisation, "
            "on_behalf_of_user_id, on_behalf_of_label, channel, host, path, method, ip_address"
        )
        who = [
            accessor.user_id,
            accessor.user_label,
            accessor.role,
            accessor.organisation[:200],
            accessor.on_behalf_of_user_id,
            accessor.on_behalf_of_label,
            accessor.channel,
            accessor.host,
            accessor.path[:500],
            accessor.method,
            accessor.ip_address,
        ]
        logs, reads, params, read_params = [], [], [], []
        now = timezone.now()
        for i, schema in enumerate(existing):
            q = connection.ops.quote_name(schema)
            logs.append(
                # Quoted schema names from our own table; every value is a parameter.
                f"log_{i} AS (INSERT INTO {q}.casework_accesslogentry ({columns}) "  # noqa: S608  # nosec B608
                f"SELECT %s, %s, c.id, c.reference, %s, '', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::inet "
                f"FROM {q}.casework_complaint c WHERE c.id = ANY(%s))"
            )
            params += [now, Event.READ, QUEUE_SUMMARY_SUBJECT, *who, by_schema[schema]]
            reads.append(
                f"SELECT %s AS schema_name, c.id, left(c.what_happened, {SUMMARY_CHARS * 2}) "  # noqa: S608  # nosec B608
                f"FROM {q}.casework_complaint c WHERE c.id = ANY(%s)"
            )
            read_params += [schema, by_schema[schema]]
        cursor.execute("WITH " + ", ".join(logs) + " " + " UNION ALL ".join(reads), params + read_params)
        texts = {(schema, case_id): text for schema, case_id, text in cursor.fetchall()}
    rows = [
        replace(row, summary=_summary(texts.get((row.case.provider.schema_name, row.case.case_id), "")))
        for row in queue.rows
    ]
    return replace(queue, rows=rows)


# The dossier


@dataclass
class TimelineItem:
    entry: TimelineEntry
    actor: str


@dataclass
class ConsentItem:
    record: ConsentRecord
    recorded_by: str


@dataclass
class Dossier:
    case: CaseIndex
    complaint: Complaint
    consent_records: list[ConsentItem]
    attachments: list[Attachment]
    timeline: list[TimelineItem]
    days_left: int | None

    @property
    def category_label(self) -> str:
        return category_label(self.case.category_code)

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def _user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=wanted).only("display_name", "email")}


# Entries without a recorded actor come from the complainant (an anonymous
# widget submission, say) or from the platform itself.
COMPLAINANT_KINDS = frozenset(
    {"received", "attachment_added", "consent_given", "consent_refused", "consent_withdrawn"}
)


def _actor(entry: TimelineEntry, names: dict[int, str]) -> str:
    if entry.actor_user_id and entry.actor_user_id in names:
        return names[entry.actor_user_id]
    if entry.actor_label:
        return entry.actor_label
    # A message names its sender in its data; a complainant writing through the follow link has no
    # account, and the message is theirs, not the platform's.
    sent_by_complainant = entry.kind == "message" and (entry.data or {}).get("sender") == "complainant"
    if entry.kind in COMPLAINANT_KINDS or sent_by_complainant:
        return str(_("Klager"))
    return str(_("Klachtpunt (automatisch)"))


# The conversation between the complainant and Klachtpunt: what both of them read.
CONVERSATION_AUDIENCES = (Message.Audience.COMPLAINANT, Message.Audience.ALL)


def complainant_conversation(case: CaseIndex) -> list[Message]:
    """The messages the complainant and Klachtpunt exchanged on this case, oldest first."""
    with schema_context(case.provider.schema_name):
        return list(
            Message.objects.filter(complaint_id=case.case_id, audience__in=CONVERSATION_AUDIENCES).order_by(
                "sent_at", "pk"
            )
        )


def dossier_for_staff(case: CaseIndex, *, today: datetime.date | None = None) -> Dossier:
    """Everything in the dossier, read from the provider's schema, the timeline in order."""
    today = today or today_amsterdam()
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.select_related("category").get(pk=case.case_id)
        consent_records = list(complaint.consent_records.all())
        attachments = list(complaint.attachments.all())
        entries = list(complaint.timeline.order_by("at", "pk"))
    names = _user_names([e.actor_user_id for e in entries] + [r.recorded_by_user_id for r in consent_records])
    timeline = [TimelineItem(entry=e, actor=_actor(e, names)) for e in entries]
    return Dossier(
        case=case,
        complaint=complaint,
        consent_records=[
            ConsentItem(record=r, recorded_by=names.get(r.recorded_by_user_id or 0) or str(_("Klager")))
            for r in consent_records
        ],
        attachments=attachments,
        timeline=timeline,
        days_left=(case.deadline - today).days if case.deadline else None,
    )


def attachment_open(case: CaseIndex, attachment_id: int) -> tuple[Attachment, IO[bytes]]:
    """One attachment of the case and its opened file, or ``Attachment.DoesNotExist``.

    The storage finds a tenant's files by the current schema, so the file is
    opened while the provider's schema is set; the caller streams and closes it.
    """
    with schema_context(case.provider.schema_name):
        attachment = Attachment.objects.get(pk=attachment_id, complaint_id=case.case_id)
        return attachment, attachment.file.open("rb")
