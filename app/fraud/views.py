"""Fraud review API (SPEC flow 5): scan, the queue, a flag's detail, decisions, sanctions,
appeals and callback samples. Auditors review; managers may also run scans and read sanctions."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.fraud import service
from app.fraud.schemas import (
    FlagOrderOut, FlagRatingOut, FlagTechnicianOut, FraudAppealIn, FraudAppealOut,
    FraudAppealResolutionIn, FraudDecisionIn, FraudDecisionOut, FraudFlagDetailOut,
    FraudFlagListOut, FraudFlagOut, FraudFlagQuery, FraudOutcomeIn, FraudSampleIn, FraudSampleOut,
    FraudScanIn, FraudScanOut, SanctionListOut, SanctionOut, SanctionQuery)
from app.pagination import page_body

bp = Blueprint("fraud", __name__)
TAGS = ["fraud"]


def _settings() -> dict:
    return service.settings(current_app.config)


@bp.post("/fraud/scan")
@require_roles("auditor", "manager")
@api_doc("稽核扫描 (flag a month's ratings; re-running creates no duplicates)", tags=TAGS,
         body=FraudScanIn, responses={200: FraudScanOut}, errors=(422,))
def scan():
    data = FraudScanIn().load(request.get_json(silent=True) or {})
    result = service.scan_month(month=data["month"], **_settings())
    db.session.commit()
    return FraudScanOut().dump(result)


@bp.get("/fraud/flags")
@require_roles("auditor")
@api_doc("稽核队列 (flags, highest score first; filters: status, area, team, employee_no, "
         "detector, month)", tags=TAGS, query=FraudFlagQuery, responses={200: FraudFlagListOut},
         errors=(422,))
def flags():
    args = FraudFlagQuery().load(request.args)
    return FraudFlagListOut().dump(page_body(service.list_flags(**args)))


def _detail(flag) -> dict:
    history = service.flag_history(flag.id)
    body = FraudFlagOut().dump(flag)
    body.update(
        rating=FlagRatingOut().dump(flag.rating), order=FlagOrderOut().dump(flag.order),
        technician=FlagTechnicianOut().dump(flag.technician),
        decisions=FraudDecisionOut(many=True).dump(history["decisions"]),
        sanction=SanctionOut().dump(history["sanction"]) if history["sanction"] else None,
        appeals=FraudAppealOut(many=True).dump(history["appeals"]))
    return body


@bp.get("/fraud/flags/<int:flag_id>")
@require_roles("auditor")
@api_doc("稽核标记详情 (a flag with its rating, order, technician, reasons, decisions, sanction)",
         tags=TAGS, responses={200: FraudFlagDetailOut}, errors=(404,))
def flag_detail(flag_id: int):
    return _detail(service.get_flag(flag_id))


@bp.post("/fraud/flags/<int:flag_id>/decision")
@require_roles("auditor")
@api_doc("确认或排除 (confirm: void the rating and sanction the technician; dismiss: undo)",
         tags=TAGS, body=FraudDecisionIn, responses={200: FraudFlagOut}, errors=(404, 409, 422))
def decision(flag_id: int):
    data = FraudDecisionIn().load(request.get_json(silent=True) or {})
    flag = service.decide(flag_id=flag_id, by=g.api_key.name, tz_name=_settings()["tz_name"],
                          **service.fines(current_app.config), **data)
    db.session.commit()
    return FraudFlagOut().dump(flag)


@bp.get("/fraud/sanctions")
@require_roles("auditor", "manager")
@api_doc("处罚记录 (sanctions by technician and month)", tags=TAGS, query=SanctionQuery,
         responses={200: SanctionListOut})
def sanctions():
    args = SanctionQuery().load(request.args)
    rows = service.list_sanctions(employee_no=args.get("employee_no"), month=args.get("month"),
                                  active_only=not args["include_revoked"])
    return {"items": [{**SanctionOut().dump(s), "employee_no": employee_no}
                      for s, employee_no in rows]}


@bp.post("/fraud/flags/<int:flag_id>/appeals")
@require_roles("auditor")
@api_doc("登记申诉 (record a technician's appeal against a confirmed flag)", tags=TAGS,
         body=FraudAppealIn, responses={201: FraudAppealOut}, errors=(404, 409, 422))
def appeal(flag_id: int):
    data = FraudAppealIn().load(request.get_json(silent=True) or {})
    row = service.file_appeal(flag_id=flag_id, reason=data["reason"],
                              filed_by=data.get("filed_by") or g.api_key.name)
    db.session.commit()
    return FraudAppealOut().dump(row), 201


@bp.post("/fraud/appeals/<int:appeal_id>/resolution")
@require_roles("auditor")
@api_doc("处理申诉 (uphold: the flag is dismissed; or reject)", tags=TAGS,
         body=FraudAppealResolutionIn, responses={200: FraudAppealOut}, errors=(404, 409, 422))
def resolve(appeal_id: int):
    data = FraudAppealResolutionIn().load(request.get_json(silent=True) or {})
    row = service.resolve_appeal(appeal_id=appeal_id, upheld=data["decision"] == "upheld",
                                 note=data["note"], by=g.api_key.name,
                                 tz_name=_settings()["tz_name"])
    db.session.commit()
    return FraudAppealOut().dump(row)


@bp.post("/fraud/samples")
@require_roles("auditor")
@api_doc("抽取回访样本 (draw a month's callback sample by score band plus unflagged ratings)",
         tags=TAGS, body=FraudSampleIn, responses={201: FraudSampleOut}, errors=(422,))
def draw_sample():
    data = FraudSampleIn().load(request.get_json(silent=True) or {})
    sample = service.draw_sample(by=g.api_key.name, tz_name=_settings()["tz_name"], **data)
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
