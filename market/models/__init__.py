"""SQLAlchemy models: persistence only, no rules (those live in market.domain and the services)."""

from .audit import AuditEntry, IdempotencyKey
from .batches import OrderBatch
from .businesses import BUSINESS_STATUSES, OWNER_GROUPS, Business, business_kits
from .heartbeats import Heartbeat
from .kits import TARGET_GROUPS, Kit
from .orders import Job, JobEvent, Order
from .users import LOCALES, ROLES, ApiToken, User

__all__ = [
    "BUSINESS_STATUSES",
    "LOCALES",
    "OWNER_GROUPS",
    "ROLES",
    "TARGET_GROUPS",
    "ApiToken",
    "AuditEntry",
    "Business",
    "Heartbeat",
    "IdempotencyKey",
    "Job",
    "JobEvent",
    "Kit",
    "Order",
    "OrderBatch",
    "User",
    "business_kits",
]
