"""Screenshots of the main pages for the README: the app in the embedded mode (SQLite in a
temporary folder, jobs run inline) with the demo data, served on 127.0.0.1, photographed by the
system's Chromium in Persian on a phone (375 px) and a desktop (1,440 px): fa-<page>.png and
fa-phone-<page>.png (en-... with --lang en).

    .venv/bin/python scripts/screenshots.py               # into docs/screenshots/
    .venv/bin/python scripts/screenshots.py --lang en --only dashboard order

Nothing outside the temporary folder and the output folder is touched; the demo's accounts and
password come from market/demo.py.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from market import demo  # noqa: E402
from market.app import create_app  # noqa: E402
from market.extensions import db  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"-phone": 375, "": 1440}
#: who signs in (None: a visitor), and the pages they see: name -> path ("{order}": one of theirs,
#: "{delivered}": one delivered, "{refused}": the order form sent with an impossible date)
PAGES: dict[str | None, dict[str, str]] = {
    None: {"catalog": "/", "signup": "/signup"},
    "buyer1@demo.kitmarket.ir": {
        "orders": "/orders",
        "new-order": "/orders/new",
        "order-errors": "{refused}",
        "order": "{order}",
    },
    "buyer2@demo.kitmarket.ir": {"order-delivered": "{delivered}"},  # the demo's delivered order
    "workshop1@demo.kitmarket.ir": {
        "workshop-offers": "/workshop/offers",
        "workshop-jobs": "/workshop/jobs",
        "workshop": "/workshop",
    },
    demo.ADMIN_EMAIL: {
        "dashboard": "/admin",
        "admin-workshops": "/admin/businesses",
        "admin-orders": "/admin/orders",
        "admin-jobs": "/admin/jobs",
    },
}


def demo_app(folder: Path) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'market.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for line in demo.seed():
            print(line)
        db.engine.dispose()
    return app


@contextmanager
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/signin")
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()


def open_page(page: Page, url: str, path: str) -> None:
    if path in ("{order}", "{delivered}"):
        page.goto(f"{url}/orders")
        rows = page.locator("main table tr" + (":has(.status-delivered)" if path == "{delivered}" else ""))
        path = rows.locator("a").first.get_attribute("href") or "/orders"
    if path == "{refused}":
        page.goto(f"{url}/orders/new")
        page.locator("#quantity").fill("۱۲۰")
        page.locator("#needed_by").fill("1405/09/31")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").click()
    else:
        page.goto(url + path)
    page.wait_for_load_state("networkidle")


def shoot(url: str, out: Path, lang: str, only: set[str]) -> list[Path]:
    saved: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for email, all_pages in PAGES.items():
            pages = {name: path for name, path in all_pages.items() if not only or name in only}
            if not pages:
                continue
            context = browser.new_context(locale="fa-IR" if lang == "fa" else "en-US")
            page = context.new_page()
            if email:
                sign_in(page, url, email)
            else:
                page.goto(url + "/")
            if lang != "fa":
                page.locator("button.lang").click()
                page.wait_for_load_state()
            for name, path in pages.items():
                open_page(page, url, path)
                for size, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    target = out / f"{lang}{size}-{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", choices=("fa", "en"), default="fa")
    parser.add_argument("--only", nargs="*", default=[], help="these pages only (names as in PAGES)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp))
        with served(app) as url:
            for path in shoot(url, args.out, args.lang, set(args.only)):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
