"""The H5 rating pages: from a scanned badge (or an SMS link) to a thank-you, without the
mini-program. Server-rendered, Chinese only, mobile-first, CSRF-protected.

    /b/<token>/rate              badge landing's "评价服务": WeChat OAuth, binding if needed, pick
    /h5/orders/<no>/rate         the form — or, when the order cannot be rated by this customer,
                                 a page saying why and what to do (checked before any form shows)
    /h5/orders/<no>/thanks       the stored rating: thanks, or for 1–2★ an apology and the
                                 service-recovery task; a follow-up comment (追评) in the window
    /s/<signed token>            SMS link of one order: WeChat OAuth inside WeChat, an SMS code
                                 outside
Binding an account lives in app/identity/h5.py.
"""
from __future__ import annotations

import uuid
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import (Blueprint, current_app, g, redirect, render_template, request, session,
                   url_for)
from marshmallow import ValidationError

from app.badge import service as badges
from app.csrf import csrf_protect
from app.errors import AppError, chinese_only
from app.extensions import db
from app.identity import service as identity
from app.identity.decorators import h5_current_user, h5_login_required, h5_sign_in
from app.identity.sms_step import SmsStep, check_code, send_code
from app.masking import mask_phone
from app.rating import links, rules, service
from app.rating.service import customer as states
from app.rating.submission import RATING_IN, submit
from app.rating.tags import tag_stars

bp = Blueprint("h5_rating", __name__)

CHANNEL_KEY = "rating_channel"      # session: "sms_link" while following an SMS link
ORDER_TYPES = {"install": "装机", "move": "移机", "repair": "维修"}
PRODUCTS = {"broadband": "宽带", "iptv": "单装IPTV", "iptv_bundled": "同装IPTV", "landline": "固话",
            "campus": "校园宽带"}
STAR_WORDS = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}


def order_label(order) -> str:
    """`装机 · 宽带 · 10月03日 12:00 完成`, in the operator's time zone."""
    done = order.completed_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return (f"{ORDER_TYPES[order.order_type]} · {PRODUCTS[order.product]} · "
            f"{done:%m月%d日 %H:%M} 完成")


def _window_days() -> int:
    return current_app.config["RATING_WINDOW_DAYS"]


def _catalogue():
    return service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))


def _message(title: str, text: str, status: int = 200, primary: dict | None = None,
             note: str | None = None):
    return render_template("rating/message.html", title=title, text=text, primary=primary,
                           note=note), status


@bp.get("/b/<badge_token>/rate")
@h5_login_required
def start(badge_token: str):
    """After the scan: bind first if needed, then the orders of this technician to rate."""
    badge = badges.resolve_badge(badge_token)      # 404/410 answer as the error pages
    here = url_for(".start", badge_token=badge_token)
    if not service.has_bindings(g.user.id):
        return redirect(url_for("h5_account.bind", next=here))
    who = {"user_id": g.user.id, "technician_id": badge.technician_id,
           "window_days": _window_days()}
    orders = service.rateable_orders(**who)
    if len(orders) == 1:
        return redirect(url_for(".rate", order_no=orders[0].order_no))
    rated = service.recently_rated_orders(**who)      # to look at again, or add a follow-up
    return render_template("rating/pick.html", profile=badges.public_profile(badge),
                           orders=[(o.order_no, order_label(o)) for o in orders],
                           rated=[(o.order_no, order_label(o)) for o in rated],
                           bind_url=url_for("h5_account.bind", next=here))


