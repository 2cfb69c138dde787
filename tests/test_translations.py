"""The English catalogue is complete, its committed .mo is what the .po compiles to, and pages use it.

Dutch is the source language; English comes from locale/en/LC_MESSAGES/django.po. After adding Dutch
strings: ``manage.py makemessages -l en --ignore=.venv --ignore=.data --ignore=tests --no-obsolete``,
translate the new and fuzzy entries, ``manage.py compilemessages --ignore=.venv``, commit both files.
"""

from __future__ import annotations

import ast
import gettext
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.test import Client

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from tests.support import PASSWORD, World, submit_totp

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
UPDATE = (
    "run manage.py makemessages -l en --ignore=.venv --ignore=.data --ignore=tests --no-obsolete, "
    "translate, then manage.py compilemessages --ignore=.venv"
)


def _msgfmt() -> str:
    binary = shutil.which("msgfmt")
    assert binary, "msgfmt is missing: `make test` installs gettext (deploy/dev/ensure-system-deps.sh)"
    return binary


def po_entries(text: str) -> list[dict]:
    """The .po's live entries: msgctxt, msgid, msgid_plural, msgstr / msgstr[n] and flags."""
    entries: list[dict] = []
    entry: dict = {}
    key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#,"):
            entry["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue  # comments, references, previous msgids (#|) and obsolete entries (#~)
        elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
            key = match.group(1)
            entry[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"unexpected line in {PO.name}: {line!r}")
    return [e for e in entries if e["msgid"]]  # without the header


def _label(entry: dict) -> str:
    return repr(entry["msgid"][:80])


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 1000
    fuzzy = [_label(e) for e in entries if "fuzzy" in e.get("flags", set())]
    empty = [_label(e) for e in entries if not all(v for k, v in e.items() if k.startswith("msgstr"))]
    assert not fuzzy, f"fuzzy in {PO.name} ({UPDATE}): {fuzzy}"
    assert not empty, f"untranslated in {PO.name} ({UPDATE}): {empty}"


PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]")


def test_translations_keep_the_placeholders_of_their_source() -> None:
    """Also for entries without the python-format flag, which msgfmt --check does not look at."""
    wrong = []
    for entry in po_entries(PO.read_text(encoding="utf-8")):
        source = set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for key, value in entry.items():
            if key.startswith("msgstr") and set(PLACEHOLDER.findall(value)) != source:
                wrong.append(f"{_label(entry)} {key}")
    assert not wrong, f"placeholders differ from the Dutch in {PO.name}: {wrong}"


