"""SQLAlchemy models: persistence only, no rules (those live in market.domain and the services)."""

from .audit import AuditEntry, IdempotencyKey
from .batches import OrderBatch
from .businesses import BUSINESS_STATUSES, OWNER_GROUPS, Business, business_kits
from .heartbeats import Heartbeat
from .kits import TARGET_GROUPS, Kit
from .notifications import CHANNELS, DIGESTS, KINDS, Delivery, Notification, OrderMessage
from .orders import Job, JobEvent, Order
from .users import LOCALES, ROLES, ApiToken, User

__all__ = [
    "BUSINESS_STATUSES",
    "CHANNELS",
    "DIGESTS",
    "KINDS",
    "LOCALES",
    "OWNER_GROUPS",
    "ROLES",
    "TARGET_GROUPS",
    "ApiToken",
    "AuditEntry",
    "Business",
    "Delivery",
    "Heartbeat",
    "IdempotencyKey",
    "Job",
    "JobEvent",
    "Kit",
    "Notification",
    "Order",
    "OrderBatch",
    "OrderMessage",
    "User",
    "business_kits",
]
