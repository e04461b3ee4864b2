"""Row builders for tests: sensible defaults, override what the test is about."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.identity.models import AccountBinding, TechnicianBinding, WeChatUser
from app.identity.tokens import issue_token
from app.masterdata.models import BroadbandAccount, CallbackResult, Technician, WorkOrder

_seq = itertools.count(1)


def technician(**kw) -> Technician:
    n = next(_seq)
    row = Technician(**{"employee_no": f"T{n:05d}", "name": f"测试{n}", "phone": f"1380000{n:04d}",
                        "team": "城东装维班", "area": "城区营业部", "vendor": "自营",
                        "status": "active", **kw})
    db.session.add(row)
    db.session.flush()
    return row


def account(**kw) -> BroadbandAccount:
    n = next(_seq)
    row = BroadbandAccount(**{"account_no": f"A{n:07d}", "holder_name": f"用户{n}",
                              "phone": f"1390000{n:04d}", "address": f"迎宾街{n}号",
                              "area": "城区营业部", **kw})
    db.session.add(row)
    db.session.flush()
    return row


def order(**kw) -> WorkOrder:
    n = next(_seq)
    completed = kw.pop("completed_at", datetime.now(timezone.utc) - timedelta(hours=2))
    defaults = {"order_no": f"GD{n:08d}", "order_type": "install", "product": "broadband",
                "area": "城区营业部",
                "created_at": (completed or datetime.now(timezone.utc)) - timedelta(hours=3),
                "completed_at": completed, "status": "completed"}
    if "account" not in kw and "account_id" not in kw:
        kw["account"] = account()
    if "technician" not in kw and "technician_id" not in kw:
        kw["technician"] = technician()
    row = WorkOrder(**{**defaults, **kw})
    db.session.add(row)
    db.session.flush()
    return row


def callback(order: WorkOrder, **kw) -> CallbackResult:
    row = CallbackResult(**{"order": order, "channel": "ivr", "result": "satisfied",
                            "called_at": order.completed_at + timedelta(hours=5), **kw})
    db.session.add(row)
    db.session.flush()
    return row


def user(unionid: str | None = None) -> WeChatUser:
    """A WeChat user (customer unless bound as a technician)."""
    row = WeChatUser(token_version=0, unionid=unionid)
    db.session.add(row)
    db.session.flush()
    return row


def headers_for(row: WeChatUser) -> dict:
    """Bearer headers with a valid user token, as POST /api/v1/auth/login would give."""
    from tests.conftest import TEST_SECRET
    return {"Authorization": f"Bearer {issue_token(TEST_SECRET, row.id, row.token_version)}"}


def bind(row: WeChatUser, account) -> None:
    db.session.add(AccountBinding(user_id=row.id, account_id=account.id, method="phone_code"))
    db.session.flush()


def bind_technician(row: WeChatUser, technician) -> None:
    db.session.add(TechnicianBinding(user_id=row.id, technician_id=technician.id,
                                     phone=technician.phone))
    db.session.flush()
