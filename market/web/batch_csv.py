"""Reading a bulk requisition from a CSV file, as people make them: in Excel or LibreOffice, with
Persian or English headers, Persian or Latin digits, Jalali (1405/09/30, ۲۹ آذر ۱۴۰۵) or ISO dates,
kits and provinces by code or by name. Each row becomes an order body as ``POST /orders/batch``
takes it; whatever cannot be understood is passed on as written, so the batch's own validation
reports it against its line and field."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from persiantools import digits
from persiantools.jdatetime import JalaliDate

from ..domain import geo
from ..models import Kit
from .i18n import parse_date

FIELDS = ("kit", "quantity", "delivery_province", "delivery_address", "needed_by", "note")
REQUIRED = FIELDS[:-1]
# the template's headers, in each language (what the page's template download writes)
TEMPLATE_HEADERS = {
    "fa": ("بسته", "تعداد", "استان تحویل", "نشانی تحویل", "تاریخ نیاز", "یادداشت"),
    "en": ("kit", "quantity", "delivery province", "delivery address", "needed by", "note"),
}
_ALIASES = {
    "kit": ("kit code", "کد بسته", "نوع بسته"),
    "quantity": ("qty", "count", "تعداد بسته", "شمار"),
    "delivery_province": ("province", "استان", "استان مقصد"),
    "delivery_address": ("address", "نشانی", "آدرس", "آدرس تحویل"),
    "needed_by": ("date", "due", "deadline", "تاریخ", "مهلت", "تاریخ تحویل"),
    "note": ("notes", "توضیحات", "توضیح", "یادداشت‌ها"),
}
JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
MAX_LINES = 1000


def fold(text: str) -> str:
    """A comparison key: NFKC, Arabic yeh/kaf as Persian, no ZWNJ, spaces, _ or -; lower case."""
    text = unicodedata.normalize("NFKC", text).replace("ي", "ی").replace("ك", "ک").replace("ى", "ی")
    return re.sub(r"[\s\u200c\u200f\u200e_\-]+", "", text).lower()


HEADER_KEYS: dict[str, str] = {}
for _name in FIELDS:
    for _alias in (_name, *_ALIASES[_name], *(h[FIELDS.index(_name)] for h in TEMPLATE_HEADERS.values())):
        HEADER_KEYS[fold(_alias)] = _name
PROVINCE_KEYS: dict[str, str] = {}
for _p in geo.PROVINCES:
    for _alias in (_p.code, _p.name_en, _p.name_fa, f"استان {_p.name_fa}", f"{_p.name_en} province"):
        PROVINCE_KEYS[fold(_alias)] = _p.code
MONTH_KEYS = {fold(m): i for i, m in enumerate(JALALI_MONTHS, start=1)}


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, headers, size): ``code`` names which."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class Sheet:
    """The rows read: ``cells`` as written (for the preview), ``orders`` as the batch takes them."""

    cells: list[dict[str, str]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), UTF-16 with a BOM, else Windows-1256 (Persian Windows).

    :raises FileProblem: ``encoding`` when none fits.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("encoding")


def read(text: str, kits: list[Kit]) -> Sheet:
    """The orders of a CSV text.

    :raises FileProblem: ``empty``, ``too_many`` (over 1,000 lines), ``unknown_column`` or
        ``missing_column`` (``detail`` names it).
    """
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileProblem("empty")
    delimiter = max((",", ";", "\t", "،"), key=lines[0].count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    columns: list[str | None] = []
    for name in header:
        key = HEADER_KEYS.get(fold(name))
        if key is None and name.strip():
            raise FileProblem("unknown_column", name.strip())
        columns.append(key)
    for needed in REQUIRED:
        if needed not in columns:
            raise FileProblem("missing_column", needed)
    if not body:
        raise FileProblem("empty")
    if len(body) > MAX_LINES:
        raise FileProblem("too_many")
    kit_keys = {fold(name): kit.code for kit in kits for name in (kit.code, kit.name_en, kit.name_fa)}
    sheet = Sheet()
    for row in body:
        cells = {c: v.strip() for c, v in zip(columns, row, strict=False) if c is not None}
        sheet.cells.append(cells)
        sheet.orders.append(order_of(cells, kit_keys))
    return sheet


def order_of(cells: dict[str, str], kit_keys: dict[str, str]) -> dict[str, Any]:
    order: dict[str, Any] = {}
    if cells.get("kit"):
        order["kit"] = kit_keys.get(fold(cells["kit"]), cells["kit"])
    if cells.get("quantity"):
        order["quantity"] = whole_number(cells["quantity"])
    if cells.get("delivery_province"):
        written = cells["delivery_province"]
        order["delivery_province"] = PROVINCE_KEYS.get(fold(written), written)
    if cells.get("delivery_address"):
        order["delivery_address"] = cells["delivery_address"]
    if cells.get("needed_by"):
        found = read_date(cells["needed_by"])
        order["needed_by"] = found.isoformat() if found else cells["needed_by"]
    if cells.get("note"):
        order["note"] = cells["note"]
    return order


def latin(text: str) -> str:
    return digits.fa_to_en(digits.ar_to_fa(text))


def whole_number(text: str) -> int | str:
    """``۱٬۲۰۰``, ``1,200``, ``1200`` → 1200; anything else as written."""
    plain = re.sub(r"[,\u066c\u060c\s']", "", latin(text))
    return int(plain) if plain.isascii() and plain.isdigit() and len(plain) <= 9 else text


_WORDS = re.compile(r"^\s*(\d{1,2})\s+(\S+)\s+(\d{4})\s*$")


def read_date(text: str) -> date | None:
    """1405/09/30, ۱۴۰۵/۰۹/۳۰, 2026-12-21, or "۲۹ آذر ۱۴۰۵"; None for anything else."""
    found = parse_date(text)
    if found is not None:
        return found
    m = _WORDS.match(latin(text))
    if m is None or fold(m.group(2)) not in MONTH_KEYS:
        return None
    try:
        return JalaliDate(int(m.group(3)), MONTH_KEYS[fold(m.group(2))], int(m.group(1))).to_gregorian()
    except ValueError:
        return None


def template(lang: str, example: dict[str, str]) -> str:
    """The CSV template: the headers in ``lang`` and one example line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS[lang])
    writer.writerow([example.get(f, "") for f in FIELDS])
    return out.getvalue()
