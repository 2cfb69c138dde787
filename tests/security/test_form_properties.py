"""Bad input on the forms people fill in: hypothesis posts generated values through the real pages.

For the complaint form (the plain page ``/klacht/`` and ``POST /api/v1/complaints``
on a provider's host), the sign-up form (``/aanmelden/`` on the platform host)
and the provider's decision form: never a 5xx, and every field the form refuses
is named in the answer (the page's error summary links to the field; the API's
``fields`` has its name). Each example runs in a savepoint that is rolled back.
The proof of work is switched off here: the intake guard has its own tests, these
are about the form behind it.
"""

from __future__ import annotations

import html
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.forms import Form
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.intake.forms import ComplaintForm
from tests.casework.factories_decision import formal_complaint
from tests.casework.procedure_support import provider_login
from tests.casework.widget_support import VALID_FIELDS, hidden_fields
from tests.support import World

EXAMPLES = 20
CASES: Counter[str] = Counter()
FORM_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Values people (and attackers) type: empty, blank, long, control characters, markup, SQL, numbers.
_nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\u202e",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%s%n",
        "9" * 400,
        "ä" * 5000,
        "2026-02-30",
        "-1",
        "1e309",
    ]
)
_text = st.one_of(_nasty, st.text(max_size=300), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))


def _fields(valid: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """Each field left out, kept valid, or replaced by something odd."""
    return st.fixed_dictionaries(
        {}, optional={name: st.one_of(st.just(value), _text) for name, value in valid.items()}
    )


def _page_form(response: Any) -> Form | None:
    """The form the view rendered (the test client keeps the template context)."""
    context = getattr(response, "context", None)
    return context.get("form") if context is not None else None


def _named_in_page(form: Form, page: str, prefix: str = "") -> list[str]:
    """Fields with errors that the page's error summary does not link to."""
    missing = []
    for name in form.errors:
        if name == "__all__":
            continue
        anchor = f'href="#id_{prefix}{name}'
        if anchor not in page:
            missing.append(name)
    return missing


def _rolled_back(call: Callable[[], Any]) -> Any:
    cache.clear()  # rate limits count per process; each example starts afresh
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def no_pow(settings: Any) -> None:
    settings.WIDGET_POW_ENABLED = False


def test_complaint_page_bad_input_gives_no_5xx_and_names_each_refused_field(db, world: World, no_pow) -> None:
    client = Client(HTTP_HOST=world.alpha_host)
    origin = f"http://{world.alpha_host}"

    @FORM_SETTINGS
    @given(fields=_fields(VALID_FIELDS))
    def post(fields: dict[str, str]) -> None:
        def call() -> Any:
            page = client.get("/klacht/").content.decode()
            return client.post("/klacht/", {**hidden_fields(page), **fields}, HTTP_ORIGIN=origin)

        response = _rolled_back(call)
        CASES["complaint page"] += 1
        CASES[f"complaint page {response.status_code}"] += 1
        assert response.status_code < 500, (response.status_code, fields)
        form = _page_form(response)
        if response.status_code == 400 and form is not None and form.errors:
            missing = _named_in_page(form, response.content.decode())
            assert not missing, (missing, fields)

    post()


def test_complaint_api_bad_input_gives_no_5xx_and_names_each_refused_field(db, world: World, no_pow) -> None:
    client = Client(HTTP_HOST=world.alpha_host)

    @FORM_SETTINGS
    @given(fields=_fields(VALID_FIELDS), as_json=st.booleans())
    def post(fields: dict[str, str], as_json: bool) -> None:
        def call() -> Any:
            token = client.get("/api/v1/complaints/challenge").json()["token"]
            body = {**fields, "token": token}
            origin = {"HTTP_ORIGIN": f"http://{world.alpha_host}"}  # the API takes its own host's origin
            if as_json:
                return client.post("/api/v1/complaints", body, content_type="application/json", **origin)
            return client.post("/api/v1/complaints", body, **origin)

        response = _rolled_back(call)
        CASES["complaint API"] += 1
        CASES[f"complaint API {response.status_code}"] += 1
        assert response.status_code < 500, (response.status_code, fields)
        if response.status_code == 422:
            refused = set(response.json()["fields"])
            form = ComplaintForm({**fields})
            form.is_valid()
            assert set(form.errors) - {"__all__"} <= refused, (form.errors, refused)
            assert refused, fields

    post()


SIGNUP_VALID = {
    "organisation_name": "Zorg Gamma",
    "kvk_number": "12345678",
    "agb_code": "",
    "sector": "elderly",
    "street": "Stationsplein 1",
    "postcode": "3511 AB",
    "city": "Utrecht",
    "contact_name": "Gerda Gamma",
    "contact_email": "gerda@gamma.test",
    "contact_phone": "",
    "password": "Een-lang-wachtwoord-2026",
    "slug": "gamma",
    "services": "officer",
    "disputes_body": "Geschilleninstantie Zorg",
    "accept_dpa": "on",
}


def test_signup_bad_input_gives_no_5xx_and_names_each_refused_field(db, world: World, settings: Any) -> None:
    # Without Stripe configured a complete sign-up stops before any network call.
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    client = Client(HTTP_HOST="localhost")

    @FORM_SETTINGS
    @given(fields=_fields(SIGNUP_VALID))
    def post(fields: dict[str, str]) -> None:
        response = _rolled_back(lambda: client.post("/aanmelden/", fields))
        CASES["sign-up"] += 1
        CASES[f"sign-up {response.status_code}"] += 1
        assert response.status_code < 500, (response.status_code, fields)
        form = _page_form(response)
        if response.status_code in (200, 400) and form is not None and form.errors:
            missing = _named_in_page(form, response.content.decode())
            assert not missing, (missing, form.errors, fields)

    post()


DECISION_VALID = {
    "conclusion": "De klacht is gegrond.",
    "decisions_taken": "Wij passen het rooster aan.",
    "measures_timeframe": "Binnen drie maanden.",
    "decided_on": "",
    "measure-TOTAL_FORMS": "1",
    "measure-INITIAL_FORMS": "0",
    "measure-0-description": "Rooster aanpassen",
    "measure-0-due_on": "",
}


def test_decision_bad_input_gives_no_5xx_and_names_each_refused_field(db, world: World) -> None:
    import datetime

    _complaint, case = formal_complaint(world.alpha)
    client = provider_login(world)
    today = datetime.date.today().isoformat()
    valid = {**DECISION_VALID, "decided_on": today, "measure-0-due_on": today}
    path = f"/klachten/{case.reference}/oordeel/"

    @FORM_SETTINGS
    @given(fields=_fields(valid))
    def post(fields: dict[str, str]) -> None:
        response = _rolled_back(lambda: client.post(path, fields))
        CASES["decision"] += 1
        CASES[f"decision {response.status_code}"] += 1
        assert response.status_code < 500, (response.status_code, fields)
        form = _page_form(response)
        if response.status_code == 400 and form is not None and form.errors:
            missing = _named_in_page(form, html.unescape(response.content.decode()))
            assert not missing, (missing, form.errors, fields)

    post()


def teardown_module() -> None:
    print(f"\nform property cases: {dict(CASES)}", file=sys.stderr)
