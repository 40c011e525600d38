"""The JSON API (``/api/v1``): thin flask-smorest blueprints over the services."""

from flask_smorest.arguments import ArgumentsMixin

from .parsing import SafeParser

# Every blueprint's @arguments reads bodies through the safe parser: set on the mixin, before any
# blueprint below is built, so a blueprint added later needs nothing of its own to get it.
ArgumentsMixin.ARGUMENTS_PARSER = SafeParser()

from .accounts import blp as accounts  # noqa: E402  (after the parser is set)
from .admin import blp as admin  # noqa: E402
from .businesses import blp as businesses  # noqa: E402
from .buyers import blp as buyers  # noqa: E402
from .catalog import blp as catalog  # noqa: E402
from .jobs import blp as jobs  # noqa: E402
from .notifications import blp as notifications  # noqa: E402
from .orders import blp as orders  # noqa: E402

BLUEPRINTS = (accounts, catalog, businesses, orders, jobs, admin, buyers, notifications)
