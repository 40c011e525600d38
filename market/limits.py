"""Every limit and pattern of user input, in one place: the API's schemas (``market/schemas``) and
the page forms (``market/web/forms.py``) both read them, so the two can never disagree.

Why a module of constants rather than loading the page forms through the schemas with webargs:
the forms take Persian and Arabic digits, keep what was typed and show a Persian message beside
each field, which WTForms does and a webargs load would not; what must not drift between the two
is the numbers and the patterns, and those live here. Standard library only.
"""

from __future__ import annotations

# accounts
NAME_MAX = 120
ORGANIZATION_MAX = 200
EMAIL_MAX = 254
PASSWORD_MIN = 12
PASSWORD_MAX = 200
#: an email, loosely (marshmallow's Email accepts what this accepts, give or take exotic forms)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: a phone number in Latin digits: optional +, then digits, spaces, dashes, parentheses (the page
#: form turns Persian and Arabic digits into Latin ones before it checks)
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{4,31}$"

# workshops
BUSINESS_NAME_MAX = 200
CITY_MAX = 120
WEEKLY_CAPACITY_MAX = 100_000
MIN_LOT_MAX = 100_000
KITS_PER_BUSINESS_MAX = 20
#: what a suspension does with the workshop's accepted and in-production jobs (the admin's choice)
SUSPEND_JOBS = ("keep", "cancel")

# orders and jobs
QUANTITY_MAX = 1_000_000
ADDRESS_MAX = 500
NOTE_MAX = 2000
#: a message on an order's thread
MESSAGE_MAX = 2000
REASON_MAX = 500
CARRIER_MAX = 120
TRACKING_CODE_MAX = 120
#: a count of kits made or received: at most an order's quantity (the job's own quantity is the
#: real bound; the domain checks it)
UNITS_MAX = QUANTITY_MAX
