"""Kit marketplace: micro-producers of hygiene kits matched to health centers, NGOs and pharmacies.

This package file stays empty on purpose: importing ``market.domain`` must not pull in Flask,
SQLAlchemy or RQ (the domain is pure and is tested without an application).
"""
