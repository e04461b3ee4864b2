"""The review queue of cases, a case's page with its preview and one decision, a manager's
reversal, the logged phone reveal; a single flag's page and decision."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.console import pages
from app.console.evidence import DETECTORS
from app.console.views.base import allowed, audit, bp, requires, tariff, tz
from app.console.views.reports import _file
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.fraud import service as fraud_service
from app.fraud.exports import filter_notes, flags_file
from app.masterdata import service as masterdata
from app.pagination import page_number
from app.reports import service as report_service
from app.rating import service as rating_service

FILTERS = ("area", "team", "detector", "month")
STATUS_LABELS = {"open": "待审核", "confirmed": "确认虚假", "dismissed": "已排除"}
DONE_LABELS = {"confirmed": "确认为虚假评价", "dismissed": "排除", "reversed": "撤销确认"}


def _filters(source) -> dict:
    return {name: source.get(name) for name in FILTERS if source.get(name)}


def _page_arg() -> int:
    return page_number(request.args.get("page"))


def _ctx() -> fraud_service.Context:
    return fraud_service.context(current_app.config, by=g.staff.username)


def _expect(form) -> fraud_service.Expect:
    """The state the page showed: a decision on anything since changed is refused (409)."""
    version = form.get("version")
    return fraud_service.Expect(status=form.get("expected_status") or None,
                                version=int(version) if (version or "").isdigit() else None)


def _ticked(form) -> list[int] | None:
    try:
        return [int(v) for v in form.getlist("rating_ids")]
    except ValueError:
        raise Unprocessable("勾选的评价无效 (bad rating selection)") from None


def _audit_outcome(action: str, target: str, outcome, **details) -> None:
    audit(action, target, **details)
    for kind, subject, extra in fraud_service.audit_events(outcome):
        audit(kind, subject, **extra)


def _run(scope: list, act):
    """Run `act(ctx)`, a decision over `scope`'s flags, and say what it did to whom."""
    ctx = _ctx()
    pay_of = report_service.live_pay_of(tariff=tariff(), tz_name=tz())
    return fraud_service.consequences.run(lambda: act(ctx), scope=scope, pay_of=pay_of, ctx=ctx,
                                          dry_run=False)


def _flash_outcome(what: str, outcome, found: list[dict]) -> None:
    lines = [f"{c['name']}（{c['employee_no']}）：{'；'.join(c['lines'])}" for c in found]
    flash(f"{what}。" + (" ".join(lines) if lines else "无处罚变化。"), "ok")


# --- The queue ------------------------------------------------------------------------------------

@bp.get("/cases")
@requires("cases")
def queue():
    filters = _filters(request.args)
    status = request.args.get("status", "open")
    if status not in STATUS_LABELS and status != "all":
        status = "open"
    data = pages.queue_page(status=None if status == "all" else status, filters=filters,
                            page=_page_arg())
    return render_template("console/queue.html", filters=filters, status=status,
                           detectors=DETECTORS, status_labels=STATUS_LABELS,
                           areas=masterdata.teams_by_area(), **data)


@bp.get("/flags/download")
@requires("cases")
def flags_download():
    """The flags the queue's filters keep, as XLSX (or CSV), for work outside the console."""
    filters, fmt = _filters(request.args), request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Unprocessable("格式须为 csv 或 xlsx (format must be csv or xlsx)")
    status = request.args.get("status", "open")
    if status in STATUS_LABELS:
        filters["status"] = status
    flags = fraud_service.flags_to_export(**filters)
    data = flags_file(flags, fmt, tz_name=tz(),
                      notes=[*filter_notes(filters), ("下载人", g.staff.username)])
    name = f"稽核标记-{filters.get('month', '全部')}"
    audit("download", f"{name}.{fmt}", kind="flags", rows=len(flags), **filters)
    db.session.commit()
    return _file(data, fmt, name)


@bp.get("/flags")
@requires("cases")
def flags_queue():
    """The queue's old address (it listed flags): the cases queue, same filters."""
    return redirect(url_for("console.queue", **request.args))


# --- A case ---------------------------------------------------------------------------------------

def _render_case(case_id: int, *, selection: list[int] | None = None, preview: list | None = None,
                 revealed: dict | None = None, status: int = 200):
    filters = _filters(request.values)
    data = pages.case_page(case_id, tz_name=tz(), filters=filters)
    if preview is None and data["case"].status == "open" and data["undecided"] and allowed("review"):
        try:
            preview = pages.case_preview(case_id, rating_ids=selection, ctx=_ctx(),
                                         tariff=tariff())
        except fraud_service.DecisionConflict:
            preview = None          # changed under us: the page shows its new state
    tags = rating_service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    ticked = set(selection) if selection is not None else {r["rating_id"]
                                                          for r in data["undecided"]}
    return render_template("console/case.html", filters=filters, status_labels=STATUS_LABELS,
                           tag_labels={t.code: t.label for t in tags}, preview=preview,
                           ticked=ticked, revealed=revealed or {}, **data), status


@bp.get("/cases/<int:case_id>")
@requires("cases")
def case(case_id: int):
    return _render_case(case_id)


