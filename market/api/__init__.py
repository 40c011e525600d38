"""The JSON API (``/api/v1``): thin flask-smorest blueprints over the services."""

from .accounts import blp as accounts
from .admin import blp as admin
from .businesses import blp as businesses
from .catalog import blp as catalog
from .jobs import blp as jobs
from .notifications import blp as notifications
from .orders import blp as orders

BLUEPRINTS = (accounts, catalog, businesses, orders, jobs, admin, notifications)
