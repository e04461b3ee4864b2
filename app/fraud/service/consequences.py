"""The consequence of a decision, stated per technician — before it lands (a dry run) and after.

Both run the decision itself and compare the world before and after it: the technician's
findings (numbered, fined, suspended), the ratings voided or restored, and the install pay of
each month concerned as the reports service computes it. A dry run does all of that inside a
savepoint and rolls it back, so a preview cannot drift from what the decision then does.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from app.extensions import db
from app.fraud import rules
from app.fraud.models import FraudFlag
from app.fraud.service.decisions import Context, Outcome
from app.fraud.service.offences import flag_month, offence_states
from app.masterdata.models import Technician

# (technician, month) → the reports service's pay ledger of that month, computed live.
PayOf = Callable[[Technician, str], dict]
# app.extensions key of `(config) → PayOf`. Pay is reckoned by reports, a layer above fraud:
# create_app hands the fraud views the function (reports.service.live_pay_of).
PAY_OF = "fraud.pay_of"
SOURCES = {"wechat": "微信评价", "ivr": "IVR回访", "manual": "人工回访", "default": "默认三星"}


def run(action: Callable[[], Outcome], *, scope: list[FraudFlag], pay_of: PayOf, ctx: Context,
        dry_run: bool) -> tuple[Outcome, list[dict]]:
    """Run `action` (a decision over flags within `scope`) and say what it did to whom."""
    pairs = sorted({(f.technician_id, flag_month(f, ctx.tz_name)) for f in scope})
    people = {t.id: t for t in db.session.scalars(
        select(Technician).where(Technician.id.in_({tid for tid, _ in pairs})))}
    before = _snapshot(people, pairs, pay_of)
    savepoint = db.session.begin_nested() if dry_run else None
    try:
        outcome = action()
        after = _snapshot(people, pairs, pay_of)
        return outcome, _compare(people, pairs, before, after, outcome, ctx)
    finally:
        if savepoint is not None:
            if savepoint.is_active:
                savepoint.rollback()
            # Objects refreshed inside the savepoint still hold its state: forget it all.
            db.session.expire_all()


def _snapshot(people: dict[int, Technician], pairs, pay_of: PayOf) -> dict:
    pay = {}
    for tid, month in pairs:
        ledger = pay_of(people[tid], month)
        # The install component is what star eligibility moves; the total also carries the
        # offence's fine (the whole pay sheet).
        pay[(tid, month)] = {
            "install_fen": ledger["components_fen"].get("install", 0),
            "install": ledger["components"].get("install", "0.00"),
            "total_fen": ledger["total_fen"], "total": ledger["total"],
            "star_eligible": ledger["star_eligible"], "status": ledger["status"],
            "lines": {line["order_no"]: line for line in ledger["lines"]
                      if line["component"] == "install"}}
    return {"offences": offence_states(people), "pay": pay}


def _compare(people, pairs, before, after, outcome: Outcome, ctx: Context) -> list[dict]:
    out = []
    days = ctx.policy.suspension_days
    for tid, person in sorted(people.items(), key=lambda p: p[1].employee_no):
        offences = rules.offence_changes(before["offences"][tid], after["offences"][tid], days)
        voided = _ratings(outcome.confirmed, tid, after, ctx)
        restored = _ratings(outcome.reversed, tid, after, ctx)
        pay = [_pay_change(month, before["pay"][(t, month)], after["pay"][(t, month)])
               for t, month in pairs if t == tid]
        pay = [p for p in pay if p["changed"]]
        started = [s for s in outcome.events.started if s.technician_id == tid]
        cancelled = [s for s in outcome.events.cancelled if s.technician_id == tid]
        if not (offences or voided or restored or pay or started or cancelled):
            continue
        lines = [change["text"] for change in offences]
        lines += [f"待岗培训 {s.starts_on} 至 {s.ends_on}（{s.days} 天）" for s in started]
        lines += [f"解除待岗培训（原定 {s.starts_on} 至 {s.ends_on}）" for s in cancelled]
        lines += [p["text"] for p in pay]
        out.append({
            "technician_id": tid, "employee_no": person.employee_no, "name": person.name,
            "lines": lines, "offences": offences,
            "suspension": _period(started[0]) if started else None,
            "suspensions_cancelled": [_period(s) for s in cancelled],
            "ratings_voided": voided, "ratings_restored": restored, "pay": pay})
    return out


def _period(row) -> dict:
    return {"starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "days": row.days}


def _ratings(flags: list[FraudFlag], tid: int, after: dict, ctx: Context) -> list[dict]:
    rows = []
    for flag in sorted((f for f in flags if f.technician_id == tid), key=lambda f: f.rating_id):
        month = flag_month(flag, ctx.tz_name)
        line = after["pay"].get((tid, month), {}).get("lines", {}).get(flag.order.order_no)
        rows.append({"rating_id": flag.rating_id, "order_no": flag.order.order_no,
                     "stars": flag.rating.stars, "month": month,
                     "effective_after": ({"stars": line["stars"], "source": line["source"]}
                                         if line else None)})
    return rows


def _signed(fen: int) -> str:
    sign = "+" if fen > 0 else "−" if fen < 0 else "±"
    return f"{sign}{abs(fen) / 100:,.2f}"


def _pay_change(month: str, was: dict, now: dict) -> dict:
    difference = now["install_fen"] - was["install_fen"]
    total_difference = now["total_fen"] - was["total_fen"]
    text = (f"{month} 装移机酬金 {was['install']} → {now['install']} 元"
            f"（{_signed(difference)} 元）")
    if was["star_eligible"] != now["star_eligible"]:
        text += "，" + ("取消定星，按一星单价计" if not now["star_eligible"] else "恢复定星")
    if total_difference != difference:
        text += (f"；应发合计 {was['total']} → {now['total']} 元"
                 f"（{_signed(total_difference)} 元，含罚款）")
    if now["status"] == "closed":
        text += "；该月已月结，重开月结后计入"
    return {"month": month, "install_pay_before": was["install"],
            "install_pay_after": now["install"], "difference_fen": difference,
            "total_pay_before": was["total"], "total_pay_after": now["total"],
            "total_difference_fen": total_difference,
            "star_eligible_before": was["star_eligible"],
            "star_eligible_after": now["star_eligible"], "month_status": now["status"],
            "changed": (difference != 0 or total_difference != 0
                        or was["star_eligible"] != now["star_eligible"]),
            "text": text}
