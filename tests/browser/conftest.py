"""Browser tests: a real server process and headless Chromium.

The server is a gunicorn subprocess on a free loopback port, pointed at this
pytest worker's test database, where the session world (providers, users) is
already committed. Nothing here uses pytest-django's ``live_server`` or
``transactional_db``: both flush the tables that the world lives in. Tests
create whatever else they need through the server, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection, connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import ROOT, subprocess_env
from tests.support import TOTP_SECRET, World, free_port, totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers this marker; runs with `-p no:xdist` need it too.
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker as the group")


@dataclass(frozen=True)
class LiveServer:
    port: int
    alpha_host: str

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def alpha(self, path: str = "/") -> str:
        return self.url(path, host=self.alpha_host)


def _wait_until_serving(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 (loopback, fixed scheme)
                return
        except urllib.error.HTTPError:
            return  # it answers; an unhealthy broker is not our concern here
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the test server did not answer within 30 s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_site(
    test_database_url: str,
    world: World,
    django_db_blocker,  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """gunicorn serving the committed test world on a free loopback port."""
    # pytest-django only creates the test database when a collected test asks
    # for one (browser tests carry `django_db` for that); never serve the
    # developer's own database by accident.
    assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        alpha_host = world.alpha_host
        # An idle connection left here would stop pytest-django dropping the test database.
        connection.close()
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "gunicorn.log"
    env = subprocess_env(
        KLACHTPUNT_TESTING="1",
        DATABASE_URL=test_database_url,
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
        # The links the server builds must point at this server, not at :8000.
        PLATFORM_PORT=str(port),
    )
    env.pop("CACHE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "klachtpunt.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                # One process: rate-limit counters and used TOTP codes live in
                # its (local-memory) cache, as they would in one shared cache.
                "--workers",
                "1",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(port, process, log)
        yield LiveServer(port=port, alpha_host=alpha_host)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def playwright_driver(live_site: LiveServer) -> Iterator[Playwright]:
    # Module scope stops the loop before this worker runs other tests, which may
    # start event loops of their own.
    with playwright_for_sync_tests() as driver:
        yield driver


@contextmanager
def playwright_for_sync_tests() -> Iterator[Playwright]:
    """Playwright's sync API, with the test's own database calls still allowed.

    Playwright keeps an event loop running in this thread while it is started.
    Django then refuses database calls here as if they came from async code;
    they don't (tests stay synchronous), so they are allowed while it runs.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
            # Connections the tests opened belong to this (greenlet's) context;
            # close them here, or the test database cannot be dropped.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: run deploy/dev/ensure-system-deps.sh"
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A fresh browser profile: Dutch, desktop-sized unless ``viewport`` is given, short timeouts."""
    options = {"viewport": {"width": 1280, "height": 900}, **options}
    context = browser.new_context(locale="nl-NL", **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, live_site: LiveServer) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


def watch(page: Page) -> Page:
    """Collect what a person would not see but must not happen: script errors,
    CSP refusals (an inline script or style) and sub-resources that fail."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.problems = problems  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return watch(context.new_page())


_used_totp_counters: set[int] = set()


def fresh_totp_code(secret: str = TOTP_SECRET) -> str:
    """A TOTP code the server has not seen yet.

    allauth refuses a code that was already used, so a second login within the
    same 30 s window waits for the next code, as a person would.
    """
    while True:
        now = time.time()
        # Not too close to the end of its window either, or it expires in transit.
        if int(now // 30) not in _used_totp_counters and now % 30 < 27:
            break
        time.sleep(0.5)
    _used_totp_counters.add(int(now // 30))
    return totp_code(secret, at=now)


def save_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def assert_accessible(page: Page, name: str) -> None:
    """No WCAG 2.1 A/AA violations, no script, CSP or resource errors (see ``watch``), and a screenshot."""
    save_screenshot(page, name)
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    assert page.problems == [], f"{name}: {page.problems}"  # type: ignore[attr-defined]


def committed(work: Callable[[], Any]) -> Any:
    """Run ``work`` on a thread of its own: its own connection, so what it writes commits."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0] if result else None
