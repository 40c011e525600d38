"""The demo marketplace loaded by ``flask seed-demo`` (and ``make run`` in the embedded mode on
an empty database; never in the scaled mode). Idempotent: a second run finds the demo admin and
only prints the logins again. It refuses a database holding anyone but the demo's accounts: its
shared password must never open a real marketplace.

The 11 workshops of the first deployment (Kermanshah, Lorestan, Fars, Tehran), health-center and
NGO buyers in other provinces, one applicant awaiting approval, and orders in every state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from .extensions import db
from .models import Order, User
from .services import accounts, businesses, jobs, matching, orders
from .services import buyers as buyer_accounts
from .services.common import today

ADMIN_EMAIL = "admin@demo.kitmarket.ir"
PASSWORD = "demo-password-2026"

WORKSHOPS: list[dict[str, Any]] = [
    # name, province, city, owner group, kits, weekly capacity, min lot
    {
        "name": "کارگاه مهر بانوان",
        "province": "kermanshah",
        "city": "Kermanshah",
        "owner_group": "female_head_of_household",
        "weekly_capacity": 140,
        "min_lot": 10,
    },
    {
        "name": "تعاونی ناشنوایان بیستون",
        "province": "kermanshah",
        "city": "Kermanshah",
        "owner_group": "deaf",
        "weekly_capacity": 105,
        "min_lot": 1,
    },
    {
        "name": "کارگاه خانگی امید",
        "province": "kermanshah",
        "city": "Eslamabad-e Gharb",
        "owner_group": "female_head_of_household",
        "weekly_capacity": 49,
        "min_lot": 1,
    },
    {
        "name": "کارگاه سالمندان زاگرس",
        "province": "lorestan",
        "city": "Khorramabad",
        "owner_group": "elderly",
        "weekly_capacity": 70,
        "min_lot": 1,
    },
    {
        "name": "گروه زنان سرپرست خانوار بروجرد",
        "province": "lorestan",
        "city": "Borujerd",
        "owner_group": "female_head_of_household",
        "weekly_capacity": 84,
        "min_lot": 5,
    },
    {
        "name": "کارگاه توانیابان لرستان",
        "province": "lorestan",
        "city": "Khorramabad",
        "owner_group": "disabled",
        "weekly_capacity": 56,
        "min_lot": 1,
    },
    {
        "name": "کارگاه ناشنوایان پارس",
        "province": "fars",
        "city": "Shiraz",
        "owner_group": "deaf",
        "weekly_capacity": 112,
        "min_lot": 10,
    },
    {
        "name": "تعاونی بانوان مرودشت",
        "province": "fars",
        "city": "Marvdasht",
        "owner_group": "female_head_of_household",
        "weekly_capacity": 70,
        "min_lot": 1,
    },
    {
        "name": "کارگاه جوانان کازرون",
        "province": "fars",
        "city": "Kazerun",
        "owner_group": "youth",
        "weekly_capacity": 63,
        "min_lot": 1,
    },
    {
        "name": "کارگاه بانوان شهر ری",
        "province": "tehran",
        "city": "Rey",
        "owner_group": "female_head_of_household",
        "weekly_capacity": 175,
        "min_lot": 20,
    },
    {
        "name": "کارگاه سالمندان اسلامشهر",
        "province": "tehran",
        "city": "Eslamshahr",
        "owner_group": "elderly",
        "weekly_capacity": 42,
        "min_lot": 1,
    },
]
APPLICANT = {
    "name": "کارگاه تازه‌تأسیس همدان",
    "province": "hamadan",
    "city": "Hamadan",
    "owner_group": "pregnant_women",
    "weekly_capacity": 70,
    "min_lot": 1,
}

BUYERS: list[dict[str, Any]] = [
    {"name": "مرکز بهداشت اهواز", "organization": "Ahvaz health center", "province": "khuzestan"},
    {"name": "مرکز بهداشت کرمانشاه", "organization": "Kermanshah health center", "province": "kermanshah"},
    {
        "name": "انجمن حمایت از سالمندان مشهد",
        "organization": "Mashhad elderly NGO",
        "province": "khorasan-razavi",
    },
    {"name": "داروخانه سعدی شیراز", "organization": "Saadi pharmacy", "province": "fars"},
]


DEMO_DOMAIN = "@demo.kitmarket.ir"


class DemoRefused(RuntimeError):
    """The database holds real accounts: the demo is not loaded into it."""


def foreign_users() -> int:
    """How many accounts are not the demo's."""
    return db.session.scalar(select(func.count(User.id)).where(~User.email.endswith(DEMO_DOMAIN))) or 0


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def seed(*, force: bool = False) -> Iterator[str]:
    """Load the demo and yield the logins.

    :raises DemoRefused: when accounts other than the demo's exist, unless ``force``.
    """
    others = foreign_users()
    db.session.rollback()
    if others and not force:
        raise DemoRefused(
            f"This database holds {others} account(s) that are not the demo's: the demo, whose "
            "password is public, is not loaded into it (use --force on a throw-away database)."
        )
    if accounts.find_by_email(ADMIN_EMAIL) is not None:
        yield "demo data already loaded"
        yield from logins()
        return
    admin = accounts.create_admin(ADMIN_EMAIL, PASSWORD, "مدیر سامانه")
    owners = []
    for i, w in enumerate(WORKSHOPS, start=1):
        user = accounts.register(
            {
                "email": f"workshop{i}@demo.kitmarket.ir",
                "password": PASSWORD,
                "name": w["name"],
                "role": "business",
                "locale": "fa",
            }
        )
        kits = ["ELDERLY-COVID", "PREGNANT-HYGIENE"] if i % 3 else ["ELDERLY-COVID"]
        b = businesses.create(user, {**w, "kits": kits, "phone": None})
        businesses.approve(admin, b.id)
        owners.append(user)
    applicant = accounts.register(
        {
            "email": "applicant@demo.kitmarket.ir",
            "password": PASSWORD,
            "name": APPLICANT["name"],
            "role": "business",
            "locale": "fa",
        }
    )
    businesses.create(applicant, {**APPLICANT, "kits": ["PREGNANT-HYGIENE"], "phone": None})
    buyers = [
        accounts.register(
            {
                "email": f"buyer{i}@demo.kitmarket.ir",
                "password": PASSWORD,
                "name": b["name"],
                "role": "buyer",
                "organization": b["organization"],
                "locale": "fa",
            }
        )
        for i, b in enumerate(BUYERS, start=1)
    ]
    for buyer in buyers:  # the programme's own buyers: verified
        buyer_accounts.verify(admin, buyer.id)
    _orders(buyers, owners, admin)
    yield "demo data loaded"
    yield from logins()


