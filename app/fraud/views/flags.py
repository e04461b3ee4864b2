"""Flags (SPEC flow 5): scan, the flag list, a flag's detail, its decision, preview and
reversal; appeals; callback samples. Auditors review; managers run scans and reverse."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, g, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.fraud import service
from app.fraud.case_schemas import (
    ConsequenceOut, FraudDecisionIn, FraudPreviewOut, FraudReversalIn)
from app.fraud.exports import filter_notes, flags_file
from app.fraud.schemas import (
    FlagOffenceOut, FlagOrderOut, FlagRatingOut, FlagTechnicianOut, FraudAppealIn, FraudAppealOut,
    FraudAppealResolutionIn, FraudDecisionOut, FraudFlagDetailOut, FraudFlagExportQuery,
    FraudFlagListOut, FraudFlagOut, FraudFlagQuery, FraudOutcomeIn, FraudSampleIn, FraudSampleOut,
    FraudScanIn, FraudScanOut)
from app.fraud.views.base import (
    CONFLICT_CODES, IF_MATCH, TAGS, audit_outcome, bp, context, expectation, pay_of, settings,
    with_etag)
from app.masterdata import service as masterdata
from app.pagination import page_body


@bp.post("/fraud/scan")
@require_roles("auditor", "manager")
@api_doc("稽核扫描 (flag a month's ratings and regroup cases; re-running creates no duplicates)",
         tags=TAGS, body=FraudScanIn, responses={200: FraudScanOut}, errors=(422,))
def scan():
    data = FraudScanIn().load(request.get_json(silent=True) or {})
    result = service.scan_month(month=data["month"], **settings())
    db.session.commit()
    return FraudScanOut().dump(result)


@bp.get("/fraud/flags")
@require_roles("auditor")
@api_doc("稽核标记 (flags, highest score first; filters: status, area, team, employee_no, "
         "detector, month)", tags=TAGS, query=FraudFlagQuery, responses={200: FraudFlagListOut},
         errors=(422,))
def flags():
    args = FraudFlagQuery().load(request.args)
    return FraudFlagListOut().dump(page_body(service.list_flags(**args)))


FILE_TYPES = {"csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/fraud/flags/export")
@require_roles("auditor")
@api_doc("稽核标记导出 (every flag the filters keep, highest score first, as format=xlsx (numbers, "
         "frozen header, filter) or csv (UTF-8 with BOM); at most 20,000 lines)", tags=TAGS,
         query=FraudFlagExportQuery, responses={200: {"description": "CSV or XLSX file",
                                                      "content": {m.split(";")[0]: {"schema": {
                                                          "type": "string", "format": "binary"}}
                                                          for m in FILE_TYPES.values()}}},
         errors=(422,))
def export_flags():
    args = FraudFlagExportQuery().load(request.args)
    fmt = args.pop("format")
    notes = [*filter_notes(args), ("导出人", g.api_key.name)]
    data = flags_file(service.flags_to_export(**args), fmt,
                      tz_name=current_app.config["TIMEZONE"], notes=notes)
    name = quote(f"稽核标记-{args.get('month', '全部')}.{fmt}")
    return Response(data, content_type=FILE_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=flags.{fmt}; filename*=UTF-8''{name}",
        "Cache-Control": "no-store"})


def _detail(flag) -> dict:
    history = service.flag_history(flag.id)
    technician = FlagTechnicianOut().dump(flag.technician)
    technician["status"] = masterdata.status_on(
        flag.technician, masterdata.local_today(current_app.config["TIMEZONE"]))
    body = FraudFlagOut().dump(flag)
    body.update(
        rating=FlagRatingOut().dump(flag.rating), order=FlagOrderOut().dump(flag.order),
        technician=technician, decisions=FraudDecisionOut(many=True).dump(history["decisions"]),
        offence=FlagOffenceOut().dump(history["offence"]) if history["offence"] else None,
        appeals=FraudAppealOut(many=True).dump(history["appeals"]))
    return body


@bp.get("/fraud/flags/<int:flag_id>")
@require_roles("auditor", "manager")
@api_doc("稽核标记详情 (a flag with its rating, order, technician, reasons, decisions, offence; "
         "ETag for If-Match)", tags=TAGS, responses={200: FraudFlagDetailOut}, errors=(404,))
def flag_detail(flag_id: int):
    flag = service.get_flag(flag_id)
    return with_etag(_detail(flag), "flag", flag)


def _on_flag(flag_id: int, expected_status: str | None, act, *, dry_run: bool):
    """Run `act(ctx, expect)` — a decision on this flag — and what it did, per technician."""
    flag, ctx = service.get_flag(flag_id), context()
    expect = expectation("flag", flag_id, expected_status)
    return service.consequences.run(lambda: act(ctx, expect), scope=[flag], pay_of=pay_of(),
                                    ctx=ctx, dry_run=dry_run)


def _decide(flag_id: int, data: dict, *, dry_run: bool):
    return _on_flag(flag_id, data.get("expected_status"), lambda ctx, expect: service.decide_flag(
        flag_id=flag_id, decision=data["decision"], note=data["note"], ctx=ctx, expect=expect),
        dry_run=dry_run)


def _preview_body(decision: str, outcome, found) -> dict:
    return FraudPreviewOut().dump({
        "dry_run": True, "decision": decision,
        "confirm_rating_ids": [f.rating_id for f in outcome.confirmed],
        "dismiss_rating_ids": [f.rating_id for f in outcome.dismissed],
        "reverse_rating_ids": [f.rating_id for f in outcome.reversed],
        "consequences": found})


@bp.post("/fraud/flags/<int:flag_id>/decision")
@require_roles("auditor")
@api_doc("确认或排除 (confirm: void the rating, count it in the technician-month's one offence; "
         "dismiss). Answers the flag and its `consequences`", tags=TAGS, body=FraudDecisionIn,
         responses={200: FraudFlagOut}, errors=(404, 409, 422), headers=IF_MATCH,
         error_codes={404: ("fraud_flag_not_found",), 409: CONFLICT_CODES,
                      422: ("validation_error",)})
def decision(flag_id: int):
    data = FraudDecisionIn().load(request.get_json(silent=True) or {})
    outcome, found = _decide(flag_id, data, dry_run=False)
    flag = outcome.flag
    audit_outcome(f"flag_{data['decision']}", f"flag {flag.id}", outcome,
                  order_no=flag.order.order_no, employee_no=flag.technician.employee_no,
                  note=data["note"])
    body = FraudFlagOut().dump(flag)
    db.session.commit()
    return with_etag({**body, "consequences": ConsequenceOut(many=True).dump(found)}, "flag",
                     flag)


@bp.post("/fraud/flags/<int:flag_id>/preview")
@require_roles("auditor", "manager")
@api_doc("决定预演 (dry run: what confirming or dismissing this flag would do to the technician "
         "— offence number, fine, suspension, voided rating, the month's install pay)",
         tags=TAGS, body=FraudDecisionIn, responses={200: FraudPreviewOut},
         errors=(404, 409, 422), headers=IF_MATCH,
         error_codes={404: ("fraud_flag_not_found",), 409: CONFLICT_CODES})
def preview(flag_id: int):
    data = FraudDecisionIn().load(request.get_json(silent=True) or {})
    outcome, found = _decide(flag_id, data, dry_run=True)
    return _preview_body(data["decision"], outcome, found)


@bp.post("/fraud/flags/<int:flag_id>/reversal")
@require_roles("manager")
@api_doc("撤销确认 (a manager undoes a confirmation: the rating counts again, the month's offence "
         "and later months' numbering are recomputed, a suspension that no longer applies ends)",
         tags=TAGS, body=FraudReversalIn, responses={200: FraudFlagOut},
         errors=(404, 409, 422), headers=IF_MATCH,
         error_codes={404: ("fraud_flag_not_found",), 409: ("decision_conflict",)})
def reversal(flag_id: int):
    data = FraudReversalIn().load(request.get_json(silent=True) or {})
    outcome, found = _on_flag(
        flag_id, data.get("expected_status"), lambda ctx, expect: service.reverse_flag(
            flag_id=flag_id, reason=data["reason"], ctx=ctx, expect=expect), dry_run=False)
    flag = outcome.flag
    audit_outcome("flag_reversed", f"flag {flag.id}", outcome, order_no=flag.order.order_no,
                  employee_no=flag.technician.employee_no, reason=data["reason"])
    body = FraudFlagOut().dump(flag)
    db.session.commit()
    return with_etag({**body, "consequences": ConsequenceOut(many=True).dump(found)}, "flag",
                     flag)


@bp.post("/fraud/flags/<int:flag_id>/appeals")
@require_roles("auditor")
@api_doc("登记申诉 (record a technician's appeal against a confirmed flag)", tags=TAGS,
         body=FraudAppealIn, responses={201: FraudAppealOut}, errors=(404, 409, 422),
         error_codes={409: ("flag_not_confirmed", "appeal_open")})
def appeal(flag_id: int):
    data = FraudAppealIn().load(request.get_json(silent=True) or {})
    row = service.file_appeal(flag_id=flag_id, reason=data["reason"],
                              filed_by=data.get("filed_by") or g.api_key.name)
    db.session.commit()
    return FraudAppealOut().dump(row), 201


@bp.post("/fraud/appeals/<int:appeal_id>/resolution")
@require_roles("auditor")
@api_doc("处理申诉 (uphold: the confirmation is reversed as a manager's undo would; or reject)",
         tags=TAGS, body=FraudAppealResolutionIn, responses={200: FraudAppealOut},
         errors=(404, 409, 422), error_codes={409: ("appeal_resolved", "decision_conflict")})
def resolve(appeal_id: int):
    data = FraudAppealResolutionIn().load(request.get_json(silent=True) or {})
    row, outcome = service.resolve_appeal(appeal_id=appeal_id, ctx=context(),
                                          upheld=data["decision"] == "upheld", note=data["note"])
    if outcome is not None:
        audit_outcome("flag_reversed", f"flag {row.flag_id}", outcome, appeal=row.id,
                      reason=data["note"])
    db.session.commit()
    return FraudAppealOut().dump(row)


@bp.post("/fraud/samples")
@require_roles("auditor")
@api_doc("抽取回访样本 (draw a month's callback sample by score band plus unflagged ratings)",
         tags=TAGS, body=FraudSampleIn, responses={201: FraudSampleOut}, errors=(422,))
def draw_sample():
    data = FraudSampleIn().load(request.get_json(silent=True) or {})
    sample = service.draw_sample(by=g.api_key.name, tz_name=settings()["tz_name"], **data)
    db.session.commit()
    return FraudSampleOut().dump(service.sample_report(sample.id)), 201


@bp.get("/fraud/samples/<int:sample_id>")
@require_roles("auditor")
@api_doc("回访样本与估计 (the call list and precision/recall estimates)", tags=TAGS,
         responses={200: FraudSampleOut}, errors=(404,))
def sample(sample_id: int):
    return FraudSampleOut().dump(service.sample_report(sample_id))


@bp.post("/fraud/samples/<int:sample_id>/items/<int:item_id>/outcome")
@require_roles("auditor")
@api_doc("记录回访结果 (customer confirmed / denied / unreachable)", tags=TAGS,
         body=FraudOutcomeIn, responses={200: FraudSampleOut}, errors=(404, 422))
def outcome(sample_id: int, item_id: int):
    data = FraudOutcomeIn().load(request.get_json(silent=True) or {})
    service.record_outcome(sample_id=sample_id, item_id=item_id, by=g.api_key.name, **data)
    db.session.commit()
    return FraudSampleOut().dump(service.sample_report(sample_id))
