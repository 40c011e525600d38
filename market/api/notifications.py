from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.common import PageArgs
from ..schemas.notifications import (
    MarkedOut,
    MessageIn,
    MessageList,
    MessageOut,
    NotificationArgs,
    NotificationList,
    NotificationOut,
)
from ..services import inbox, messages
from . import presenters

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1", description="Notifications and messages on orders"
)


@blp.get("/notifications")
@require()
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationList)
def listing(args: dict[str, Any]) -> Any:
    """Your notifications, newest first, in your language; `?unread=true` for the unread only."""
    user = me()
    found = inbox.listing(user, args["unread"], args["page"], args["per_page"])
    return presenters.page(found, args, presenters.notification(user.locale))


@blp.post("/notifications/read-all")
@require()
@blp.response(200, MarkedOut)
def read_all() -> Any:
    return {"marked": inbox.mark_all_read(me())}


@blp.post("/notifications/<int:notification_id>/read")
@require()
@blp.response(200, NotificationOut)
def read(notification_id: int) -> Any:
    user = me()
    return presenters.notification(user.locale)(inbox.mark_read(user, notification_id))


@blp.get("/orders/<int:order_id>/messages")
@require()
@blp.arguments(PageArgs, location="query")
@blp.response(200, MessageList)
def thread(args: dict[str, Any], order_id: int) -> Any:
    """The order's thread, oldest first: its buyer, the workshops that hold or held a job, admins."""
    return presenters.page(messages.listing(me(), order_id, args["page"], args["per_page"]), args)


@blp.post("/orders/<int:order_id>/messages")
@require()
@blp.arguments(MessageIn)
@blp.response(201, MessageOut)
def post_message(data: dict[str, Any], order_id: int) -> Any:
    """Write on the order's thread (1 to 2,000 characters); the other parties are notified."""
    return messages.post(me(), order_id, data["text"])
