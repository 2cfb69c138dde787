"""People using the site over HTTP, for the end-to-end test: each with their own session.

An ``Actor`` is one person's browser: its own cookie jar, its own IP address,
CSRF checks on (as the real middleware applies them to a browser), an
``Origin`` header on every POST. It only posts forms it found on a page it
loaded, with the fields the page has (hidden fields such as the CSRF token
and formset counters come along as a browser would send them); a field the
form does not have is an error in the test, not something to send anyway.
A link from an e-mail or a calendar item is opened only on the host it
points at, by the person on that host.

Requests go through Django's whole stack (middleware, tenant routing, URLs,
views, templates) in this process and this test's transaction; after each
one, the work queued for after its commit (the outbox hand-off to the eager
Celery tasks, e-mail included) runs, as it would after a real commit.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.core import mail
from django.http import HttpResponse
from django.test import Client, TestCase

from tests.support import PASSWORD, totp_code

_UNSENT_INPUTS = ("submit", "button", "image", "reset", "file")


@dataclass
class Form:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    """The forms of a page with what a browser would send untouched (checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=attributes.get("action", ""), method=attributes.get("method", "get"))
            self.forms.append(self._form)
            return
        form, name = self._form, attributes.get("name")
        if form is None or not name:
            if tag == "option" and form is not None and self._select:
                self._option(form, attributes)
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in _UNSENT_INPUTS:
                if kind == "file":
                    form.names.add(name)
                return
            form.names.add(name)
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    form.values[name] = attributes.get("value", "on")
            else:
                form.values[name] = attributes.get("value", "")
        elif tag == "textarea":
            form.names.add(name)
            form.values[name] = ""
            self._textarea = name
        elif tag == "select":
            form.names.add(name)
            self._select = name

    def _option(self, form: Form, attributes: dict[str, str]) -> None:
        assert self._select is not None
        if "selected" in attributes or self._select not in form.values:
            form.values[self._select] = attributes.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


@dataclass
class Page:
    path: str
    response: HttpResponse

    @property
    def html(self) -> str:
        return self.response.content.decode()

    @property
    def text(self) -> str:
        """The page's text as read (entities resolved), for "is it shown" checks."""
        return html.unescape(re.sub(r"<[^>]+>", " ", self.html))

    def form(self, action: str | None = None, *, having: Iterable[str] = ()) -> Form:
        """The form on this page that posts to ``action`` (default: to the page itself).

        Where several do (allauth's code form and its security-key form), the one with
        the fields ``having``; there must be exactly one.
        """
        parser = _FormParser()
        parser.feed(self.html)
        target = action or self.path
        found = [f for f in parser.forms if (urlsplit(f.action).path or self.path) == target]
        if len(found) > 1:
            found = [f for f in found if set(having) <= f.names]
        assert len(found) == 1, f"{len(found)} forms post to {target} on {self.path}"
        return found[0]


@dataclass
class Actor:
    """One person with their own browser session on one host."""

    name: str
    host: str
    client: Client

    @classmethod
    def on(cls, host: str, *, name: str, ip: str) -> Actor:
        return cls(
            name=name, host=host, client=Client(HTTP_HOST=host, REMOTE_ADDR=ip, enforce_csrf_checks=True)
        )

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def get(self, path: str, *, status: int = 200, **params: str) -> Page:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = self.client.get(path, params)
        assert response.status_code == status, f"{self.name}: GET {path} -> {response.status_code}"
        return Page(path=path, response=response)

    def open(self, url: str, *, status: int = 200) -> Page:
        """Open a link (from an e-mail, a calendar item): it must point at this person's host."""
        parts = urlsplit(url)
        assert parts.hostname == self.host, f"{self.name} on {self.host} got a link to {url}"
        return self.get(parts.path, status=status)

    def submit(self, page: Page, action: str | None = None, *, status: int = 302, **fields: str) -> Page:
        """Fill in the form on ``page`` that posts to ``action``, send it from this host's origin,
        and follow the answer's redirects on this host, as a browser does; return where it lands."""
        form = page.form(action, having=fields)
        unknown = set(fields) - form.names
        assert not unknown, f"{self.name}: the form for {action or page.path} has no {sorted(unknown)}"
        assert form.method.lower() == "post"
        target = urlsplit(form.action).path or page.path
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = self.client.post(target, {**form.values, **fields}, HTTP_ORIGIN=self.origin)
        assert response.status_code == status, (
            f"{self.name}: POST {target} -> {response.status_code}\n{response.content.decode()[:3000]}"
        )
        landed = Page(path=target, response=response)
        while landed.response.status_code in (301, 302, 303):
            location = urlsplit(landed.response["Location"])
            if location.hostname not in (None, self.host):
                break  # another host: a person would arrive there in another session
            with TestCase.captureOnCommitCallbacks(execute=True):
                response = self.client.get(location.path, QUERY_STRING=location.query)
            landed = Page(path=location.path, response=response)
        return landed

    def log_in(self, email: str, *, second_factor: bool) -> None:
        """allauth's login form, then (when the account has one) the authenticator code."""
        landed = self.submit(self.get("/accounts/login/"), login=email, password=PASSWORD)
        if second_factor:
            assert landed.path == "/accounts/2fa/authenticate/", f"{self.name} was not asked for a code"
            form = landed
            for _ in range(2):  # a second try only when the 30-second window turned on the way
                window = int(time.time() // 30)
                landed = self.submit(form, code=totp_code(at=window * 30))
                if landed.path != form.path or int(time.time() // 30) == window:
                    break
        assert landed.response.status_code == 200 and not landed.path.startswith("/accounts/"), (
            f"{self.name} is not logged in: {landed.path}"
        )


def mail_to(address: str, *subject_parts: str) -> list[mail.EmailMessage]:
    """The e-mails sent to ``address`` so far whose subject has each of ``subject_parts``."""
    return [m for m in mail.outbox if address in m.to and all(part in m.subject for part in subject_parts)]


def one_mail_to(address: str, *subject_parts: str) -> mail.EmailMessage:
    found = mail_to(address, *subject_parts)
    assert len(found) == 1, f"{len(found)} e-mails to {address} with {subject_parts} in the subject"
    return found[0]


def link_in(message: mail.EmailMessage, path_contains: str) -> str:
    links = [url for url in re.findall(r"https?://\S+", message.body) if path_contains in url]
    assert len(links) == 1, f"links with {path_contains!r} in {message.subject!r}: {links}"
    return links[0]
