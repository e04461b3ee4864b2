"""Rating API: a customer's scan of a badge (the orders they may rate), tag catalogue, submission,
a technician's own ratings, staff order view and service-recovery tasks."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.pagination import PageQuery, page_body
from app.badge import presence
from app.badge import service as badges
from app.identity.decorators import claims_required, customer_required, technician_required
from app.rating import links, listing, rules, service
from app.rating.submission import IDEMPOTENCY_HEADER, RATING_IN, submit
from app.rating.schemas import (
    BadgeLandingOut, FollowUpIn, FollowUpOut, MonthRatingsQuery, OrderOut, OwnRatingListOut, RatingIn,
    RatingLineListOut, RatingOut,
    RecoveryCloseIn, RecoveryQuery, RecoveryTaskListOut, RecoveryTaskOut, SmsLinkOut, TagListOut)

bp = Blueprint("rating", __name__)

_BADGE_TOKEN = {"type": "string", "description": "badge token (26 characters, base32) or a live "
                                                 "badge token (32 characters, see "
                                                 "/api/v1/technician/badge/live)"}


@bp.get("/badges/<token>")
@customer_required
@api_doc("扫码：装维人员信息与可评价工单 (scan landing: technician, binding state, orders the "
         "customer can rate now, one page; a live badge token also records the customer's "
         "presence. 404 badge_not_found; 410 badge_revoked, or badge_expired for a live token "
         "past its steps)", tags=["badges"], path_params={"token": _BADGE_TOKEN},
         query=PageQuery, responses={200: BadgeLandingOut}, errors=(401, 422, 404, 410),
         auth="user_token")
def scan_landing(token: str):
    args = PageQuery().load(request.args)
    scan = presence.scan_badge(token, user_id=g.user.id, channel="miniprogram",
                               client_ip=request.remote_addr)
    db.session.commit()         # the presence a live token records
    badge = scan.badge
    page = service.rateable_orders_page(user_id=g.user.id, technician_id=badge.technician_id,
                                        window_days=current_app.config["RATING_WINDOW_DAYS"],
                                        **args)
    return BadgeLandingOut().dump({
        "technician": badges.public_profile(badge),
        "needs_binding": not service.has_bindings(g.user.id),
        "rateable_orders": page.items,
        "rateable_page": {"page": page.page, "per_page": page.per_page, "total": page.total,
                          "pages": page.pages},
        "presence": scan.presence})


@bp.get("/rating-tags")
@api_doc("评价标签 (the rating tag catalogue)", tags=["ratings"], responses={200: TagListOut})
def rating_tags():
    catalogue = service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    return TagListOut().dump({"items": catalogue})


@bp.post("/ratings")
@claims_required
@api_doc("提交评价 (rate a completed order; 404 order_not_found answers both \"no such order\" "
         "and \"not an order of an account you bound\")", tags=["ratings"], body=RatingIn,
         responses={201: RatingOut}, errors=(401, 403, 404, 409, 422), auth="user_token",
         headers={IDEMPOTENCY_HEADER: "retries with the same key get the first answer"})
def create_rating():
    data = RATING_IN.load(request.get_json(silent=True) or {})
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()[:100] or None
    body, status = submit(rater=g.claims, data=data, channel="miniprogram", idempotency_key=key)
    db.session.commit()
    return body, status


@bp.post("/ratings/<order_no>/follow-up")
@customer_required
@api_doc("追评 (the rater adds a follow-up comment to their rating, once, inside the rating window; "
         "the stars never change; 404 order_not_found answers both \"no such order\" and \"not an "
         "order of an account you bound\")", tags=["ratings"], body=FollowUpIn,
         responses={201: FollowUpOut}, errors=(401, 403, 404, 409, 422), auth="user_token",
         error_codes={403: ("not_rater",), 404: ("order_not_found",),
                      409: ("not_rated", "follow_up_exists", "rating_window_closed")})
def follow_up(order_no: str):
    data = FollowUpIn().load(request.get_json(silent=True) or {})
    added = service.add_follow_up(user_id=g.user.id, order_no=order_no, comment=data["comment"],
                                  window_days=current_app.config["RATING_WINDOW_DAYS"],
                                  client_ip=request.remote_addr)
    db.session.commit()
    return FollowUpOut().dump(added), 201


@bp.get("/technician/ratings")
@technician_required
@api_doc("我的评价 (a technician's own ratings, without who gave them)", tags=["ratings"],
         query=PageQuery, responses={200: OwnRatingListOut}, errors=(401, 403),
         auth="user_token")
def own_ratings():
    args = PageQuery().load(request.args)
    return OwnRatingListOut().dump(page_body(service.ratings_of_technician(g.technician.id,
                                                                         **args)))


@bp.get("/admin/orders/<order_no>")
@require_roles("manager", "auditor")
@api_doc("工单详情与有效星级 (an order, its rating, callbacks and effective star)",
         tags=["ratings"], responses={200: OrderOut}, errors=(404,))
def admin_order(order_no: str):
    return OrderOut().dump(service.describe_order(order_no))


_FILES = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


@bp.get("/admin/ratings")
@require_roles("manager", "auditor")
@api_doc("评价明细 (the ratings of the orders completed in a month, with 在场扫码 presence and "
         "validity, never who rated; format=csv (UTF-8 with BOM) or xlsx gives every line as a "
         "file)", tags=["ratings"], query=MonthRatingsQuery, responses={200: {
             "description": "OK", "content": {"application/json": {"schema": RatingLineListOut},
                                              **{m.split(";")[0]: _BINARY
                                                 for m in _FILES.values()}}}})
def month_ratings():
    args = MonthRatingsQuery().load(request.args)
    config = current_app.config
    fmt, page, per_page, month = (args.pop(k) for k in ("format", "page", "per_page", "month"))
    query = service.month_ratings(month, tz_name=config["TIMEZONE"], **args)
    if fmt == "json":
        return RatingLineListOut().dump({
            "items": service.rating_lines(query, page=page, per_page=per_page), "page": page,
            "per_page": per_page, "total": (total := service.count_lines(query)),
            "pages": -(-total // per_page)})
    data = listing.ratings_file(
        service.rating_lines(query), fmt, month=month, tz_name=config["TIMEZONE"],
        catalogue=service.tag_catalogue(config.get("RATING_TAGS_FILE")),
        presence_hours=config["PRESENCE_HOURS"])
    return Response(data, content_type=_FILES[fmt], headers={
        "Content-Disposition": f"attachment; filename=ratings.{fmt}; "
                               f"filename*=UTF-8''{quote(f'评价明细-{month}')}.{fmt}",
        "Cache-Control": "no-store"})


@bp.get("/admin/recovery-tasks")
@require_roles("manager", "auditor")
@api_doc("满意度修复工单 (service-recovery tasks; overdue=true for overdue ones)",
         tags=["recovery"], query=RecoveryQuery, responses={200: RecoveryTaskListOut})
def recovery_tasks():
    args = RecoveryQuery().load(request.args)
    return RecoveryTaskListOut().dump(page_body(service.list_recovery_tasks(**args)))


@bp.post("/admin/recovery-tasks/<int:task_id>/claim")
@require_roles("manager", "auditor")
@api_doc("认领修复工单 (claim a recovery task)", tags=["recovery"],
         responses={200: RecoveryTaskOut}, errors=(404, 409))
def claim_recovery(task_id: int):
    task = service.claim_recovery_task(task_id=task_id, by=g.api_key.name)
    db.session.commit()
    return RecoveryTaskOut().dump(task)


@bp.post("/admin/recovery-tasks/<int:task_id>/close")
@require_roles("manager", "auditor")
@api_doc("关闭修复工单并填写处理说明 (close a recovery task with a note)", tags=["recovery"],
         body=RecoveryCloseIn, responses={200: RecoveryTaskOut}, errors=(404, 409))
def close_recovery(task_id: int):
    data = RecoveryCloseIn().load(request.get_json(silent=True) or {})
    task = service.close_recovery_task(task_id=task_id, by=g.api_key.name, **data)
    db.session.commit()
    return RecoveryTaskOut().dump(task)


@bp.get("/admin/orders/<order_no>/sms-link")
@require_roles("manager", "integration")
@api_doc("工单的短信评价链接 (the SMS rating link of an order, valid during its window)",
         tags=["ratings"], responses={200: SmsLinkOut}, errors=(404, 409))
def order_sms_link(order_no: str):
    order = service.rateable_order(order_no, window_days=current_app.config["RATING_WINDOW_DAYS"])
    token = links.make_sms_link_token(current_app.config["SECRET_KEY"], order.id)
    return SmsLinkOut().dump({
        "order_no": order.order_no,
        "url": f"{current_app.config['PUBLIC_BASE_URL']}/s/{token}",
        "expires_at": rules.window_closes_at(order.completed_at,
                                             current_app.config["RATING_WINDOW_DAYS"])})
