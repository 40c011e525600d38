"""Browser fixtures: the app served on 127.0.0.1 by a real HTTP server in a thread, and the
system's Chromium driven by Playwright. Every page a test opens is watched: a request to any
host other than 127.0.0.1 fails the test (and is blocked, so the page cannot wait on it)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, Route
from werkzeug.serving import make_server

from market.app import create_app

from ..conftest import base_config
from ..support import ROOT, ApiClient, Clock, copy_db


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests: when a page moves on before a stylesheet or font has downloaded, the browser
    drops the connection and Werkzeug's development server leaves that static file unclosed (a
    ResourceWarning from the test server, not from our code); everything else stays an error."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here and "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
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
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (deprecated under pytest 9: its class-scoped form warns,
    and warnings are errors here); each test knows its live server's address."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, pointed at Debian's Chromium (no download here)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM=/path")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def site_clock() -> Clock:
    return Clock()


@contextmanager
def live_site(template: Path, folder: Path, clock: Clock) -> Iterator[LiveServer]:
    """The marketplace as a user meets it: embedded mode, CSRF on, served over HTTP on 127.0.0.1,
    on a copy of the migrated ``template`` database in ``folder``."""
    copy_db(template, folder / "market.db")
    app = create_app(
        {
            **base_config(clock),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'market.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
        }
    )
    with LiveServer(app) as server:
        yield server
    from market.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path, site_clock: Clock) -> Iterator[LiveServer]:
    with live_site(sqlite_template, tmp_path, site_clock) as server:
        yield server


@pytest.fixture
def site_api(site: LiveServer) -> ApiClient:
    """Set-up through the JSON API of the same app (in-process), for what a test does not click."""
    return ApiClient(site.app, site.app.test_client(), lambda: None)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fa-IR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def web(page: Page, site: LiveServer) -> Iterator[Page]:
    """A page on the live site that refuses to talk to any other host and fails the test on
    anything the Content-Security-Policy blocks."""
    foreign: list[str] = []

    def guard(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    # the Content-Security-Policy allows nothing inline: Chromium reports what it blocked
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.route("**/*", guard)
    page.set_default_timeout(15_000)
    yield page
    assert not foreign, f"pages asked hosts other than 127.0.0.1: {foreign}"
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
