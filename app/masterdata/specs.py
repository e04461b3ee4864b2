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
    CALLBACK_CHANNELS, CALLBACK_RESULTS, COMPLAINT_LEVELS, FAULT_CAUSES, ORDER_STATUSES,
    ORDER_TYPES, PENALTY_KINDS, PRODUCTS, TECHNICIAN_STATUSES, URGE_CAUSES, AssessmentItem,
    BroadbandAccount, CallbackResult, Commission, Complaint, Penalty, Technician, Urge, WorkOrder)
from app.masterdata.rating_rows import finish_rating, prepare_ratings
from app.rating.models import Rating
from app.timeutil import isoformat_z


@dataclass(frozen=True)
class Column:
    name: str
    parse: f.Parser
    required: bool = True
    default: object = None
    description: str = ""
    # The file may leave the column out altogether (read as empty), e.g. orders' due_at.
    optional_header: bool = False


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
    # Runs once per batch on the rows that passed `finish` (may read and write other tables).
    prepare: Callable[[list[dict]], None] | None = None
    # When set, a row whose key exists with other values is rejected with this message instead of
    # updating it (a rating is a customer's statement: an import never rewrites one).
    refuse_changes: str | None = None

    @property
    def header(self) -> tuple[str, ...]:
        """The columns a file must have."""
        return tuple(c.name for c in self.columns if not c.optional_header)

    @property
    def all_columns(self) -> tuple[str, ...]:
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
        Column("due_at", f.timestamp, required=False, optional_header=True,
               description="修复时限 ISO 8601（可省略此列；空为派单后 24 小时）"),
        Column("fault_cause", f.choice(*FAULT_CAUSES), required=False, optional_header=True,
               description="故障原因 olt|cable（OLT/光缆故障免超时考核；可空）"),
    ),
    key=("order_no",),
    refs=(
        Ref("account_no", "account_id", BroadbandAccount.__table__, "account_no", "宽带账号"),
        Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),
    ),
    finish=_finish_order,
    stored=("order_no", "account_id", "technician_id", "order_type", "product", "area",
            "created_at", "completed_at", "status", "due_at", "fault_cause"),
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


# --- What the pay sheet reads besides orders (SPEC "The whole pay sheet") -----------------------

def _finish_penalty(row: dict) -> None:
    order_technician = row["order_no.technician_id"]
    if row["kind"] == "false_closure":
        if row["order_no"] is None:
            raise ValueError("虚假回单必须填写 order_no (a false closure needs order_no)")
        if row["technician_id"] not in (None, order_technician):
            raise ValueError("employee_no 与该工单的装维人员不符 "
                             "(employee_no is not the technician of this order)")
        row["natural_key"] = f"false_closure|{row['order_no']}"
    else:
        if row["amount"] is None:
            raise ValueError("amount: 投诉及其他扣罚必填金额 (required for complaint and other)")
        if row["occurred_at"] is None:
            raise ValueError("occurred_at: 投诉及其他扣罚必填发生时间 "
                             "(required for complaint and other: it decides the month)")
        if row["order_no"] is None and row["employee_no"] is None:
            raise ValueError("order_no 与 employee_no 至少填写一个 (order_no or employee_no is required)")
    if row["technician_id"] is None:
        row["technician_id"] = order_technician
    if row["kind"] != "false_closure":
        row["natural_key"] = "|".join((row["kind"], str(row["technician_id"]),
                                       row["order_no"] or "", isoformat_z(row["occurred_at"])))
    row["amount_fen"] = row["amount"]


def _finish_commission(row: dict) -> None:
    row["amount_fen"] = row["amount"]


# Computed by the service from orders and urges (SPEC): an imported value would count twice.
COMPUTED_ITEMS = {"satisfaction", "urge_rate", "服务满意度", "宽带催修率", "催修率", "满意度"}


def _finish_assessment(row: dict) -> None:
    if row["item"].lower() in COMPUTED_ITEMS:
        raise ValueError(f"item: {row['item']} 由系统按工单计算，不能导入 "
                         "(computed by the service from orders and urges)")
    row["points_centi"] = row["points"]


URGES = ImportSpec(
    kind="urges", label="催修", table=Urge.__table__,
    columns=(
        Column("order_no", f.code(32), description="工单号"),
        Column("urged_at", f.timestamp, description="催修时间 ISO 8601"),
        Column("cause", f.choice(*URGE_CAUSES),
               description="procedure 未按规定操作|overdue 修复超时|excused 特殊情况"),
        Column("appointment_recorded", f.boolean, required=False, default=False,
               description="是否已按规定电话录音预约 是|否（空为否）"),
    ),
    key=("order_id", "urged_at"),
    refs=(Ref("order_no", "order_id", WorkOrder.__table__, "order_no", "工单号"),),
    stored=("order_id", "urged_at", "cause", "appointment_recorded"),
)

