"""Login, multi-factor enforcement, rate limits shared across hosts."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import translation

from accounts.models import PlatformRole, User
from accounts.permissions import has_platform_role, requires_mfa
from accounts.services import totp_activate, user_create
from tests.support import PASSWORD, TOTP_SECRET, World, mfa_login, submit_totp, totp_code

pytestmark = pytest.mark.django_db


def test_provider_admin_must_pass_totp_after_password(world: World, alpha_client: Client) -> None:
    response = alpha_client.post("/accounts/login/", {"login": world.alpha_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"
    # Not logged in until the second factor is given.
    assert alpha_client.get("/organisatie/").status_code == 302
    wrong = alpha_client.post(response.url, {"code": "000000" if totp_code() != "000000" else "111111"})
    assert wrong.status_code == 200
    ok = submit_totp(alpha_client, response.url)
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
    done = submit_totp(alpha_client, blocked.url, secret)
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


# Used TOTP codes, session binding, staff timeouts, reauthentication


def _password_then_code(client: Client, email: str, code: str):  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    return client.post(response.url, {"code": code})


def test_a_used_totp_code_is_refused_on_every_other_host(world: World) -> None:
    code = totp_code()
    first = _password_then_code(Client(HTTP_HOST="localhost"), world.coordinator.email, code)
    assert first.status_code == 302  # logged in on the platform host
    # The same code, within its window, on a provider's host: one used-code store for all hosts.
    again = _password_then_code(Client(HTTP_HOST=world.alpha_host), world.coordinator.email, code)
    assert again.status_code == 200 and not again.wsgi_request.user.is_authenticated


def test_session_is_bound_to_its_host_at_login(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    response = client.post("/accounts/login/", {"login": world.complainant.email, "password": PASSWORD})
    assert response.status_code == 302
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    # The cookie copied to a provider's host before it was ever used again: refused there
    # (on the platform host, where it was made, it was bound by the login's own response).
    copied = Client(HTTP_HOST=world.alpha_host)
    copied.cookies[settings.SESSION_COOKIE_NAME] = session_id
    assert not copied.get("/").wsgi_request.user.is_authenticated


def _logged_in_provider_admin(world: World) -> Client:
    client = Client(HTTP_HOST=world.alpha_host)
    assert _password_then_code(client, world.alpha_admin.email, totp_code()).status_code == 302
    assert client.get("/organisatie/").status_code == 200
    return client


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_staff_session_ends_after_30_minutes_idle(world: World) -> None:
    client = _logged_in_provider_admin(world)
    _age_session(client, _kp_seen_at=29 * 60)
    assert client.get("/organisatie/").status_code == 200
    _age_session(client, _kp_seen_at=31 * 60)
    response = client.get("/organisatie/")
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_staff_session_ends_12_hours_after_login_however_busy(world: World) -> None:
    client = _logged_in_provider_admin(world)
    _age_session(client, _kp_login_at=12 * 3600 + 60, _kp_seen_at=10)
    response = client.get("/organisatie/")
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_complainant_session_keeps_going_after_an_idle_hour(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.post("/accounts/login/", {"login": world.complainant.email, "password": PASSWORD})
    _age_session(client, _kp_seen_at=3600, _kp_login_at=13 * 3600)
    assert client.get("/").wsgi_request.user.is_authenticated


def _authenticated_long_ago(client: Client) -> None:
    """As if the password was last given an hour ago (allauth keeps when, per method, in the session)."""
    session = client.session
    for record in session.get("account_authentication_methods", []):
        record["at"] = time.time() - 3600
    session.save()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/2fa/totp/deactivate/", {}),
        ("/instellingen/api-sleutels/", {"name": "EPD-koppeling"}),
    ],
)
def test_changing_credentials_asks_for_the_password_again(world: World, path: str, data: dict) -> None:
    client = _logged_in_provider_admin(world)
    _authenticated_long_ago(client)
    response = client.post(path, data)
    errors = re.findall(r'class="errorlist[^>]*>.*?</ul>', response.content.decode(), re.S)
    assert response.status_code == 302, errors
    assert response.url.startswith("/accounts/reauthenticate/")


def test_changing_the_email_address_asks_for_the_password_again(world: World) -> None:
    # Accounts with a second factor cannot add an address at all (allauth); a complainant can.
    client = Client(HTTP_HOST="localhost")
    client.post("/accounts/login/", {"login": world.complainant.email, "password": PASSWORD})
    _authenticated_long_ago(client)
    response = client.post("/accounts/email/", {"action_add": "", "email": "nieuw@example.nl"})
    assert response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/")
    assert not world.complainant.emailaddress_set.filter(email="nieuw@example.nl").exists()


def test_changing_the_password_asks_for_the_current_one(world: World) -> None:
    client = _logged_in_provider_admin(world)
    new = "N1euw-wachtwoord!"
    response = client.post("/accounts/password/change/", {"password1": new, "password2": new})
    assert response.status_code == 200 and 'name="oldpassword"' in response.content.decode()
    world.alpha_admin.refresh_from_db()
    assert world.alpha_admin.check_password(PASSWORD)


def _recovery_codes_page(client: Client) -> str:
    """The recovery codes, after allauth asks for the password again (as it does for them)."""
    response = client.get("/accounts/2fa/recovery-codes/")
    if response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/"):
        client.post(response.url, {"password": PASSWORD})
        response = client.get("/accounts/2fa/recovery-codes/")
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return response.content.decode()


def test_the_recovery_codes_page_says_what_they_are_for_and_leads_on(world: World) -> None:
    RecoveryCodes.activate(world.alpha_admin)
    client = mfa_login(world.alpha_admin, world.alpha_host)
    page = _recovery_codes_page(client)
    assert "Raakt u uw telefoon kwijt?" in page
    assert 'id="recovery-continue" href="/organisatie/"' in page
    assert 'href="/accounts/2fa/"' in page and "Naar Beveiliging" in page
    staff = mfa_login(world.coordinator, "localhost")
    RecoveryCodes.activate(world.coordinator)
    page = _recovery_codes_page(staff)
    assert 'id="recovery-continue" href="/werkplek/"' in page


def _staff_on_platform(user: User) -> Client:
    """A platform-host client for ``user``, with the second factor staff must have."""
    if not is_mfa_enabled(user):
        totp_activate(user=user, secret=TOTP_SECRET)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def test_platform_pages_admit_the_roles_they_name_and_refuse_the_others(world: World) -> None:
    professional = user_create(
        email="prof@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PROFESSIONAL]
    )
    superuser = user_create(email="root@klachtpunt.test", password=PASSWORD, is_superuser=True)
    complainant = Client(HTTP_HOST="localhost")
    complainant.force_login(world.complainant)
    expected = {
        # user: (the professional's own cases, the coordinator's dashboard)
        "professional": (_staff_on_platform(professional), 200, 403),
        "coordinator": (_staff_on_platform(world.coordinator), 403, 200),
        "superuser without a role": (_staff_on_platform(superuser), 200, 200),
        "complainant": (complainant, 403, 403),
    }
    for who, (client, my_cases, dashboard) in expected.items():
        assert client.get("/werkplek/mijn-zaken/").status_code == my_cases, who
        assert client.get("/werkplek/dashboard/").status_code == dashboard, who
    # Signed out: to the login page, not a refusal.
    anonymous = Client(HTTP_HOST="localhost").get("/werkplek/dashboard/")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")


def test_nobody_signed_out_holds_a_platform_role_or_needs_a_second_factor() -> None:
    anonymous = AnonymousUser()
    assert not has_platform_role(anonymous, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN)
    assert not requires_mfa(anonymous)


def test_second_factor_is_required_of_staff_roles_admin_staff_and_superusers(world: World) -> None:
    assert requires_mfa(world.coordinator)  # a platform role, no provider membership
    admin_staff = user_create(email="beheer@klachtpunt.test", password=PASSWORD)
    User.objects.filter(pk=admin_staff.pk).update(is_staff=True)
    admin_staff.refresh_from_db()
    assert requires_mfa(admin_staff)  # Django admin access without a platform role
    superuser = user_create(email="root2@klachtpunt.test", password=PASSWORD)
    User.objects.filter(pk=superuser.pk).update(is_superuser=True)
    superuser.refresh_from_db()
    assert requires_mfa(superuser)  # a superuser without the admin flag or a role
    assert not requires_mfa(world.complainant)
    # A coordinator without a second factor is sent to set one up before any page.
    coordinator = user_create(
        email="nieuw@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.COORDINATOR]
    )
    client = Client(HTTP_HOST="localhost")
    assert (
        client.post("/accounts/login/", {"login": coordinator.email, "password": PASSWORD}).status_code == 302
    )
    blocked = client.get("/werkplek/dashboard/")
    assert blocked.status_code == 302 and blocked.url == "/accounts/2fa/totp/activate/"