@bp.route("/h5/orders/<order_no>/rate", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def rate(order_no: str):
    view = service.customer_order(user_id=g.user.id, order_no=order_no,
                                  window_days=_window_days())
    if view.state == states.RATED and request.method == "POST" and view.is_rater:
        # A double tap, or a second tab: the rating they gave is the answer.
        return redirect(url_for(".thanks", order_no=order_no), code=303)
    if view.state != states.RATEABLE:
        return _state_page(view, order_no)
    errors: list[str] = []
    form = {"stars": None, "tags": [], "comment": ""}     # the customer chooses every star
    if request.method == "POST":
        form = {"stars": request.form.get("stars", type=int), "tags": request.form.getlist("tags"),
                "comment": request.form.get("comment", "")}
        try:
            data = RATING_IN.load({"order_no": order_no, **form})
            submit(rater=identity.claims_of(g.user), data=data,
                   channel=session.get(CHANNEL_KEY, "h5"),
                   idempotency_key=request.form.get("form_id") or None)
            db.session.commit()
            return redirect(url_for(".thanks", order_no=order_no), code=303)
        except ValidationError as exc:
            errors = _form_errors(exc.messages, form)
        except AppError as exc:
            if exc.status != 422:
                # The order changed under the form (rated from another phone, window closed):
                # show what is true now. (The refusal came before any write.)
                return _state_page(service.customer_order(
                    user_id=g.user.id, order_no=order_no, window_days=_window_days()), order_no)
            errors = _form_errors(exc.details.get("fields") or {"_": [exc.message]}, form)
    return render_template(
        "rating/form.html", order_label=order_label(view.order), form=form, errors=errors,
        profile=badges.technician_profile(view.order.technician), tags=_catalogue(),
        form_id=uuid.uuid4().hex, max_comment=rules.COMMENT_MAX, star_words=STAR_WORDS,
        closes_at=view.window_closes_at)


@bp.get("/h5/orders/<order_no>/thanks")
@h5_login_required
def thanks(order_no: str):
    """The thank-you after submitting: worded by the stored rating, never by the URL."""
    view = service.customer_order(user_id=g.user.id, order_no=order_no,
                                  window_days=_window_days())
    if view.state != states.RATED:
        return redirect(url_for(".rate", order_no=order_no))
    return _rated_page(view, just_rated=True)


@bp.post("/h5/orders/<order_no>/follow-up")
@h5_login_required
@csrf_protect
def follow_up(order_no: str):
    """追评: text added to the rater's own rating inside the window; the stars stay."""
    comment = request.form.get("comment", "")
    try:
        service.add_follow_up(user_id=g.user.id, order_no=order_no, comment=comment,
                              window_days=_window_days(), client_ip=request.remote_addr)
    except AppError as exc:     # refused before any write
        view = service.customer_order(user_id=g.user.id, order_no=order_no,
                                      window_days=_window_days())
        if view.state != states.RATED:
            return _state_page(view, order_no)
        return _rated_page(view, follow_up_error=chinese_only(exc.message),
                           follow_up_text=comment, status=exc.status)
    db.session.commit()
    return redirect(url_for(".rate", order_no=order_no) + "#follow-up", code=303)


def _state_page(view, order_no: str):
    """Why this customer cannot rate this order now, and what to do instead."""
    if view.state == states.RATED:
        return _rated_page(view)
    if view.state == states.HIDDEN:
        # The same page whether the order does not exist or belongs to an account this user
        # has not bound: nothing here may tell which.
        here = url_for(".rate", order_no=order_no)
        return _message("未找到可评价的服务",
                        "没有找到这项服务，或它不属于您已绑定的宽带账号。"
                        "如果这是您家的宽带，请先绑定宽带账号后再评价。", 404,
                        primary={"url": url_for("h5_account.bind", next=here),
                                 "label": "绑定宽带账号"})
    if view.state == states.OWN_WORK:
        return _message("不能评价自己的服务", "装维人员不能评价自己完成的工单。", 403)
    if view.state == states.CANCELLED:
        return _message("该服务已取消", "这张工单已取消，无需评价。如有疑问，请拨打客服热线。", 409)
    if view.state == states.NOT_COMPLETED:
        return _message("服务尚未完成",
                        "这项服务还没有完成登记。完成后即可评价，届时请再次扫描装维人员的工牌或打开评价链接。",
                        409)
    closed = view.window_closes_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return _message("评价已截止",
                    f"这次服务的评价已于 {closed:%Y年%m月%d日 %H:%M} 截止"
                    f"（服务完成后 {_window_days()} 天内可以评价）。"
                    "如您对服务有意见，请拨打客服热线，我们会认真处理。", 410,
                    note=order_label(view.order))


def _rated_page(view, *, just_rated: bool = False, follow_up_error: str | None = None,
                follow_up_text: str = "", status: int = 200):
    labels = {tag.code: tag.label for tag in _catalogue()}
    return render_template(
        "rating/rated.html", view=view, just_rated=just_rated, rating=view.rating,
        order_label=order_label(view.order), star_words=STAR_WORDS,
        tags=[labels.get(code, code) for code in view.rating.tags],
        profile=badges.technician_profile(view.order.technician),
        low=rules.opens_recovery(view.rating.stars), max_comment=rules.COMMENT_MAX,
        follow_up_error=follow_up_error, follow_up_text=follow_up_text), status


# Chinese wording of what the form can get wrong (marshmallow's own messages are English).
_FIELD_TEXT = {"stars": "请先选择星级（1–5 颗星）。",
               "tags": "所选标签与星级不符，请重新选择标签。",
               "comment": f"建议最多 {rules.COMMENT_MAX} 字，请删减后再提交。"}


def _form_errors(messages: dict, form: dict) -> list[str]:
    errors = []
    for field in messages:
        if field == "tags" and form["stars"]:
            catalogue = _catalogue()
            misfits = set(rules.misfit_tags(form["stars"], form["tags"], tag_stars(catalogue)))
            labels = "、".join(f"“{t.label}”" for t in catalogue if t.code in misfits)
            if labels:
                errors.append(f"{labels}不适用于 {form['stars']} 星，请重新选择标签。")
                continue
        errors.append(_FIELD_TEXT.get(field) or "提交的内容有误，请检查后重试。")
    return errors


def _read_sms_link(token: str) -> int | None:
    config = current_app.config
    return links.read_sms_link_token(config["SECRET_KEY"], token,
                                     max_age=(config["RATING_WINDOW_DAYS"] + 1) * 86400)


def _link_invalid():
    return _message("评价链接无效", "这个评价链接无效或已过期。如需评价，请扫描装维人员的电子工牌。", 404)


def _in_wechat() -> bool:
    return "MicroMessenger" in request.user_agent.string


@bp.get("/s/<token>")
def sms_link(token: str):
    """The SMS link of one order, valid while the order can be rated."""
    order = service.order_by_id(_read_sms_link(token))
    if order is None:
        return _link_invalid()
    if not service.in_window(order, _window_days()):
        return _message("评价已截止", "这次服务的评价期限已过。如您对服务有意见，请拨打客服热线。", 410)
    session[CHANNEL_KEY] = "sms_link"
    target = url_for(".rate", order_no=order.order_no)
    user = h5_current_user()
    if user is not None:
        return redirect(target if service.is_bound(user.id, order.account_id)
                        else url_for("h5_account.bind", next=target))
    if _in_wechat():
        return redirect("/h5/login?" + urlencode({"next": url_for(".sms_link", token=token)}))
    return redirect(url_for(".sms_verify", token=token))


@bp.route("/s/<token>/verify", methods=["GET", "POST"])
@csrf_protect
def sms_verify(token: str):
    """Outside WeChat: prove the account's registered phone with an SMS code, then rate."""
    order = service.order_by_id(_read_sms_link(token))
    if order is None:
        return _link_invalid()
    # Read before any commit below: a lazy load after it would hold SQLite's write lock while
    # the code's task (run at once in tests) needs it.
    account_no, phone = order.account.account_no, mask_phone(order.account.phone)
    step = SmsStep()
    if request.method == "POST":
        user = h5_current_user()
        if request.form.get("step") == "send":
            if user is None:
                user = identity.create_phone_user()
                db.session.commit()
                h5_sign_in(user)
                session[CHANNEL_KEY] = "sms_link"
            step = send_code(user, account_no)
        elif user is None:
            step = SmsStep(error="请先获取验证码。")
        else:
            binding, step = check_code(user, account_no,
                                       (request.form.get("sms_code") or "").strip())
            if binding is not None:
                return redirect(url_for(".rate", order_no=order.order_no))
    return render_template("rating/sms_verify.html", phone=phone, step=step)
