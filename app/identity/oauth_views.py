"""H5 sign-in through the official account's web OAuth, and the signed-in customer's start page.

    /h5/login             → WeChat OAuth (snsapi_base) → /h5/oauth/callback → signed in → `next`
    /h5/me                the accounts this WeChat user has bound (a link to bind one)
"""
from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, abort, current_app, redirect, render_template, request, session

from app.extensions import db
from app.identity import accounts
from app.identity import service as identity
from app.identity.decorators import h5_current_user, h5_sign_in
from app.redirects import safe_next
from app.wechat import gateway

bp = Blueprint("h5_signin", __name__)
OAUTH_STATE = "wx_oauth_state"
OAUTH_NEXT = "wx_oauth_next"


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect here would lend our domain to phishing.
    return safe_next(target, default="/h5/me")


@bp.get("/h5/login")
def h5_login():
    """Send the browser to WeChat web OAuth (snsapi_base: no consent screen, openid only)."""
    state = secrets.token_urlsafe(16)
    session[OAUTH_STATE] = state
    session[OAUTH_NEXT] = _safe_next(request.args.get("next"))
    callback = current_app.config["PUBLIC_BASE_URL"] + "/h5/oauth/callback"
    return redirect(gateway.oauth_authorize_url(callback, state), code=302)


@bp.get("/h5/oauth/callback")
def h5_oauth_callback():
    """WeChat sends the browser back with `code` and our `state` (checked against CSRF)."""
    expected = session.pop(OAUTH_STATE, None)
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected or not hmac.compare_digest(expected, state):
        abort(400, description="登录请求已失效，请重新打开页面 (OAuth state mismatch)")
    if not code:
        abort(400, description="微信未授权 (no OAuth code)")
    target = _safe_next(session.get(OAUTH_NEXT))
    oauth = gateway.oauth_exchange(code)
    user = identity.login_official_account(openid=oauth.openid, unionid=oauth.unionid)
    db.session.commit()
    h5_sign_in(user)
    return redirect(target, code=302)


@bp.get("/h5/me")
def h5_me():
    user = h5_current_user()
    if user is None:
        return redirect("/h5/login?next=/h5/me")
    return render_template("account/me.html", count=len(accounts.list_bindings(user=user)))


