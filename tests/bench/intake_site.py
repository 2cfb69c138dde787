"""The baseline for tests/bench/bench_intake.py: a bare Django view that inserts one row.

Served on a provider host next to the product's own routes (its URLconf ends
with them), so it passes the same middleware as ``POST /api/v1/complaints``.
The table is made by the benchmark, in the public schema, outside migrations.
"""

from __future__ import annotations

import json

from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from klachtpunt.urls_tenant import urlpatterns as product_urlpatterns

TABLE = "bench_bare_row"
TABLE_DDL = (
    f"CREATE TABLE IF NOT EXISTS public.{TABLE} "
    "(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)"
)


class BareRow(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    payload = models.TextField()

    class Meta:
        app_label = "bench"
        db_table = TABLE
        managed = False

    def __str__(self) -> str:
        return str(self.pk)


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """Parse the JSON body, insert one row, answer 201 with its id: nothing more."""
    data = json.loads(request.body)
    row = BareRow.objects.create(payload=data.get("what_happened", ""))
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns = [path("bench/bare-insert", bare_insert), *product_urlpatterns]
