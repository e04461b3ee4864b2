"""Admin report API: monthly report, pay ledger, quarterly grade, month close and its versions."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from urllib.parse import quote

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.reports import bulletins, exports, service
from app.reports.ranking_schemas import (
    BulletinListOut, PeriodStarsOut, RankingOut, RankingQuery, StarsQuery)
from app.reports.schemas import (
    CloseIn, LedgerOut, LedgerQuery, MonthlyQuery, MonthlyReportOut, PaySheetOut, QuarterlyQuery,
    QuarterlyReportOut, ReopenIn, TariffOut, VersionListOut, VersionOut, VersionsQuery)
from app.timeutil import YEARS, PeriodOutOfRange

bp = Blueprint("reports", __name__)
READERS = ("manager", "auditor")
_FILE_FORMATS = "; format=csv (UTF-8 with BOM, Chinese headers) or format=xlsx gives a file"
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _report_or_file(schema) -> dict:
    """The documented 200 of a report call: JSON, or the file that format=csv|xlsx asks for."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"description": "OK", "content": {"application/json": {"schema": schema},
                                             **{mime.split(";")[0]: binary for mime in MIME.values()}}}


def tariff():
    return service.load_tariff(current_app.config.get("TARIFF_FILE"))


def tz() -> str:
    return current_app.config["TIMEZONE"]


def _file(data: bytes, fmt: str, filename: str, tariff_version: str) -> Response:
    return Response(data, content_type=MIME[fmt], headers={   # mimetype= would add a 2nd charset
        "Content-Disposition": f"attachment; filename=report.{fmt}; "
                               f"filename*=UTF-8''{quote(filename)}.{fmt}",
        "X-Tariff-Version": tariff_version, "Cache-Control": "no-store"})


def _notes(report: dict, period: str) -> list[tuple[str, str]]:
    return [("期间", period), ("数据来源", "月结版本" if report.get("source") == "snapshot" else "实时计算"),
            ("版本", str(report.get("version") or "")), ("酬金标准版本", report["tariff_version"])]


@bp.get("/reports/monthly")
@require_roles(*READERS)
@api_doc("月度定星核算报表 (monthly report per technician with team/area roll-ups" + _FILE_FORMATS
         + ")", tags=["reports"], query=MonthlyQuery, responses={200: _report_or_file(MonthlyReportOut)})
def monthly():
    args = MonthlyQuery().load(request.args)
    fmt = args.pop("format")
    report = service.monthly_report(tariff=tariff(), tz_name=tz(), **args)
    if fmt == "csv":
        return _file(exports.to_csv(exports.MONTHLY_COLUMNS, report["items"]), fmt,
                     f"定星核算-{args['month']}", report["tariff_version"])
    if fmt == "xlsx":
        data = exports.to_xlsx([("人员明细", exports.MONTHLY_COLUMNS, report["items"]),
                                ("班组汇总", exports.TEAM_COLUMNS, report["teams"]),
                                ("区域汇总", exports.AREA_COLUMNS, report["areas"])],
                               notes=_notes(report, args["month"]))
        return _file(data, fmt, f"定星核算-{args['month']}", report["tariff_version"])
    return MonthlyReportOut().dump(report)


@bp.get("/reports/ledger")
@require_roles(*READERS)
@api_doc("酬金明细 (a technician's pay ledger for a month: one line per completed order"
         + _FILE_FORMATS + ")", tags=["reports"], query=LedgerQuery,
         responses={200: _report_or_file(LedgerOut)}, errors=(404,))
def ledger():
    args = LedgerQuery().load(request.args)
    fmt = args.pop("format")
    report = service.pay_ledger_of(tariff=tariff(), tz_name=tz(), **args)
    name = f"酬金明细-{args['employee_no']}-{args['month']}"
    if fmt == "csv":
        return _file(exports.to_csv(exports.ledger_columns(tz()), report["lines"]), fmt, name,
                     report["tariff_version"])
    if fmt == "xlsx":
        notes = _notes(report, args["month"]) + [("工号", report["employee_no"]),
                                                 ("合计(元)", report["total"])]
        return _file(exports.ledger_workbook(report, notes, tz()), fmt, name, report["tariff_version"])
    return LedgerOut().dump(report)


@bp.get("/reports/pay")
@require_roles(*READERS)
@api_doc("装维酬金核算表 (the whole pay sheet: install and maintenance pay, assessment score, "
         "commissions, quarterly bonus, penalties and total per technician, with team/area/vendor "
         "roll-ups" + _FILE_FORMATS + "; XLSX has numeric cells, a frozen header, filters and a "
         "totals row)", tags=["reports"], query=MonthlyQuery,
         responses={200: _report_or_file(PaySheetOut)})
def pay():
    args = MonthlyQuery().load(request.args)
    fmt = args.pop("format")
    report = service.pay_sheet(tariff=tariff(), tz_name=tz(), **args)
    return _answer(report, fmt, f"酬金核算-{args['month']}", PaySheetOut, exports.PAY_COLUMNS,
                   exports.pay_workbook)


def _answer(report: dict, fmt: str, name: str, schema, columns, make_workbook):
    """JSON by `schema`, or the CSV of `columns`, or the workbook `make_workbook` draws."""
    if fmt == "csv":
        return _file(exports.to_csv(columns, report["items"]), fmt, name,
                     report["tariff_version"])
    if fmt == "xlsx":
        return _file(make_workbook(report, _notes(report, report["month"])), fmt, name,
                     report["tariff_version"])
    return schema().dump(report)


