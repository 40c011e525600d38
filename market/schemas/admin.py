from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import MAX_ID, PageArgs, StrictSchema, page_of, strict_bool


class ProvinceCapacity(Schema):
    province = fields.String()
    weekly_capacity = fields.Integer()
    committed_units = fields.Integer()
    utilization = fields.Float()


class StatsOut(Schema):
    orders_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    units_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    capacity_by_province = fields.List(fields.Nested(ProvinceCapacity))
    unallocated_by_province = fields.Dict(keys=fields.String(), values=fields.Integer())
    on_time_rate = fields.Float(allow_none=True)
    units_delivered_by_owner_group = fields.Dict(keys=fields.String(), values=fields.Integer())
    income_by_owner_group = fields.Dict(keys=fields.String(), values=fields.Integer())
    as_of = fields.Date()


# the names the audit log uses ("order", "job.offered"); anything else names nothing, and a NUL
# would be a database error on PostgreSQL
AUDIT_NAME = validate.Regexp(r"^[a-z][a-z_.]{0,79}$", error="A lowercase name such as order or job.offered.")


class AuditArgs(PageArgs):
    entity = fields.String(validate=AUDIT_NAME)
    entity_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    action = fields.String(validate=AUDIT_NAME)


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    detail = fields.Dict()


AuditList = page_of(AuditOut)


class Accepted(Schema):
    message = fields.String()
    order_id = fields.Integer()


class ReoptimiseIn(StrictSchema):
    apply = strict_bool(
        load_default=False,
        metadata={
            "description": "Apply the plan (withdraw and make offers); false (the default) only previews it."
        },
    )


class ReoptimiseNewJob(Schema):
    business_id = fields.Integer()
    quantity = fields.Integer()
    due_date = fields.Date()
    job_id = fields.Integer(metadata={"description": "The job made; only when applied."})


class ReoptimiseMove(Schema):
    order_id = fields.Integer()
    withdrawn = fields.List(fields.Integer(), metadata={"description": "Ids of the offers withdrawn."})
    new = fields.List(fields.Nested(ReoptimiseNewJob))


class ReoptimiseOut(Schema):
    applied = fields.Boolean()
    moves = fields.List(fields.Nested(ReoptimiseMove))
    units_placed_before = fields.Integer()
    units_placed_after = fields.Integer()
    unit_km_before = fields.Integer()
    unit_km_after = fields.Integer()
    utilization_spread_before = fields.Float()
    utilization_spread_after = fields.Float()
