"""The console's search box and the order page it lands on (read-only, from the domains' services).

One box takes an order number, an account number, a customer's phone or a technician (工号 or
name): an order goes straight to its page; an account or a phone lists its orders (phones masked;
revealing one is a logged action); a technician goes to the technician page or a short list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.fraud import service as fraud_service
from app.masking import mask_phone
from app.masterdata import service as masterdata
from app.rating import service as rating_service
from app.reports import service as report_service
from app.reports.exports import present_line

_PHONE = re.compile(r"^\+?[\d\s\-]{7,16}$")
SOURCES = {"wechat": "微信评价", "ivr": "IVR回访", "manual": "人工回访", "default": "默认三星"}


@dataclass
class Found:
    query: str
    order_no: str | None = None                      # an exact order: go to its page
    orders: list = field(default_factory=list)       # (order, masked phone) of an account/phone
    technicians: list = field(default_factory=list)
    matched: str = ""                                # what the query was taken for, in words
    shown: str = ""                                  # the query as the page repeats it


def search(query: str) -> Found:
    query = query.strip()[:40]
    found = Found(query, shown=query)
    if not query:
        return found
    order = masterdata.find_order(query)
    if order is not None:
        found.order_no, found.matched = order.order_no, "工单号"
        return found
    account = masterdata.find_account(query)
    accounts = [account] if account is not None else []
    if account is not None:
        found.matched = "宽带账号"
    elif _PHONE.match(query):
        digits = re.sub(r"\D", "", query)[-11:]
        accounts = masterdata.accounts_with_phone(digits)
        found.matched = "客户电话" if accounts else ""
        found.shown = mask_phone(digits)
    if accounts:
        by_id = {a.id: a for a in accounts}
        found.orders = [(o, mask_phone(by_id[o.account_id].phone))
                        for o in masterdata.orders_of_accounts(list(by_id))]
    found.technicians = masterdata.search_technicians(query=query, limit=20)
    if found.technicians and not found.matched:
        found.matched = "装维人员"
    return found


def order_page(order_no: str, *, tariff, tz_name: str) -> dict:
    """An order with everything staff ask about it: rating, callbacks, effective star, flags,
    recovery task and its line in the technician's pay ledger."""
    described = rating_service.describe_order(order_no)
    order = masterdata.find_order(order_no)
    pay_line, month = None, None
    if order.completed_at is not None:
        month = order.completed_at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m")
        ledger = report_service.pay_ledger_of(month=month, employee_no=order.technician.employee_no,
                                              tariff=tariff, tz_name=tz_name)
        pay_line = next((present_line(line) for line in ledger["lines"]
                         if line.get("order_no") == order_no), None)
    return {**described, "order": order, "month": month, "pay_line": pay_line,
            "flags": fraud_service.flags_of_order(order.id),
            "phone_masked": mask_phone(order.account.phone),
            "source_label": SOURCES.get(described["effective"]["source"], "")}
