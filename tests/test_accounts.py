"""Login, multi-factor enforcement, rate limits shared across hosts."""

from __future__ import annotations

import re

import pytest
from allauth.account.adapter import get_adapter
from django.test import Client
from django.utils import translation

from accounts.permissions import requires_mfa
from tests.support import PASSWORD, World, totp_code

pytestmark = pytest.mark.django_db


def test_provider_admin_must_pass_totp_after_password(world: World, alpha_client: Client) -> None:
    response = alpha_client.post("/accounts/login/", {"login": world.alpha_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"
    # Not logged in until the second factor is given.
    assert alpha_client.get("/organisatie/").status_code == 302
    wrong = alpha_client.post(response.url, {"code": "000000" if totp_code() != "000000" else "111111"})
    assert wrong.status_code == 200
    ok = alpha_client.post(response.url, {"code": totp_code()})
    assert ok.status_code == 302
    assert alpha_client.get("/organisatie/").status_code == 200


def test_provider_user_without_second_factor_is_sent_to_set_one_up(
    world: World, alpha_client: Client
) -> None:
    assert requires_mfa(world.alpha_staff_no_mfa)
    response = alpha_client.post(
        "/accounts/login/", {"login": world.alpha_staff_no_mfa.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    blocked = alpha_client.get("/organisatie/")
    assert blocked.status_code == 302
    assert blocked.url == "/accounts/2fa/totp/activate/"
    # allauth asks for the password again before a second factor is added.
    reauth = alpha_client.get(blocked.url)
    assert reauth.url.startswith("/accounts/reauthenticate/")
    assert alpha_client.post(reauth.url, {"password": PASSWORD}).status_code == 302
    page = alpha_client.get(blocked.url)
    assert page.status_code == 200
    secret = re.search(r"\b([A-Z2-7]{32})\b", page.content.decode()).group(1)
    done = alpha_client.post(blocked.url, {"code": totp_code(secret)})
    assert done.status_code == 302
    assert alpha_client.get("/organisatie/").status_code == 200


def test_complainant_needs_no_second_factor(world: World, platform_client: Client) -> None:
    assert not requires_mfa(world.complainant)
    response = platform_client.post(
        "/accounts/login/", {"login": world.complainant.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_admin_login_goes_through_allauth(platform_client: Client) -> None:
    response = platform_client.get("/admin/")
    assert response.status_code == 302
    follow = platform_client.get(response.url)
    assert follow.status_code == 302
    assert follow.url.startswith("/accounts/login/")


def test_failed_logins_are_limited_across_all_hosts(world: World) -> None:
    hosts = ["localhost", world.alpha_host, world.beta_host]
    with translation.override("nl"):
        too_many = str(get_adapter().error_messages["too_many_login_attempts"])
    limited = []
    for attempt in range(7):
        client = Client(HTTP_HOST=hosts[attempt % 3], REMOTE_ADDR="203.0.113.7")
        response = client.post(
            "/accounts/login/", {"login": world.complainant.email, "password": "fout-wachtwoord"}
        )
        assert response.status_code == 200
        limited.append(too_many in response.content.decode())
    # 5 failures per 5 minutes for the address and the account, whichever host they hit.
    assert limited == [False] * 5 + [True, True]
