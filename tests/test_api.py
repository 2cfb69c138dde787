from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document_is_served(platform_client: Client) -> None:
    response = platform_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["version"] == "1"
    assert "/api/v1/prices" in document["paths"]


def test_prices_include_vat_computed_in_cents(alpha_client: Client) -> None:
    prices = {row["kind"]: row for row in alpha_client.get("/api/v1/prices").json()}
    officer = prices["membership_officer"]
    assert officer["amount_cents"] == 17900
    assert officer["amount_incl_vat_cents"] == 21659  # 179.00 + 21% = 216.59
    assert prices["hourly_phone"]["amount_cents"] == 9000
    assert prices["hourly_onsite"]["amount_cents"] == 10000