@bp.post("/cases/<int:case_id>/preview")
@requires("review")
def case_preview(case_id: int):
    selection = _ticked(request.form)
    if not selection:
        raise Unprocessable("请至少勾选一条评价 (tick at least one rating)")
    preview = pages.case_preview(case_id, rating_ids=selection, ctx=_ctx(), tariff=tariff(),
                                 expect=_expect(request.form))
    return _render_case(case_id, selection=selection, preview=preview)


@bp.post("/cases/<int:case_id>/decision")
@requires("review")
def case_decision(case_id: int):
    filters = _filters(request.form)
    decision = request.form.get("decision")
    note = (request.form.get("note") or "").strip()
    if decision not in ("confirmed", "dismissed"):
        raise Unprocessable("请选择确认或排除 (choose confirm or dismiss)")
    selection = _ticked(request.form) if decision == "confirmed" else None
    outcome, found = _run(list(fraud_service.get_case(case_id).flags), lambda ctx:
                          fraud_service.decide_case(case_id=case_id, decision=decision,
                                                    note=note, rating_ids=selection, ctx=ctx,
                                                    expect=_expect(request.form)))
    _audit_outcome(f"case_{decision}", f"case {case_id}", outcome, note=note,
                   confirmed=[f.order.order_no for f in outcome.confirmed],
                   dismissed=[f.order.order_no for f in outcome.dismissed])
    db.session.commit()
    _flash_outcome(f"案件 #{case_id} 已{DONE_LABELS[decision]}", outcome, found)
    following = pages.next_open_case(filters)
    if following is None:
        return redirect(url_for("console.queue", **filters))
    return redirect(url_for("console.case", case_id=following, **filters))


@bp.post("/cases/<int:case_id>/reversal")
@requires("reverse")
def case_reversal(case_id: int):
    reason = (request.form.get("reason") or "").strip()
    outcome, found = _run(list(fraud_service.get_case(case_id).flags), lambda ctx:
                          fraud_service.reverse_case(case_id=case_id, reason=reason, ctx=ctx,
                                                     expect=_expect(request.form)))
    _audit_outcome("case_reversed", f"case {case_id}", outcome, reason=reason,
                   reversed=[f.order.order_no for f in outcome.reversed])
    db.session.commit()
    _flash_outcome(f"案件 #{case_id} 已{DONE_LABELS['reversed']}", outcome, found)
    return redirect(url_for("console.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/phone")
@requires("cases")
def reveal_phone(case_id: int):
    """Show one account's full phone to call the customer back; every reveal is logged."""
    account_no = request.form.get("account_no") or ""
    file = fraud_service.case_file(fraud_service.get_case(case_id),
                                   today=masterdata.local_today(tz()))
    account = next((f.order.account for f in file["flags"]
                    if f.order.account.account_no == account_no), None)
    if account is None:
        raise NotFound("该账号不在本案件中 (account not in this case)", code="account_not_in_case")
    audit("phone_revealed", f"case {case_id}", account_no=account_no)
    db.session.commit()
    if request.headers.get("X-Requested-With") == "fetch":
        return {"account_no": account_no, "phone": account.phone, "tel": f"tel:{account.phone}"}
    return _render_case(case_id, revealed={account_no: account.phone})


# --- A single flag --------------------------------------------------------------------------------

@bp.get("/flags/<int:flag_id>")
@requires("cases")
def flag(flag_id: int):
    data = pages.flag_page(flag_id, tz_name=tz())
    tags = rating_service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    return render_template("console/flag.html", status_labels=STATUS_LABELS,
                           tag_labels={t.code: t.label for t in tags}, **data)


def _flag_action(flag_id: int, action: str, act):
    flag_row = fraud_service.get_flag(flag_id)
    outcome, found = _run([flag_row], act)
    note = (request.form.get("note") or request.form.get("reason") or "").strip()
    _audit_outcome(f"flag_{action}", f"flag {flag_id}", outcome,
                   order_no=flag_row.order.order_no,
                   employee_no=flag_row.technician.employee_no, score=flag_row.score, note=note)
    db.session.commit()
    _flash_outcome(f"标记 #{flag_id}（工单 {flag_row.order.order_no}）已{DONE_LABELS[action]}",
                   outcome, found)
    return flag_row


@bp.post("/flags/<int:flag_id>/decision")
@requires("review")
def decide(flag_id: int):
    decision = request.form.get("decision")
    note = (request.form.get("note") or "").strip()
    if decision not in ("confirmed", "dismissed"):
        raise Unprocessable("请选择确认或排除 (choose confirm or dismiss)")
    flag_row = _flag_action(flag_id, decision, lambda ctx: fraud_service.decide_flag(
        flag_id=flag_id, decision=decision, note=note, ctx=ctx, expect=_expect(request.form)))
    if flag_row.case_id is not None:
        return redirect(url_for("console.case", case_id=flag_row.case_id))
    return redirect(url_for("console.flag", flag_id=flag_id))


@bp.post("/flags/<int:flag_id>/reversal")
@requires("reverse")
def reverse(flag_id: int):
    reason = (request.form.get("reason") or "").strip()
    _flag_action(flag_id, "reversed", lambda ctx: fraud_service.reverse_flag(
        flag_id=flag_id, reason=reason, ctx=ctx, expect=_expect(request.form)))
    return redirect(url_for("console.flag", flag_id=flag_id))
