"""While the database is away, clients are told to retry (503 + Retry-After), never shown a stack trace.

The database really is unreachable here: the connection is pointed at a
loopback port nothing listens on, so every query raises the driver's own
``OperationalError`` wherever the request first touches the database (tenant
routing, session, view). The slow fault test (tests/reliability) does the same
with a PostgreSQL server that really restarts under load.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import translation

from klachtpunt.errors import RETRY_AFTER_SECONDS, server_error
from tests.support import free_port


@pytest.fixture
def database_away(django_db_blocker: Any) -> Iterator[None]:
    settings_dict = connection.settings_dict
    saved = {key: settings_dict.get(key) for key in ("HOST", "PORT")}
    with django_db_blocker.unblock():
        connection.close()
        settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        try:
            yield
        finally:
            connection.close()
            settings_dict.update(saved)


def client(host: str) -> Client:
    # The test client re-raises a view's exception by default; a browser sees the response only.
    return Client(HTTP_HOST=host, raise_request_exception=False)


def unseen_provider_host() -> str:
    """A provider host no earlier request resolved: routing must ask the database (no cached tenant)."""
    return f"afwezig-{uuid.uuid4().hex[:8]}.localhost"


def assert_retry_later(response: Any) -> None:
    assert response.status_code == 503, response.content[:500]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "Traceback" not in body and "OperationalError" not in body and "127.0.0.1" not in body


def test_database_away_api_intake_answers_503_json_with_retry_after(database_away: None) -> None:
    response = client(unseen_provider_host()).post(
        "/api/v1/complaints", data=json.dumps({"what_happened": "x"}), content_type="application/json"
    )
    assert_retry_later(response)
    assert response["Content-Type"] == "application/json"
    assert response.json()["retry_after"] == RETRY_AFTER_SECONDS
    assert "opnieuw" in response.json()["detail"]


def test_database_away_provider_page_answers_503_html_in_the_visitors_language(database_away: None) -> None:
    response = client(unseen_provider_host()).get("/klacht/", HTTP_ACCEPT_LANGUAGE="nl")
    assert_retry_later(response)
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Even niet bereikbaar</h1>" in response.content.decode()


def test_database_away_platform_page_answers_503(database_away: None) -> None:
    response = client("localhost").get("/", HTTP_ACCEPT="text/html")
    assert_retry_later(response)


def test_database_away_widget_post_answers_503(database_away: None) -> None:
    response = client(unseen_provider_host()).post(
        "/widget/",
        {"what_happened": "x"},
        HTTP_ACCEPT="application/json",
    )
    assert_retry_later(response)
    assert response.json()["retry_after"] == RETRY_AFTER_SECONDS


def test_other_errors_stay_a_plain_500_without_retry_after() -> None:
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500 and not response.has_header("Retry-After")


def test_cache_away_widget_api_answers_503_with_retry_after(db: None, settings: Any) -> None:
    # The rate-limit counters live in the shared cache: Redis on a port nothing listens on.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client("alpha.localhost").post(
        "/api/v1/complaints",
        data=json.dumps({"what_happened": "x", "token": "x"}),
        content_type="application/json",
        HTTP_ORIGIN="http://alpha.localhost",
    )
    assert_retry_later(response)


def test_database_away_answers_in_the_visitors_language_not_the_threads_last(database_away: None) -> None:
    # The failure comes before LocaleMiddleware: the thread may still speak the last request's language.
    translation.activate("en")
    try:
        dutch = client(unseen_provider_host()).get("/klacht/", HTTP_ACCEPT_LANGUAGE="nl")
        english = client(unseen_provider_host()).get("/klacht/", HTTP_ACCEPT_LANGUAGE="en")
    finally:
        translation.deactivate()
    assert_retry_later(dutch)
    assert 'lang="nl"' in dutch.content.decode() and "opnieuw" in dutch.content.decode()
    assert 'lang="en"' in english.content.decode() and "try again" in english.content.decode()