@bp.get("/reports/quarterly")
@require_roles(*READERS)
@api_doc("季度综合星级 (quarterly grade with the forced distribution" + _FILE_FORMATS + ")",
         tags=["reports"], query=QuarterlyQuery, responses={200: _report_or_file(QuarterlyReportOut)})
def quarterly():
    args = QuarterlyQuery().load(request.args)
    fmt = args.pop("format")
    quarter = args.pop("quarter")
    report = service.quarterly_grades(quarter=quarter, tariff=tariff(), tz_name=tz(),
                                      who=service.TechnicianFilter(**args))
    if fmt == "csv":
        return _file(exports.to_csv(exports.QUARTERLY_COLUMNS, report["items"]), fmt,
                     f"季度星级-{quarter}", report["tariff_version"])
    if fmt == "xlsx":
        notes = [("季度", quarter), ("参评人数", str(report["ranked"])),
                 ("名次分界", ",".join(map(str, report["boundaries"]))),
                 ("酬金标准版本", report["tariff_version"])]
        return _file(exports.to_xlsx([("季度星级", exports.QUARTERLY_COLUMNS, report["items"])],
                                     notes=notes), fmt, f"季度星级-{quarter}",
                     report["tariff_version"])
    return QuarterlyReportOut().dump(report)


@bp.get("/reports/ranking")
@require_roles(*READERS)
@api_doc("月度考核排名 (monthly ranking by assessment score: 月度服务明星 with the one-vote veto, "
         "the bottom list with consecutive months and 待岗培训/清退 recommendations, team ranking, "
         "万投比 per area" + _FILE_FORMATS + ")", tags=["reports"], query=RankingQuery,
         responses={200: _report_or_file(RankingOut)})
def ranking():
    args = RankingQuery().load(request.args)
    fmt = args.pop("format")
    report = service.monthly_ranking(tariff=tariff(), tz_name=tz(), **args)
    return _answer(report, fmt, f"考核排名-{args['month']}", RankingOut,
                   exports.RANKING_COLUMNS, exports.ranking_workbook)


@bp.get("/reports/ranking/stars")
@require_roles(*READERS)
@api_doc("季度/年度服务明星 (quarterly or yearly service stars by cumulative monthly assessment "
         "score; period=2026Q4 or 2026)", tags=["reports"], query=StarsQuery,
         responses={200: PeriodStarsOut})
def period_stars():
    period = StarsQuery().load(request.args)["period"]
    if int(period[:4]) not in YEARS:
        raise PeriodOutOfRange(details={"year": int(period[:4])})
    return PeriodStarsOut().dump(service.period_stars(period=period, tariff=tariff(),
                                                      tz_name=tz()))


def _version_out(version, in_force: bool) -> dict:
    return {**VersionOut().dump(version), "in_force": in_force}


@bp.post("/reports/monthly/close")
@require_roles("manager")
@api_doc("月结 (close a month: freeze its report, whole pay sheet and every pay line as a new "
         "version; 409 month_already_closed, month_not_over, month_state_changed, "
         "month_close_conflict)",
         tags=["reports"], body=CloseIn, responses={201: VersionOut}, errors=(409,))
def close():
    data = CloseIn().load(request.get_json(silent=True) or {})
    version = service.close_month(by=g.api_key.name, tariff=tariff(), tz_name=tz(), **data)
    db.session.commit()
    return _version_out(version, True), 201


@bp.post("/reports/monthly/recompute")
@require_roles("manager")
@api_doc("重算已结月份 (recompute a closed month as a new version, listing what changed per "
         "technician and component; 409 month_not_closed, month_state_changed)",
         tags=["reports"], body=CloseIn, responses={201: VersionOut}, errors=(409,))
def recompute():
    data = CloseIn().load(request.get_json(silent=True) or {})
    version = service.close_month(by=g.api_key.name, tariff=tariff(), tz_name=tz(),
                                  recompute=True, **data)
    db.session.commit()
    return _version_out(version, True), 201


@bp.post("/reports/monthly/reopen")
@require_roles("manager")
@api_doc("重新打开已结月份 (reopen a closed month; closing it again makes a new version; 409 "
         "month_not_closed, month_state_changed — a second reopen never overwrites the first's "
         "reason)",
         tags=["reports"], body=ReopenIn, responses={200: VersionOut}, errors=(409,))
def reopen():
    data = ReopenIn().load(request.get_json(silent=True) or {})
    version = service.reopen_month(by=g.api_key.name, **data)
    db.session.commit()
    return _version_out(version, False)


@bp.get("/reports/monthly/versions")
@require_roles(*READERS)
@api_doc("月结版本及变更 (a month's closed versions, newest first, each with its changes)",
         tags=["reports"], query=VersionsQuery, responses={200: VersionListOut})
def versions():
    month = VersionsQuery().load(request.args)["month"]
    found = service.month_versions(month)
    return {"items": [_version_out(v, i == 0 and not v.is_open) for i, v in enumerate(found)]}


@bp.get("/reports/bulletins")
@require_roles(*READERS)
@api_doc("每月评选结果告示 (the month's bulletins: one WeChat message per technician per close, "
         "with its state; sent by `flask reports send-bulletins`)", tags=["reports"],
         query=VersionsQuery, responses={200: BulletinListOut})
def bulletin_list():
    month = VersionsQuery().load(request.args)["month"]
    return BulletinListOut().dump({"month": month, "counts": bulletins.counts(month),
                                   "items": bulletins.list_for(month)})


@bp.get("/reports/tariff")
@require_roles(*READERS)
@api_doc("当前酬金标准 (the tariff in force and its version)", tags=["reports"],
         responses={200: TariffOut})
def current_tariff():
    t = tariff()
    return {"version": t.version, "document": dict(t.document)}
