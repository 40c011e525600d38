"""Admin pages: the dashboard, workshops to approve or suspend, every order and job, the audit log,
and CSV exports, one module per page family. Reads come from ``services.reports`` and the listings;
every change goes through ``services.businesses`` / ``services.orders`` / ``services.jobs``; a
refusal becomes a flash message in the admin's language that says why.
"""

from . import audit, businesses, buyers, dashboard, exports, jobs, order_detail, orders, reoptimise, waiting  # noqa: F401  (routes register on bp)
