"""Row builders for tests: sensible defaults, override what the test is about."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from app.extensions import db
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
