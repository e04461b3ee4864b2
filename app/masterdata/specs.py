"""What each import kind looks like: its columns (SPEC "Import columns"), business key,
references to other tables, and row rules that span columns.

The import engine (`imports.py`) is generic; everything specific to a kind is declared here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table

from app.masterdata import fields as f
from app.masterdata.models import (
    CALLBACK_CHANNELS, CALLBACK_RESULTS, COMPLAINT_LEVELS, ORDER_STATUSES, ORDER_TYPES, PRODUCTS,
    TECHNICIAN_STATUSES, BroadbandAccount, CallbackResult, Complaint, Technician, WorkOrder)
from app.timeutil import isoformat_z


@dataclass(frozen=True)
class Column:
    name: str
    parse: f.Parser
    required: bool = True
    default: object = None
    description: str = ""


@dataclass(frozen=True)
class Ref:
    """A column naming another table's business key, stored as that row's id."""

    source: str                       # column in the file, e.g. "account_no"
    target: str                       # column in our table, e.g. "account_id"
    table: Table
    by: str                           # business-key column of the referenced table
    label: str                        # what an operator calls it, for error messages
    carry: tuple[str, ...] = ()       # extra columns of the referenced row, as "<source>.<column>"


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    label: str
    table: Table
    columns: tuple[Column, ...]
    key: tuple[str, ...]              # our table's columns forming the business key
    refs: tuple[Ref, ...] = ()
    finish: Callable[[dict], None] | None = None   # cross-column rules; raises ValueError
    stored: tuple[str, ...] = field(default=())    # columns written to our table

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _finish_order(row: dict) -> None:
    if row["status"] == "completed" and row["completed_at"] is None:
        raise ValueError("已完成工单必须有 completed_at (completed orders need completed_at)")
    if row["completed_at"] is not None and row["completed_at"] < row["created_at"]:
        raise ValueError("completed_at 早于 created_at (completed before it was created)")


def _finish_complaint(row: dict) -> None:
    if row["order_no"] is None and row["employee_no"] is None:
        raise ValueError("order_no 与 employee_no 至少填写一个 (order_no or employee_no is required)")
    if row["technician_id"] is None:
        row["technician_id"] = row["order_no.technician_id"]
    row["natural_key"] = "|".join(
        (row["order_no"] or "", row["employee_no"] or "", isoformat_z(row["complained_at"])))


TECHNICIANS = ImportSpec(
    kind="technicians", label="装维人员", table=Technician.__table__,
    columns=(
        Column("employee_no", f.code(32), description="工号"),
        Column("name", f.text(64), description="姓名"),
        Column("phone", f.phone, description="手机号"),
        Column("team", f.text(64), description="班组"),
        Column("area", f.text(64), description="区县/营业部"),
        Column("vendor", f.text(64), description="自营/代维公司"),
        Column("status", f.choice(*TECHNICIAN_STATUSES), required=False, default="active",
               description="active|suspended|left（空为 active）"),
    ),
    key=("employee_no",),
    stored=("employee_no", "name", "phone", "team", "area", "vendor", "status"),
)

ACCOUNTS = ImportSpec(
    kind="accounts", label="宽带账号", table=BroadbandAccount.__table__,
    columns=(
        Column("account_no", f.code(32), description="宽带账号"),
        Column("holder_name", f.text(64), description="户主姓名"),
        Column("phone", f.phone, description="登记手机号"),
        Column("address", f.text(255), description="装机地址"),
        Column("area", f.text(64), description="区县/营业部"),
    ),
    key=("account_no",),
    stored=("account_no", "holder_name", "phone", "address", "area"),
)

ORDERS = ImportSpec(
    kind="orders", label="工单", table=WorkOrder.__table__,
    columns=(
        Column("order_no", f.code(32), description="工单号"),
        Column("account_no", f.code(32), description="宽带账号"),
        Column("employee_no", f.code(32), description="装维工号"),
        Column("order_type", f.choice(*ORDER_TYPES), description="install|move|repair"),
        Column("product", f.choice(*PRODUCTS),
               description="broadband|iptv|iptv_bundled|landline|campus"),
        Column("area", f.text(64), description="区县/营业部"),
        Column("created_at", f.timestamp, description="派单时间 ISO 8601"),
        Column("completed_at", f.timestamp, required=False, description="竣工时间 ISO 8601"),
        Column("status", f.choice(*ORDER_STATUSES), description="open|completed|cancelled"),
    ),
    key=("order_no",),
    refs=(
        Ref("account_no", "account_id", BroadbandAccount.__table__, "account_no", "宽带账号"),
        Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),
    ),
    finish=_finish_order,
    stored=("order_no", "account_id", "technician_id", "order_type", "product", "area",
            "created_at", "completed_at", "status"),
)

CALLBACKS = ImportSpec(
    kind="callbacks", label="回访结果", table=CallbackResult.__table__,
    columns=(
        Column("order_no", f.code(32), description="工单号"),
        Column("channel", f.choice(*CALLBACK_CHANNELS), description="ivr|manual"),
        Column("result", f.choice(*CALLBACK_RESULTS), description="satisfied|dissatisfied|no_answer"),
        Column("called_at", f.timestamp, description="回访时间 ISO 8601"),
    ),
    key=("order_id", "channel", "called_at"),
    refs=(Ref("order_no", "order_id", WorkOrder.__table__, "order_no", "工单号"),),
    stored=("order_id", "channel", "result", "called_at"),
)

COMPLAINTS = ImportSpec(
    kind="complaints", label="投诉", table=Complaint.__table__,
    columns=(
        Column("order_no", f.code(32), required=False, description="工单号（可空）"),
        Column("employee_no", f.code(32), required=False, description="工号（可空，空时取工单的装维）"),
        Column("complained_at", f.timestamp, description="投诉时间 ISO 8601"),
        Column("level", f.choice(*COMPLAINT_LEVELS), description="local|escalated"),
        Column("justified", f.boolean, description="是否有理由 true|false"),
    ),
    key=("natural_key",),
    refs=(
        Ref("order_no", "order_id", WorkOrder.__table__, "order_no", "工单号",
            carry=("technician_id",)),
        Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),
    ),
    finish=_finish_complaint,
    stored=("natural_key", "order_id", "technician_id", "complained_at", "level", "justified"),
)

SPECS: dict[str, ImportSpec] = {s.kind: s for s in (TECHNICIANS, ACCOUNTS, ORDERS, CALLBACKS,
                                                     COMPLAINTS)}
