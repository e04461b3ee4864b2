"""Mini-program API: login, technician binding, customer account bindings."""
from __future__ import annotations

from flask import Blueprint, g, request

from app.apidocs.registry import api_doc
from app.extensions import db
from app.identity import accounts, service
from app.identity.decorators import customer_required, login_required
from app.identity.errors import VerificationFailed
from app.identity.schemas import (BindingIn, BindingListOut, BindingOut, LoginIn, LoginOut,
                                  SmsAcceptedOut, SmsRequestIn, TechnicianBindIn,
                                  TechnicianBindOut)

bp = Blueprint("identity", __name__)
_WECHAT_ERRORS = (400, 503)   # wechat_code_invalid; wechat_rate_limited / wechat_busy / unavailable


def _json() -> dict:
    return request.get_json(silent=True) or {}


@bp.post("/auth/login")
@api_doc(summary="小程序登录 (exchange a wx.login code for a user token)", tags=["auth"],
         body=LoginIn, responses={200: LoginOut}, errors=_WECHAT_ERRORS)
def login():
    data = LoginIn().load(_json())
    result = service.login_miniprogram(code=data["code"])
    technician = service.technician_of(result.user) if result.role == "technician" else None
    if technician is not None:
        service.technician_seen.send(technician, client_ip=request.remote_addr,
                                     user_agent=request.user_agent.string)
    db.session.commit()
    return LoginOut().dump(result), 200


@bp.post("/auth/logout")
@login_required
@api_doc(summary="退出登录 (revoke every token of this user)", tags=["auth"], auth="user_token",
         responses={204: None}, errors=(401,))
def logout():
    service.revoke_tokens(g.user)
    db.session.commit()
    return "", 204


@bp.post("/technician/bind")
@login_required
@api_doc(summary="装维人员身份绑定 (bind to a technician by employee_no + phone code)",
         tags=["technician"], auth="user_token", body=TechnicianBindIn,
         responses={200: TechnicianBindOut}, errors=(401, 403, 409, 429) + _WECHAT_ERRORS)
def bind_technician():
    data = TechnicianBindIn().load(_json())
    try:
        technician = service.bind_technician(user=g.user, **data)
    except VerificationFailed:
        db.session.commit()   # the failed attempt counts even though the answer is an error
        raise
    db.session.commit()
    return TechnicianBindOut().dump({"technician": technician}), 200


@bp.post("/bindings")
@customer_required
@api_doc(summary="绑定宽带账号 (bind a broadband account by phone code or SMS code)",
         tags=["bindings"], auth="user_token", body=BindingIn, responses={201: BindingOut},
         errors=(401, 403, 429) + _WECHAT_ERRORS)
def create_binding():
    data = BindingIn().load(_json())
    try:
        binding = accounts.bind_account(user=g.user, **data)
    except VerificationFailed:
        db.session.commit()   # the failed attempt counts even though the answer is an error
        raise
    db.session.commit()
    return BindingOut().dump(binding), 201


@bp.post("/bindings/sms")
@customer_required
@api_doc(summary="发送绑定短信验证码 (send an SMS code to the account's registered phone; the "
                 "answer is the same for an unknown account, with a stable stand-in masked "
                 "phone). 429 too_many_attempts: details.retry_after seconds and details.reason "
                 "resend_wait | user_limit | account_limit — nothing was sent",
         tags=["bindings"], auth="user_token", body=SmsRequestIn, responses={202: SmsAcceptedOut},
         errors=(401, 429))
def request_binding_sms():
    data = SmsRequestIn().load(_json())
    asked = accounts.request_sms_code(user=g.user, account_no=data["account_no"])
    db.session.commit()      # the task that makes and sends the code leaves on commit
    return SmsAcceptedOut().dump({
        "status": "accepted",
        "message": "如账号信息无误，验证码已发送至登记手机 (if the account exists, a code was sent)",
        "masked_phone": asked.masked_phone, "resend_in": asked.resend_in}), 202


@bp.get("/bindings")
@customer_required
@api_doc(summary="我的绑定 (my bound accounts, masked)", tags=["bindings"], auth="user_token",
         responses={200: BindingListOut}, errors=(401,))
def list_bindings():
    return BindingListOut().dump({"items": accounts.list_bindings(user=g.user)}), 200


@bp.delete("/bindings/<int:binding_id>")
@customer_required
@api_doc(summary="解除绑定 (unbind an account)", tags=["bindings"], auth="user_token",
         responses={204: None}, errors=(401, 404))
def delete_binding(binding_id: int):
    accounts.unbind_account(user=g.user, binding_id=binding_id)
    db.session.commit()
    return "", 204