def test_msgfmt_accepts_the_catalogue_with_placeholders_intact() -> None:
    # --check compares the %(name)s placeholders of every python-format entry with its msgid.
    result = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def _catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def test_the_committed_mo_is_what_the_po_compiles_to(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run([_msgfmt(), "--check-format", "-o", str(fresh), str(PO)], check=True, timeout=60)
    committed, expected = _catalog(MO), _catalog(fresh)
    stale = sorted(
        str(k)[:80] for k in expected.keys() | committed.keys() if committed.get(k) != expected.get(k)
    )
    assert not stale, f"{MO.name} is out of date ({UPDATE}); differs for: {stale[:20]}"


# --- Pages in English ----------------------------------------------------------------------------------

NAV = re.compile(r'<ul class="nav">(.*?)</ul>', re.S)
LINK = re.compile(r"<a [^>]*>(.*?)</a>", re.S)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def nav_labels(page: str) -> list[str]:
    found = NAV.search(page)
    assert found, "no main menu on the page"
    return [_text(label) for label in LINK.findall(found.group(1))]


def h1(page: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert found, "no h1 on the page"
    return _text(found.group(1))


def get(client: Client, path: str, language: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, response.status_code)
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    return page


def _same_in_both_languages() -> set[str]:
    """Words the catalogue translates to themselves (Dashboard, Trends, ...)."""
    return {e["msgid"] for e in po_entries(PO.read_text(encoding="utf-8")) if e.get("msgstr") == e["msgid"]}


def assert_menu_is_english(client: Client, path: str) -> list[str]:
    """Every menu item differs from its Dutch rendering, unless the catalogue says the word is the same."""
    dutch, english = nav_labels(get(client, path, "nl")), nav_labels(get(client, path, "en"))
    assert len(dutch) == len(english), (dutch, english)
    same = _same_in_both_languages()
    still_dutch = [nl for nl, en in zip(dutch, english, strict=True) if nl == en and nl not in same]
    assert not still_dutch, f"menu items not in English on {path}: {still_dutch}"
    return english


def staff_client(user: User) -> Client:
    """Logged in with a second factor, as the platform's staff must be."""
    if not is_mfa_enabled(user):
        totp_activate(user=user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_landing_page_in_english_by_accept_language(platform_client: Client) -> None:
    page = get(platform_client, "/", "en")
    assert h1(page) == "Independent complaints service for care providers"
    for text in ("Our services", "Complaints officer", "Client confidant", "Submit a complaint here"):
        assert text in page, text
    assert "Onafhankelijke klachtenopvang" not in page and "Dien hier een klacht in" not in page
    assert nav_labels(page) == ["Home", "Log in"]
    assert assert_menu_is_english(platform_client, "/") == ["Home", "Log in"]


@pytest.mark.django_db
def test_set_language_and_the_cookie_make_the_login_page_english(platform_client: Client) -> None:
    switched = platform_client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302 and switched.url == "/accounts/login/"
    assert platform_client.cookies["django_language"].value == "en"
    # The cookie wins over a browser asking for Dutch.
    page = platform_client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="en">' in page and h1(page) == "Log in"
    assert "Create an account" in page and "Inloggen" not in page


@pytest.mark.django_db
def test_coordinator_logs_in_with_totp_and_sees_the_queue_in_english(world: World) -> None:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"login": world.coordinator.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    second = client.get(response.url).content.decode()
    assert h1(second) == "Second step" and "authenticator app" in second
    assert submit_totp(client, response.url).status_code == 302

    page = get(client, "/werkplek/wachtrij/", "en")
    assert h1(page) == "Queue"
    assert "All open complaints of all care providers, most urgent first" in page
    assert "Open cases, most urgent first" in page
    assert "Wachtrij" not in page and "meest dringende" not in page
    menu = assert_menu_is_english(client, "/werkplek/wachtrij/")
    for label in ("Home", "Workspace", "Queue", "Security", "Log out"):
        assert label in menu, (label, menu)
    # Staff see their work, not the complainant's links.
    assert "My complaints" not in menu and "Submit a complaint" not in menu


@pytest.mark.django_db
def test_every_menu_item_is_english_for_every_role(world: World) -> None:
    admin = user_create(
        email="beheer-en@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PLATFORM_ADMIN]
    )
    professional = user_create(
        email="professional-en@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PROFESSIONAL]
    )
    complainant = Client(HTTP_HOST="localhost")
    complainant.force_login(world.complainant)
    clients = {
        "complainant": complainant,
        "coordinator": staff_client(world.coordinator),
        "professional": staff_client(professional),
        "platform admin": staff_client(admin),
    }
    seen: set[str] = set()
    for role, client in clients.items():
        menu = assert_menu_is_english(client, "/")
        assert "Home" in menu and "Log out" in menu, (role, menu)
        seen.update(menu)
    assert {"Workspace", "Queue", "My cases", "My hours", "My dashboard", "Administration"} <= seen, seen

    # A care provider's administrator, on the provider's own host (where Abonnement and Toegangslog live).
    provider = Client(HTTP_HOST=world.alpha_host)
    provider.force_login(world.alpha_admin)
    menu = assert_menu_is_english(provider, "/organisatie/")
    for label in ("Organisation", "Complaints", "Annual report", "Subscription", "Access log", "Security"):
        assert label in menu, (label, menu)
