"""The pay sheet (装维酬金核算表) with drill-down, the ranking and team boards, month reopen."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.console import paypages
from app.console.views.base import audit, bp, requires, tariff, tz
from app.console.views.reports import _file, _month
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.masterdata import service as masterdata
from app.reports import exports
from app.reports import service as report_service


def _who() -> dict:
    return {key: request.args.get(key) or None for key in ("team", "area", "vendor")}


@bp.get("/reports/pay")
@requires("reports")
def pay_sheet():
    month, who = _month(request.args.get("month")), _who()
    sort = request.args.get("sort", "employee_no")
    descending = request.args.get("dir") == "desc"
    report = paypages.pay_page(month=month, sort=sort, descending=descending, tariff=tariff(),
                               tz_name=tz(), **who)
    return render_template("console/pay_sheet.html", report=report, month=month, sort=sort,
                           descending=descending, areas=masterdata.teams_by_area(),
                           describe_change=paypages.describe_change, **who)


@bp.get("/reports/pay/download")
@requires("reports")
def pay_download():
    month, who, fmt = _month(request.args.get("month")), _who(), request.args.get("format")
    if fmt not in ("csv", "xlsx"):
        raise Unprocessable("格式须为 csv 或 xlsx (format must be csv or xlsx)")
    report = report_service.pay_sheet(month=month, tariff=tariff(), tz_name=tz(), **who)
    name = f"酬金核算-{month}" + "".join(f"-{v}" for v in who.values() if v)
    if fmt == "csv":
        data = exports.to_csv(exports.PAY_COLUMNS, report["items"])
    else:
        data = exports.pay_workbook(report, [("期间", month), ("下载人", g.staff.username),
                                             ("酬金标准版本", report["tariff_version"])])
    audit("download", f"{name}.{fmt}", kind="pay", period=month, rows=len(report["items"]),
          **who)
    db.session.commit()
    return _file(data, fmt, name)


@bp.get("/reports/pay/<employee_no>")
@requires("reports")
def pay_drill(employee_no: str):
    month = _month(request.args.get("month"))
    page = paypages.drill_page(month=month, employee_no=employee_no, tariff=tariff(),
                               tz_name=tz())
    return render_template("console/pay_drill.html", month=month, **page)


@bp.get("/reports/ranking")
@requires("reports")
def ranking():
    month = _month(request.args.get("month"))
    report = paypages.ranking_page(month=month, tariff=tariff(), tz_name=tz())
    return render_template("console/ranking.html", report=report, month=month)


@bp.post("/reports/reopen")
@requires("close")
def reopen_month():
    month = _month(request.form.get("month"))
    reason = (request.form.get("reason") or "").strip()[:500]
    if not reason:
        flash("重新打开须填写原因。", "error")
        return redirect(url_for("console.pay_sheet", month=month))
    try:
        version = report_service.reopen_month(month=month, by=g.staff.username, reason=reason,
                                              expected_version=_expected())
    except Conflict as exc:
        flash(f"未能重新打开：{exc.message}", "error")
        return redirect(url_for("console.pay_sheet", month=month))
    audit("month_reopened", month, version=version.version, reason=reason)
    db.session.commit()
    flash(f"{month} 第 {version.version} 版已重新打开，当前为实时数据；再次月结将生成新版本。", "ok")
    return redirect(url_for("console.pay_sheet", month=month))


def _expected() -> int | None:
    value = request.form.get("expected_version")
    return int(value) if value and value.isdigit() else None