PENALTIES = ImportSpec(
    kind="penalties", label="服务扣罚", table=Penalty.__table__,
    columns=(
        Column("employee_no", f.code(32), required=False,
               description="工号（可空，空时取工单的装维）"),
        Column("order_no", f.code(32), required=False, description="工单号（虚假回单必填）"),
        Column("kind", f.choice(*PENALTY_KINDS),
               description="false_closure 虚假回单|complaint 投诉|other 其他"),
        Column("amount", f.money(), required=False,
               description="扣罚金额（元；虚假回单可空，按标准 100 元）"),
        Column("occurred_at", f.timestamp, required=False,
               description="发生时间 ISO 8601（投诉及其他必填，决定所属月份）"),
        Column("note", f.text(1000), required=False, default="", description="说明"),
    ),
    key=("natural_key",),
    refs=(
        Ref("order_no", "order_id", WorkOrder.__table__, "order_no", "工单号",
            carry=("technician_id",)),
        Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),
    ),
    finish=_finish_penalty,
    stored=("natural_key", "kind", "technician_id", "order_id", "amount_fen", "occurred_at",
            "note"),
)

COMMISSIONS = ImportSpec(
    kind="commissions", label="顺销等酬金", table=Commission.__table__,
    columns=(
        Column("employee_no", f.code(32), description="工号"),
        Column("month", f.month, description="月份 YYYY-MM"),
        Column("amount", f.money(signed=True), description="金额（元，可为负数冲减）"),
        Column("note", f.text(200), required=False, default="", description="项目/说明"),
    ),
    key=("technician_id", "month", "note"),
    refs=(Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),),
    finish=_finish_commission,
    stored=("technician_id", "month", "amount_fen", "note"),
)

ASSESSMENTS = ImportSpec(
    kind="assessments", label="考核项", table=AssessmentItem.__table__,
    columns=(
        Column("employee_no", f.code(32), description="工号"),
        Column("month", f.month, description="月份 YYYY-MM"),
        Column("item", f.text(64), description="考核项目，如 装移机预约录音及时率"),
        Column("points", f.points, description="加减分（如 -2 或 1.5）"),
        Column("note", f.text(200), required=False, default="", description="说明"),
    ),
    key=("technician_id", "month", "item"),
    refs=(Ref("employee_no", "technician_id", Technician.__table__, "employee_no", "工号"),),
    finish=_finish_assessment,
    stored=("technician_id", "month", "item", "points_centi", "note"),
)

RATINGS = ImportSpec(
    kind="ratings", label="历史评价", table=Rating.__table__,
    columns=(
        Column("order_no", f.code(32), description="工单号"),
        Column("rated_at", f.timestamp, description="评价时间 ISO 8601"),
        Column("openid", f.code(64), description="评价人公众号 openid"),
        Column("unionid", f.code(64), required=False, description="评价人 unionid（可空）"),
        Column("stars", f.choice("1", "2", "3", "4", "5"), description="星级 1–5"),
        Column("tags", f.text(400), required=False, default="",
               description="标签代码，逗号分隔（须与星级相符）"),
        Column("comment", f.text(500), required=False, default="", description="评价内容"),
        Column("client_ip", f.text(45), required=False, description="评价时的 IP（可空）"),
        Column("user_agent", f.text(400), required=False, description="评价时的 User-Agent（可空）"),
    ),
    key=("order_id",),
    refs=(Ref("order_no", "order_id", WorkOrder.__table__, "order_no", "工单号",
              carry=("technician_id", "status", "completed_at")),),
    finish=finish_rating,
    prepare=prepare_ratings,
    refuse_changes="order_no: 该工单已有评价 (the order already has a rating)",
    stored=("order_id", "technician_id", "user_id", "openid", "stars", "tags", "comment",
            "channel", "client_ip", "user_agent", "created_at", "presence"),
)

SPECS: dict[str, ImportSpec] = {s.kind: s for s in (TECHNICIANS, ACCOUNTS, ORDERS, CALLBACKS,
                                                     COMPLAINTS, URGES, PENALTIES, COMMISSIONS,
                                                     ASSESSMENTS, RATINGS)}
