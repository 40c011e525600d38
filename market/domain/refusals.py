"""Every reason a use case can refuse, by a stable code, with its English sentence.

A service refuses with a code and the values the sentence needs::

    raise Conflict("offer_expired", job_id=job.id)
    raise Invalid.field("needed_by", "needed_by_too_early", earliest=earliest)

The API sends the English sentence below, filled in (``str.format``; a date param is written in ISO
form). The pages never read that sentence: they look the code up in ``market/web/refusals.py``,
whose texts are in the Persian catalog, and format the params in the reader's language. So an
English sentence here can be reworded freely, and a code keeps its meaning for as long as it lives.

To add a refusal: add ``"code": "English sentence with {params}."`` here (a code names the
situation, snake_case, never reused for another meaning), raise it as above, and, if a page can show
it, give it a page text in ``market/web/refusals.py``. ``tests/test_refusals.py`` fails on a
raise that names no listed code. An English sentence passed where a code belongs still works (its
code is ``unlisted``), so code written before this registry keeps running while it is converted;
its pages can only say a general refusal.

Here in the domain (standard library only) because the domain's own checks refuse with these
codes too (``RuleBroken``).
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # a body that failed its schema (the fields are listed in the errors)
    "invalid_input": "Invalid input: check {fields}.",
    # accounts and tokens
    "password_weak": (
        "This password is too common or too easy to guess{detail}: choose a longer phrase of "
        "unrelated words that you do not use elsewhere."
    ),
    # text people type (market.domain.text)
    "text_control_char": "Control characters are not allowed (U+{char}).",
    "text_line_break": "Line breaks are not allowed here.",
    "text_char_not_allowed": "This character is not allowed (U+{char}).",
    "text_format_char": (
        "Invisible formatting characters are not allowed (U+{char}); "
        "a zero-width non-joiner only between two letters."
    ),
    "text_blank": "Enter visible text, not only spaces or invisible characters.",
    "name_blank": "Enter a name with visible letters.",
    "email_control_char": "An email address cannot hold control characters.",
    "email_invalid": "Enter a valid email address.",
    "email_local_not_ascii": "The part before @ must be in Latin letters, digits and . _ + -.",
    "email_domain_invalid": "The part after @ is not a valid domain name.",
    "email_too_long": "An email address has at most {max} characters.",
    "email_taken": "An account with this email already exists.",
    "wrong_credentials": "Wrong email or password.",
    "sign_in_first": "Sign in first: send a valid bearer token.",
    "role_forbidden": "Only {roles} users may do this.",
    # rows that do not exist, or are not the caller's to see
    "order_not_found": "No such order.",
    "job_not_found": "No such job.",
    "business_not_found": "No such business.",
    "kit_not_found": "No kit with code {code}.",
    # the kit catalogue
    "kit_code_taken": "A kit with code {code} already exists.",
    "kits_unknown": "Unknown kit code(s): {codes}.",
    "kits_withdrawn": "Kit(s) no longer offered: {codes}.",
    # workshops
    "business_exists": "You already have a business.",
    "capacity_below_open_work": (
        "Your open jobs need more than {weekly_capacity} kits a week: at least {needed} a week is needed."
    ),
    "capacity_below_due_work": (
        "Your open jobs need more than {weekly_capacity} kits a week: some of them are due already."
    ),
    "business_suspended": (
        "Your workshop is suspended: it cannot change its profile, accept, progress or ship work "
        "until an admin approves it again."
    ),
    "business_not_approved_yet": (
        "Your workshop is waiting for an admin's approval: until then it cannot change its profile "
        "or take work."
    ),
    "suspend_jobs_choice": "Must be one of: {choices}.",
    # orders
    "idempotency_key_reused": "This Idempotency-Key was already used with a different request body.",
    "idempotency_key_reused_field": "already used with a different body",
    "idempotency_key_length": "Idempotency-Key must be 1 to 200 printable ASCII characters.",
    "idempotency_key_length_field": "1 to 200 printable ASCII characters",
    "kit_not_orderable": "No kit with code {code} can be ordered.",
    "needed_by_too_early": "Must be {earliest} or later.",
    "needed_by_too_late": "Must be {latest} or earlier (at most a year ahead).",
    "order_already_cancelled": "This order is already cancelled.",
    "order_partly_shipped": "Part of this order has shipped: it can no longer be cancelled.",
    "order_cancelled": "This order is cancelled.",
    # buyers and their verification
    "buyer_not_found": "No such buyer.",
    "unverified_cap": (
        "Your account is not verified yet, so it may hold at most {limit:,} units in open orders "
        "(you hold {held:,}; this order would add {adding:,}). Order at most {room:,} units for now, "
        "or ask the programme's administrators to verify your organization."
    ),
    # bulk requisitions
    "batch_not_found": "No such batch.",
    "batch_not_object": "Send a JSON object with an orders list.",
    "batch_not_object_field": "a JSON object with orders",
    "batch_size": "Send 1 to {max_lines:,} orders.",
    "batch_lines_invalid": "{bad} of {lines} orders are invalid: nothing was stored.",
    "batch_buyer_required": "An admin must name the buyer the orders are for.",
    "batch_buyer_unknown": "No buyer has this id.",
    "batch_buyer_unverified": (
        "This buyer is not verified yet: verify the buyer before ordering on its behalf."
    ),
    "batch_for_another_buyer": "Only an admin may order on another buyer's behalf.",
    "batch_unverified_buyer": (
        "Bulk requisitions are for verified buyers. Ask the programme's administrators to verify "
        "your organization; until then, post orders one at a time."
    ),
    # notifications
    "notification_not_found": "No such notification.",
    # jobs
    "offer_not_open_accept": "This job is {status}: only an open offer can be accepted.",
    "offer_not_open_decline": "This job is {status}: only an open offer can be declined.",
    "offer_expired": "This offer has expired.",
    "progress_not_accepted": "This job is {status}: progress is reported once it is accepted.",
    "units_done_out_of_range": "units_done must be between 0 and {quantity}, got {units_done}",
    "units_done_goes_down": "units_done cannot go down from {before} to {units_done}",
    "ship_not_accepted": "This job is {status}: only an accepted job can ship.",
    "deliver_not_buyer": "Only the order's buyer or an admin confirms a delivery.",
    "deliver_not_shipped": "This job is {status}: only a shipped job can be delivered.",
    "shipped_out_of_range": "shipped_quantity must be between 1 and {quantity}, got {shipped}",
    "received_out_of_range": "received_quantity must be between 0 and {quantity}, got {received}",
    # an admin moves a job (the reassign options and the reassign ask the same check)
    "reassign_job_closed": "This job is {status}: only an open job can be reassigned.",
    "reassign_same_business": "The job is already with this business.",
    "reassign_business_inactive": "That business is not approved and active.",
    "reassign_business_lacks_kit": "That business does not make this kit.",
    "reassign_business_declined": "That business declined this order.",
    "reassign_short_capacity": "That business can take only {free} of the {quantity} units by {due}.",
    # the marketplace cannot answer for a moment (a 503 with Retry-After), or not to this caller
    "database_unavailable": (
        "The database is unavailable for a moment: nothing was changed. Try again shortly."
    ),
    "metrics_credentials": "Send an admin's bearer token, or call from an allowed address.",
}

#: the code of an English sentence raised where a code belongs (see the module's docstring)
UNLISTED = "unlisted"


def english(code: str, params: dict[str, Any]) -> str:
    """The English sentence of a refusal, filled in (a ``date`` param reads as ISO 8601).

    :raises KeyError: for a code that is not listed, or a param its sentence needs but was not given.
    """
    return MESSAGES[code].format(**params)