def _post(buyer: User, kit: str, quantity: int, province: str, days: int, address: str) -> Order:
    data = {
        "kit": kit,
        "quantity": quantity,
        "delivery_province": province,
        "delivery_address": address,
        "needed_by": today() + timedelta(days=days),
    }
    _, body = orders.create(buyer, data, None, lambda o: {"id": o.id})
    matching.match_order(body["id"])  # whatever the jobs mode: the demo shows matched orders at once
    order = db.session.get(Order, body["id"])
    assert order is not None
    return order


def _owner_of(order: Order, owners: list[User], k: int = 0) -> tuple[User, int]:
    job = [j for j in order.jobs if j.status == "offered"][k]
    owner = next(u for u in owners if businesses.of_user(u) and businesses.of_user(u).id == job.business_id)
    return owner, job.id


def _orders(buyers: list[User], owners: list[User], admin: User) -> None:
    ahvaz, kermanshah, mashhad, shiraz = buyers
    # delivered, with a shortfall of 5
    o = _post(kermanshah, "ELDERLY-COVID", 60, "kermanshah", 20, "خیابان مدرس، مرکز بهداشت شماره ۲")
    owner, job_id = _owner_of(o, owners)
    jobs.accept(owner, job_id)
    jobs.progress(owner, job_id, 60)
    jobs.ship(owner, job_id, "پست ایران", "IR-DEMO-0001")
    jobs.deliver(kermanshah, job_id, 55, "۵ بسته در راه آسیب دید")
    # shipped
    o = _post(shiraz, "PREGNANT-HYGIENE", 40, "fars", 18, "شیراز، خیابان زند، داروخانه سعدی")
    owner, job_id = _owner_of(o, owners)
    jobs.accept(owner, job_id)
    jobs.ship(owner, job_id, "تیپاکس", "TPX-44120")
    # in production
    o = _post(ahvaz, "ELDERLY-COVID", 120, "khuzestan", 25, "اهواز، کیانپارس، مرکز بهداشت غرب")
    for k in range(len([j for j in o.jobs if j.status == "offered"])):
        owner, job_id = _owner_of(o, owners, 0)
        jobs.accept(owner, job_id)
        jobs.progress(owner, job_id, 10 + 5 * k)
        db.session.refresh(o)
    # allocated: offered, waiting for the workshops' answers
    _post(mashhad, "ELDERLY-COVID", 150, "khorasan-razavi", 30, "مشهد، بلوار وکیل‌آباد، انجمن سالمندان")
    # a declined offer re-matched elsewhere
    o = _post(ahvaz, "PREGNANT-HYGIENE", 30, "khuzestan", 21, "اهواز، زیتون کارمندی")
    owner, job_id = _owner_of(o, owners)
    jobs.decline(owner, job_id, "ظرفیت این هفته تکمیل است")
    # cancelled by the buyer
    o = _post(kermanshah, "PREGNANT-HYGIENE", 25, "kermanshah", 15, "کرمانشاه، میدان آزادی")
    orders.cancel(kermanshah, o.id, "بودجه این فصل تغییر کرد")
    # awaiting capacity: more than the workshops can make in time
    _post(mashhad, "ELDERLY-COVID", 4000, "khorasan-razavi", 14, "مشهد، مرکز بهداشت شماره ۳")


def logins() -> Iterator[str]:
    yield f"password for every demo account: {PASSWORD}"
    yield f"  admin:    {ADMIN_EMAIL}"
    yield "  workshop: workshop1@demo.kitmarket.ir … workshop11@demo.kitmarket.ir"
    yield "  applicant awaiting approval: applicant@demo.kitmarket.ir"
    yield "  buyers:   buyer1@demo.kitmarket.ir … buyer4@demo.kitmarket.ir"
