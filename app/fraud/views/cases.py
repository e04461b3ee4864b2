"""Cases (案件): the queue of flags grouped by shared evidence, a case with everything about it,
one decision (with its preview) for the whole case or the ticked ratings, a manager's
reversal; and the offences (one per technician-month) decisions lead to."""
from __future__ import annotations

from flask import current_app, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.fraud import service
from app.fraud.case_schemas import (
    CaseFileOut, ConsequenceOut, FraudCaseDecisionIn, FraudCaseDecisionOut, FraudCaseDetailOut,
    FraudCaseListOut, FraudCaseOut, FraudCaseQuery, FraudPreviewOut, FraudReversalIn,
    OffenceListOut, OffenceQuery)
from app.fraud.views.base import (
    CONFLICT_CODES, IF_MATCH, TAGS, audit_outcome, bp, context, expectation, pay_of, with_etag)
from app.masterdata import service as masterdata
from app.pagination import page_body

NOT_FOUND = {404: ("fraud_case_not_found",)}


@bp.get("/fraud/cases")
@require_roles("auditor", "manager")
@api_doc("稽核案件队列 (cases: flags sharing evidence — one technician-month, one ring — "
         "strongest evidence first; filters: status, area, team, employee_no, detector, month)",
         tags=TAGS, query=FraudCaseQuery, responses={200: FraudCaseListOut}, errors=(422,))
def cases():
    args = FraudCaseQuery().load(request.args)
    page = service.list_cases(**args)
    members = service.case_members([c.id for c in page.items])
    body = FraudCaseListOut().dump(page_body(page))
    for item in body["items"]:
        item["employee_nos"] = [t.employee_no for t in members[item["id"]]["technicians"]]
        item["detectors"] = members[item["id"]]["detectors"]
    return body


def _detail(case) -> dict:
    today = masterdata.local_today(current_app.config["TIMEZONE"])
    return {**FraudCaseOut().dump(case), **CaseFileOut().dump(service.case_file(case, today=today))}


@bp.get("/fraud/cases/<int:case_id>")
@require_roles("auditor", "manager")
@api_doc("稽核案件详情 (a case's ratings, accounts, raters by label, technicians with status and "
         "offences, evidence, decisions; ETag for If-Match)", tags=TAGS,
         responses={200: FraudCaseDetailOut}, errors=(404,), error_codes=NOT_FOUND)
def case_detail(case_id: int):
    case = service.get_case(case_id)
    return with_etag(_detail(case), "case", case)


def _on_case(case_id: int, expected_status: str | None, act, *, dry_run: bool):
    case, ctx = service.get_case(case_id), context()
    expect = expectation("case", case_id, expected_status)
    return service.consequences.run(lambda: act(ctx, expect), scope=list(case.flags),
                                    pay_of=pay_of(), ctx=ctx, dry_run=dry_run)


def _decide(case_id: int, data: dict, *, dry_run: bool):
    rating_ids = data.get("rating_ids") if data["decision"] == "confirmed" else None
    return _on_case(case_id, data.get("expected_status"), lambda ctx, expect: service.decide_case(
        case_id=case_id, decision=data["decision"], note=data["note"], rating_ids=rating_ids,
        ctx=ctx, expect=expect), dry_run=dry_run)


@bp.post("/fraud/cases/<int:case_id>/preview")
@require_roles("auditor", "manager")
@api_doc("案件决定预演 (dry run of a case decision: per technician the offence it makes or "
         "extends — 第 1 次违规：罚款 5,000 元，2026-10 取消定星 / 第 2 次违规：罚款 1,000 元，"
         "待岗培训 30 天 —, the ratings voided and the month's install pay before and after; "
         "nothing is saved)", tags=TAGS, body=FraudCaseDecisionIn,
         responses={200: FraudPreviewOut}, errors=(404, 409, 422), headers=IF_MATCH,
         error_codes={**NOT_FOUND, 409: CONFLICT_CODES})
def case_preview(case_id: int):
    data = FraudCaseDecisionIn().load(request.get_json(silent=True) or {})
    outcome, found = _decide(case_id, data, dry_run=True)
    return FraudPreviewOut().dump({
        "dry_run": True, "decision": data["decision"],
        "confirm_rating_ids": [f.rating_id for f in outcome.confirmed],
        "dismiss_rating_ids": [f.rating_id for f in outcome.dismissed],
        "reverse_rating_ids": [], "consequences": found})


def _answer(outcome, found) -> tuple:
    case = outcome.case
    body = {**_detail(case), "consequences": ConsequenceOut(many=True).dump(found)}
    db.session.commit()
    return with_etag(body, "case", case)


@bp.post("/fraud/cases/<int:case_id>/decision")
@require_roles("auditor")
@api_doc("案件决定 (one decision and note for the case: confirm the ticked ratings — all when "
         "`rating_ids` is omitted — and dismiss the rest, or dismiss all; answers the case and "
         "the `consequences`, which equal the preview's)", tags=TAGS, body=FraudCaseDecisionIn,
         responses={200: FraudCaseDecisionOut}, errors=(404, 409, 422), headers=IF_MATCH,
         error_codes={**NOT_FOUND, 409: CONFLICT_CODES, 422: ("validation_error",)})
def case_decision(case_id: int):
    data = FraudCaseDecisionIn().load(request.get_json(silent=True) or {})
    outcome, found = _decide(case_id, data, dry_run=False)
    audit_outcome(f"case_{data['decision']}", f"case {case_id}", outcome, note=data["note"],
                  confirmed=[f.order.order_no for f in outcome.confirmed],
                  dismissed=[f.order.order_no for f in outcome.dismissed])
    return _answer(outcome, found)


@bp.post("/fraud/cases/<int:case_id>/reversal")
@require_roles("manager")
@api_doc("撤销案件确认 (a manager undoes every confirmation of the case: ratings restored, "
         "offences and later months' numbering recomputed, history kept)", tags=TAGS,
         body=FraudReversalIn, responses={200: FraudCaseDecisionOut}, errors=(404, 409, 422),
         headers=IF_MATCH, error_codes={**NOT_FOUND, 409: ("decision_conflict",)})
def case_reversal(case_id: int):
    data = FraudReversalIn().load(request.get_json(silent=True) or {})
    outcome, found = _on_case(case_id, data.get("expected_status"), lambda ctx, expect:
                              service.reverse_case(case_id=case_id, reason=data["reason"],
                                                   ctx=ctx, expect=expect), dry_run=False)
    audit_outcome("case_reversed", f"case {case_id}", outcome, reason=data["reason"],
                  reversed=[f.order.order_no for f in outcome.reversed])
    return _answer(outcome, found)


@bp.get("/fraud/offences")
@require_roles("auditor", "manager")
@api_doc("违规记录 (offences: one finding per technician and month, its number, fine, suspension "
         "and the confirmed ratings it rests on; /fraud/sanctions is the same list)", tags=TAGS,
         query=OffenceQuery, responses={200: OffenceListOut}, errors=(422,))
def offences():
    args = OffenceQuery().load(request.args)
    rows = service.list_offences(employee_no=args.get("employee_no"), month=args.get("month"),
                                 active_only=not args["include_revoked"])
    return OffenceListOut().dump({"items": rows})


# The name the first version of this API used for the same list.
bp.add_url_rule("/fraud/sanctions", endpoint="sanctions", view_func=offences, methods=["GET"])
