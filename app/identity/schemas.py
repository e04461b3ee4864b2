"""Request and answer shapes of the identity calls. Customer answers are masked here, always."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.masking import mask_account_no, mask_address, mask_name

_code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class LoginIn(Schema):
    code = _code


class LoginOut(Schema):
    token = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    role = fields.String(required=True, validate=validate.OneOf(["customer", "technician"]))


class TechnicianBindIn(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    phone_code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class TechnicianOut(Schema):
    employee_no = fields.String()
    name = fields.String()
    team = fields.String()
    area = fields.String()
    status = fields.String()


class TechnicianBindOut(Schema):
    technician = fields.Nested(TechnicianOut)


class BindingIn(Schema):
    account_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    phone_code = fields.String(validate=validate.Length(min=1, max=128))
    sms_code = fields.String(validate=validate.Regexp(r"^\d{4,8}$"))

    @validates_schema
    def _one_proof(self, data, **_kw):
        if ("phone_code" in data) == ("sms_code" in data):
            raise ValidationError("send exactly one of phone_code and sms_code", "_schema")


class SmsRequestIn(Schema):
    account_no = fields.String(required=True, validate=validate.Length(min=1, max=32))


class AcceptedOut(Schema):
    status = fields.String()
    message = fields.String()


class SmsAcceptedOut(AcceptedOut):
    """The same for a known and an unknown account (an unknown one gets a stable stand-in)."""

    masked_phone = fields.String(required=True, metadata={
        "description": "where the code went, masked (138****2959)"})
    resend_in = fields.Integer(required=True, metadata={
        "description": "seconds before another code for this account may be asked for"})


class BindingOut(Schema):
    id = fields.Integer()
    account_no = fields.Function(lambda b: mask_account_no(b.account.account_no))
    holder_name = fields.Function(lambda b: mask_name(b.account.holder_name))
    address = fields.Function(lambda b: mask_address(b.account.address))
    area = fields.Function(lambda b: b.account.area)
    method = fields.String()
    created_at = fields.DateTime()


class BindingListOut(Schema):
    items = fields.List(fields.Nested(BindingOut))
