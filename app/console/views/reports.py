"""Month and quarter reports with charts, downloads (CSV/XLSX, badge sheets) and month close."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, flash, g, redirect, render_template, request, url_for

from app.badge import bulk as badge_bulk
from app.console import charts, pages, trends
from app.console.views.base import audit, bp, requires, tariff, tz
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.masterdata import service as masterdata
from app.reports import exports
from app.reports import service as report_service
from app.timeutil import month_bounds, quarter_bounds

MIME = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_QUARTER = re.compile(r"^\d{4}Q[1-4]$")


def _month(value: str | None) -> str:
    month = value or pages.default_month(tz())
    try:
        month_bounds(month, tz())
    except ValueError:
        raise Unprocessable("月份格式应为 YYYY-MM (month must look like YYYY-MM)") from None
    return month


def _quarter(value: str | None) -> str:
    quarter = value or pages.quarter_of(pages.default_month(tz()))
    if not _QUARTER.match(quarter):
        raise Unprocessable("季度格式应为 YYYYQn (quarter must look like 2026Q3)")
    quarter_bounds(quarter, tz())
    return quarter


def _who() -> dict:
    return {"team": request.args.get("team") or None, "area": request.args.get("area") or None}


def _file(data: bytes, fmt: str, filename: str) -> Response:
    return Response(data, mimetype=MIME[fmt], headers={
        "Content-Disposition": f"attachment; filename=download.{fmt}; "
                               f"filename*=UTF-8''{quote(filename)}.{fmt}",
        "Cache-Control": "no-store"})


@bp.get("/reports/month")
@requires("reports")
def month_report():
    month, who = _month(request.args.get("month")), _who()
    sort = request.args.get("sort", "employee_no")
    descending = request.args.get("dir") == "desc"
    report = pages.month_report(month=month, sort=sort, descending=descending, tariff=tariff(),
                                tz_name=tz(), **who)
    return render_template("console/report_month.html", report=report, month=month, sort=sort,
                           descending=descending, areas=masterdata.teams_by_area(), **who)


@bp.get("/reports/trends")
@requires("reports")
def trends_report():
    month, area = _month(request.args.get("month")), request.args.get("area") or None
    data = trends.team_trends(month=month, tariff=tariff(), tz_name=tz(), area=area)
    labels = [m[2:] for m in data["months"]]          # "26-10": short enough for six months
    named = [(f"{t['area']}·{t['team']}", t) for t in data["teams"]]
    pictures = {
        key: charts.trend_chart(labels, [(name, t[key]) for name, t in named], title=title,
                                percent=percent)
        for key, title, percent in (("participation_rate", "参评率", True),
                                    ("satisfaction_rate", "满意率", True),
                                    ("total_pay", "酬金合计（元）", False))}
    return render_template("console/trends.html", month=month, area=area, data=data,
                           pictures=pictures, areas=masterdata.teams_by_area())


@bp.get("/reports/quarter")
@requires("reports")
def quarter_report():
    quarter, who = _quarter(request.args.get("quarter")), _who()
    report = pages.quarter_report(quarter=quarter, tariff=tariff(), tz_name=tz(), **who)
    return render_template("console/report_quarter.html", report=report, quarter=quarter,
                           areas=masterdata.teams_by_area(), **who)


@bp.get("/reports/download")
@requires("reports")
def download():
    kind, fmt, who = request.args.get("kind", "month"), request.args.get("format", "csv"), _who()
    if fmt not in ("csv", "xlsx"):
        raise Unprocessable("格式须为 csv 或 xlsx (format must be csv or xlsx)")
    suffix = "".join(f"-{v}" for v in who.values() if v)
    if kind == "quarter":
        quarter = _quarter(request.args.get("quarter"))
        report = report_service.quarterly_grades(
            quarter=quarter, tariff=tariff(), tz_name=tz(),
            who=report_service.TechnicianFilter(**who))
        name, sheets = f"季度星级-{quarter}{suffix}", [
            ("季度星级", exports.QUARTERLY_COLUMNS, report["items"])]
        period = quarter
    else:
        month = _month(request.args.get("month"))
        report = report_service.monthly_report(month=month, tariff=tariff(), tz_name=tz(), **who)
        name, sheets = f"定星核算-{month}{suffix}", [
            ("人员明细", exports.MONTHLY_COLUMNS, report["items"]),
            ("班组汇总", exports.TEAM_COLUMNS, report["teams"]),
            ("区域汇总", exports.AREA_COLUMNS, report["areas"])]
        period = month
    if fmt == "csv":
        data = exports.to_csv(sheets[0][1], sheets[0][2])
    else:
        data = exports.to_xlsx(sheets, notes=[("期间", period), ("下载人", g.staff.username),
                                              ("酬金标准版本", report["tariff_version"])])
    audit("download", f"{name}.{fmt}", kind=kind, period=period, rows=len(sheets[0][2]), **who)
    db.session.commit()
    return _file(data, fmt, name)


@bp.get("/badges/sheet.pdf")
@requires("people")
def badge_sheet():
    who = _who()
    if not any(who.values()):
        raise Unprocessable("请先选择班组或区域 (choose a team or an area)")
    printed = badge_bulk.print_sheet(**who)
    audit("download", "工牌打印页.pdf", kind="badge_sheet", printed=printed.printed,
          skipped_revoked=printed.skipped_revoked, suspended=printed.suspended, **who)
    db.session.commit()
    return _file(printed.pdf, "pdf", "工牌-" + "-".join(v for v in who.values() if v))


@bp.post("/reports/close")
@requires("close")
def close_month():
    month = _month(request.form.get("month"))
    back = "console.pay_sheet" if request.form.get("back") == "pay" else "console.month_report"
    expected = request.form.get("expected_version") or ""
    try:
        version = report_service.close_month(
            month=month, by=g.staff.username, tariff=tariff(), tz_name=tz(),
            note=(request.form.get("note") or "")[:500],
            recompute=request.form.get("recompute") == "1",
            expected_version=int(expected) if expected.isdigit() else None)
    except Conflict as exc:
        # Someone closed, recomputed or reopened the month since this page was drawn.
        flash(f"未能月结：{exc.message}", "error")
        return redirect(url_for(back, month=month))
    pay = version.totals.get("pay") or {}
    audit("month_closed", month, version=version.version, kind=version.kind,
          totals={**{k: version.totals.get(k) for k in ("technicians", "orders_completed",
                                                       "install_pay")},
                  "total_pay": pay.get("total_pay")})
    db.session.commit()
    flash(f"{month} 已月结，生成第 {version.version} 版；酬金核算表已冻结，"
          f"每人的月度告示已排队发送。", "ok")
    return redirect(url_for(back, month=month))
