"""The H5 rating pages: from a scanned badge (or an SMS link) to a thank-you, without the
mini-program. Server-rendered, Chinese, mobile-first, CSRF-protected.

    /b/<token>/rate      badge landing's "评价服务": WeChat OAuth, binding if needed, pick an order
    /h5/bind             bind a broadband account with an SMS code to its registered phone
    /h5/orders/<no>/rate the form: stars, tags that follow the stars, comment
    /s/<signed token>    SMS link of one order: WeChat OAuth inside WeChat, an SMS code outside
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
from app.errors import AppError
from app.extensions import db
from app.identity import accounts
from app.identity import service as identity
from app.identity.decorators import h5_current_user, h5_login_required, h5_sign_in
from app.identity.errors import VerificationFailed
from app.identity.tokens import TokenClaims
from app.masking import mask_phone
from app.masterdata import service as masterdata
from app.rating import links, rules, service
from app.rating.submission import RATING_IN, submit
from app.redirects import safe_next

bp = Blueprint("h5_rating", __name__)

CHANNEL_KEY = "rating_channel"      # session: "sms_link" while following an SMS link


def _read_sms_link(token: str) -> int | None:
    config = current_app.config
    return links.read_sms_link_token(config["SECRET_KEY"], token,
                                     max_age=(config["RATING_WINDOW_DAYS"] + 1) * 86400)


def _message(title: str, text: str, status: int = 200, link=None):
    return render_template("rating/message.html", title=title, text=text, link=link,
                           brand=badges.branding()), status


ORDER_TYPES = {"install": "装机", "move": "移机", "repair": "维修"}
PRODUCTS = {"broadband": "宽带", "iptv": "单装IPTV", "iptv_bundled": "同装IPTV", "landline": "固话",
            "campus": "校园宽带"}


def order_label(order) -> str:
    """`装机 · 宽带 · 10月03日 12:00 完成`, in the operator's time zone."""
    done = order.completed_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return (f"{ORDER_TYPES[order.order_type]} · {PRODUCTS[order.product]} · "
            f"{done:%m月%d日 %H:%M} 完成")


def _in_wechat() -> bool:
    return "MicroMessenger" in request.user_agent.string


@bp.get("/b/<badge_token>/rate")
@h5_login_required
def start(badge_token: str):
    """After the scan: bind first if needed, then the orders of this technician to rate."""
    try:
        badge = badges.resolve_badge(badge_token)
    except AppError as exc:
        return _message("工牌无效", exc.message, exc.status)
    here = url_for(".start", badge_token=badge_token)
    if not service.has_bindings(g.user.id):
        return redirect(url_for(".bind", next=here))
    orders = service.rateable_orders(user_id=g.user.id, technician_id=badge.technician_id,
                                     window_days=current_app.config["RATING_WINDOW_DAYS"])
    if len(orders) == 1:
        return redirect(url_for(".rate", order_no=orders[0].order_no))
    choices = [(order.order_no, order_label(order)) for order in orders]
    return render_template("rating/pick.html", orders=choices, profile=badges.public_profile(badge),
                           bind_url=url_for(".bind", next=here), brand=badges.branding())


