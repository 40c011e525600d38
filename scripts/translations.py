"""Build the Persian message catalog from its parts, and check that nothing is left untranslated.

Each part of the site keeps its translations in ``market/translations/src/<part>.po`` (so people
working on different pages never edit the same file). This script merges them into
``market/translations/fa/LC_MESSAGES/messages.po`` and compiles ``messages.mo`` (both committed:
serving needs no build step). ``--check`` extracts every translatable string from the code and
templates and exits non-zero if one has no Persian translation or the compiled catalog is stale.

    .venv/bin/python scripts/translations.py          # merge and compile
    .venv/bin/python scripts/translations.py --check  # what the test suite runs
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "market" / "translations" / "src"
OUT = ROOT / "market" / "translations" / "fa" / "LC_MESSAGES"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def merged() -> Catalog:
    # fixed dates: the compiled catalog must depend on the translations only, so --check can compare
    fixed = datetime(2026, 1, 1, tzinfo=UTC)
    catalog = Catalog(
        locale="fa", project="market", charset="utf-8", creation_date=fixed, revision_date=fixed
    )
    for part in sorted(SRC.glob("*.po")):
        with part.open("rb") as f:
            for message in read_po(f, locale="fa"):
                if message.id and message.string:
                    if message.id in catalog and catalog[message.id].string != message.string:
                        raise SystemExit(f"{part.name}: {message.id!r} translated differently elsewhere")
                    catalog.add(message.id, message.string)
    return catalog


def rendered(catalog: Catalog) -> tuple[bytes, bytes]:
    po, mo = io.BytesIO(), io.BytesIO()
    write_po(po, catalog, omit_header=False, sort_output=True, width=0)
    write_mo(mo, catalog)
    return po.getvalue(), mo.getvalue()


def used_strings() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "market"), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}}
    ):
        found.update(message if isinstance(message, tuple) else [message])
    return {m for m in found if m}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail on a missing translation or a stale catalog"
    )
    args = parser.parse_args(argv)
    catalog = merged()
    po, mo = rendered(catalog)
    if args.check:
        known = {i for m in catalog if m.id for i in (m.id if isinstance(m.id, tuple) else [m.id])}
        missing = sorted(used_strings() - known)
        stale = not (OUT / "messages.mo").exists() or (OUT / "messages.mo").read_bytes() != mo
        for m in missing:
            print(f"untranslated: {m!r}")
        if stale:
            print("messages.mo is stale: run .venv/bin/python scripts/translations.py")
        return 1 if missing or stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "messages.po").write_bytes(po)
    (OUT / "messages.mo").write_bytes(mo)
    print(f"{len(catalog)} messages compiled into {OUT / 'messages.mo'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
