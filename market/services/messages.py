"""The thread on an order between its buyer, the workshops that hold or held a job on it, and admins."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Business, Job, Order, OrderMessage, User
from . import notifications as notify
from .common import audit, now


def _business_ids_on(order_id: int) -> set[int]:
    return set(db.session.scalars(select(Job.business_id).where(Job.order_id == order_id)))


def thread_order(user: User, order_id: int) -> Order:
    """The order if the user takes part in its thread.

    :raises NotFound: otherwise (someone else's order does not exist for you).
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.")
    if user.role == "admin" or (user.role == "buyer" and order.buyer_id == user.id):
        return order
    if user.role == "business":
        own = db.session.scalar(select(Business.id).where(Business.owner_id == user.id))
        if own is not None and own in _business_ids_on(order_id):
            return order
    raise NotFound("No such order.")


def listing(user: User, order_id: int) -> list[OrderMessage]:
    thread_order(user, order_id)
    return list(
        db.session.scalars(
            select(OrderMessage).where(OrderMessage.order_id == order_id).order_by(OrderMessage.id)
        )
    )


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


def present(m: OrderMessage) -> dict[str, object]:
    return {
        "id": m.id,
        "author_id": m.author_id,
        "author_name": m.author.name,
        "author_role": m.author.role,
        "text": m.text,
        "created_at": m.created_at,
    }