@bp.route("/h5/bind", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def bind():
    """Two steps on one page: send a code to the account's phone, then type it in."""
    next_url = _safe_next(request.values.get("next"))
    account_no = (request.form.get("account_no") or "").strip()
    error = sent = None
    if request.method == "POST":
        try:
            if request.form.get("step") == "send":
                accounts.request_sms_code(user=g.user, account_no=account_no)
                db.session.commit()
                sent = True
            else:
                accounts.bind_account(user=g.user, account_no=account_no,
                                      sms_code=(request.form.get("sms_code") or "").strip())
                db.session.commit()
                return redirect(next_url)
        except VerificationFailed as exc:
            db.session.commit()     # the failed attempt counts towards the rate limit
            error, sent = exc.message, True
        except AppError as exc:
            error, sent = exc.message, request.form.get("step") != "send"
    return render_template("rating/bind.html", account_no=account_no, sent=sent, error=error,
                           next_url=next_url, brand=badges.branding())


@bp.route("/h5/orders/<order_no>/rate", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def rate(order_no: str):
    channel = session.get(CHANNEL_KEY, "h5")
    errors: dict = {}
    form = {"stars": 5, "tags": [], "comment": ""}
    if request.method == "POST":
        form = {"stars": request.form.get("stars", type=int), "comment": request.form.get(
            "comment", ""), "tags": request.form.getlist("tags")}
        try:
            data = RATING_IN.load({"order_no": order_no, **form})
            body, _status = submit(rater=TokenClaims(g.user.id, g.user.token_version),
                                   data=data, channel=channel,
                                   idempotency_key=request.form.get("form_id") or None)
            db.session.commit()
            return redirect(url_for(".thanks", order_no=order_no, stars=body["stars"]))
        except ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            if exc.code in ("already_rated", "rating_window_closed", "order_not_completed",
                            "rater_is_technician", "order_not_found"):
                return _message("无法评价", exc.message, exc.status)
            errors = exc.details.get("fields") or {"_": [exc.message]}
    order = masterdata.find_order(order_no)
    if order is None or not service.is_bound(g.user.id, order.account_id):
        # An order of someone else's account reads as a missing one: nothing about it is shown.
        return _message("无法评价", service.OrderNotFound.message, 404)
    if order.completed_at is None:
        return _message("无法评价", "工单尚未完成，暂不能评价 (the order is not completed)", 409)
    return render_template("rating/form.html", order_label=order_label(order), form=form,
                           errors=errors,
                           tags=service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE")),
                           form_id=uuid.uuid4().hex, max_comment=rules.COMMENT_MAX,
                           brand=badges.branding())


@bp.get("/h5/orders/<order_no>/thanks")
def thanks(order_no: str):
    stars = request.args.get("stars", type=int)
    recovery = stars is not None and rules.opens_recovery(stars)
    return render_template("rating/thanks.html", recovery=recovery, brand=badges.branding())


@bp.get("/s/<token>")
def sms_link(token: str):
    """The SMS link of one order, valid while the order can be rated."""
    order = service.order_by_id(_read_sms_link(token))
    if order is None:
        return _message("链接无效", "评价链接无效或已过期 (this link is not valid)", 404)
    if not service.in_window(order, current_app.config["RATING_WINDOW_DAYS"]):
        return _message("评价已结束", "已超过评价期限 (the rating window has closed)", 410)
    session[CHANNEL_KEY] = "sms_link"
    target = url_for(".rate", order_no=order.order_no)
    user = h5_current_user()
    if user is not None:
        return redirect(target if service.is_bound(user.id, order.account_id)
                        else url_for(".bind", next=target))
    if _in_wechat():
        return redirect("/h5/login?" + urlencode({"next": url_for(".sms_link", token=token)}))
    return redirect(url_for(".sms_verify", token=token))


@bp.route("/s/<token>/verify", methods=["GET", "POST"])
@csrf_protect
def sms_verify(token: str):
    """Outside WeChat: prove the account's registered phone with an SMS code, then rate."""
    order = service.order_by_id(_read_sms_link(token))
    if order is None:
        return _message("链接无效", "评价链接无效或已过期 (this link is not valid)", 404)
    account = order.account
    error = None
    sent = False
    if request.method == "POST":
        user = h5_current_user()
        try:
            if request.form.get("step") == "send":
                if user is None:
                    user = identity.create_phone_user()
                accounts.request_sms_code(user=user, account_no=account.account_no)
                db.session.commit()
                h5_sign_in(user)
                session[CHANNEL_KEY] = "sms_link"
                sent = True
            elif user is not None:
                accounts.bind_account(user=user, account_no=account.account_no,
                                      sms_code=(request.form.get("sms_code") or "").strip())
                db.session.commit()
                return redirect(url_for(".rate", order_no=order.order_no))
            else:
                error = "请先获取验证码 (request a code first)"
        except VerificationFailed as exc:
            db.session.commit()     # the failed attempt counts towards the rate limit
            error, sent = exc.message, True
        except AppError as exc:
            error, sent = exc.message, request.form.get("step") != "send"
    return render_template("rating/sms_verify.html", phone=mask_phone(account.phone), sent=sent,
                           error=error, brand=badges.branding())


def _safe_next(target: str | None) -> str:
    return safe_next(target, default=url_for(".bind_done"))


@bp.get("/h5/bind/done")
@h5_login_required
def bind_done():
    return _message("绑定成功", "宽带账号已绑定，请重新扫描装维人员的工牌进行评价。")
