"""The thread on an order between its buyer, the workshops that hold or held a job on it, and admins."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..errors import NotFound
from ..extensions import db
from ..models import Business, Job, Order, OrderMessage, User
from . import notifications as notify
from .common import audit, now, paginate


def _business_ids_on(order_id: int) -> set[int]:
    return set(db.session.scalars(select(Job.business_id).where(Job.order_id == order_id)))


def thread_order(user: User, order_id: int) -> Order:
    """The order if the user takes part in its thread.

    :raises NotFound: otherwise (someone else's order does not exist for you).
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", order_id=order_id)
    if user.role == "admin" or (user.role == "buyer" and order.buyer_id == user.id):
        return order
    if user.role == "business":
        own = db.session.scalar(select(Business.id).where(Business.owner_id == user.id))
        if own is not None and own in _business_ids_on(order_id):
            return order
    raise NotFound("order_not_found", order_id=order_id)


def _thread(order_id: int) -> Select[tuple[OrderMessage]]:
    return select(OrderMessage).where(OrderMessage.order_id == order_id).order_by(OrderMessage.id)


def listing(user: User, order_id: int, page: int, per_page: int) -> tuple[list[OrderMessage], int]:
    """One page of the order's thread, oldest first, and how many messages it has in all.

    :raises NotFound: not an order this user takes part in.
    """
    thread_order(user, order_id)
    return paginate(_thread(order_id), page, per_page)


def whole_thread(user: User, order_id: int) -> list[OrderMessage]:
    """Every message of the order's thread, oldest first (the pages show a thread whole).

    :raises NotFound: not an order this user takes part in.
    """
    thread_order(user, order_id)
    return list(db.session.scalars(_thread(order_id)))


def own_jobs(user: User, order: Order) -> list[Job]:
    """The jobs of the order that the user's workshop holds or held (none for other roles)."""
    if user.role != "business":
        return []
    own = db.session.scalar(select(Business.id).where(Business.owner_id == user.id))
    return [j for j in order.jobs if j.business_id == own]


def parties(order: Order) -> list[User]:
    """Everyone on the thread: the buyer, every workshop that holds or held a job, the admins."""
    owners = select(Business.owner_id).where(Business.id.in_(_business_ids_on(order.id)))
    users = db.session.scalars(
        select(User).where((User.id == order.buyer_id) | User.id.in_(owners) | (User.role == "admin"))
    )
    return sorted(users, key=lambda u: u.id)


def post(user: User, order_id: int, text: str) -> OrderMessage:
    """Add a message and tell the other parties.

    :raises NotFound: not an order this user takes part in.
    """
    order = thread_order(user, order_id)
    message = OrderMessage(order_id=order.id, author=user, text=text, created_at=now())
    db.session.add(message)
    db.session.flush()
    audit(user, "order.message", "order", order.id, message_id=message.id)
    others = [u for u in parties(order) if u.id != user.id]
    notify.message_posted(message, others, order)
    db.session.commit()
    return message
