"""The JSON API (``/api/v1``): thin flask-smorest blueprints over the services."""

from .accounts import blp as accounts
from .admin import blp as admin
from .businesses import blp as businesses
from .buyers import blp as buyers
from .catalog import blp as catalog
from .jobs import blp as jobs
from .orders import blp as orders

BLUEPRINTS = (accounts, catalog, businesses, orders, jobs, admin, buyers)
