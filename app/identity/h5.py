"""H5 pages for a customer's broadband accounts: bind one with an SMS code, list and unbind them.

    /h5/bind                       account number → code to its registered phone → bound
    /h5/bindings                   the accounts this WeChat user has bound
    /h5/bindings/<id>/unbind       confirm, then unbind (POST)

The SMS step (`send_code`, `check_code`, app/identity/sms_step.py) is shared with the SMS-link
page outside WeChat (app/rating/h5.py). It tells the customer where the code went (masked), when
they may ask again and, when a limit is reached, how many minutes to wait — and never says "sent"
when nothing was sent because of a limit. For an account that does not exist the page reads
exactly as for one that does (a stand-in masked phone, the same words); see
accounts.request_sms_code.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.csrf import csrf_protect
from app.errors import NotFound
from app.extensions import db
from app.identity import accounts
from app.identity.decorators import h5_login_required
from app.identity.sms_step import SmsStep, check_code, send_code
from app.masking import mask_account_no, mask_address
from app.redirects import safe_next

bp = Blueprint("h5_account", __name__)

@bp.route("/h5/bind", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def bind():
    """Two steps on one page: send a code to the account's phone, then type it in."""
    next_url = _safe_next(request.values.get("next"))
    account_no = (request.form.get("account_no") or "").strip()
    step = SmsStep()
    if request.method == "POST":
        if not account_no:
            step = SmsStep(error="请填写宽带账号。")
        elif request.form.get("step") == "send":
            step = send_code(g.user, account_no)
        else:
            binding, step = check_code(g.user, account_no,
                                       (request.form.get("sms_code") or "").strip())
            if binding is not None:
                flash(f"绑定成功：宽带账号 {mask_account_no(account_no)} 已绑定到您的微信。", "ok")
                return redirect(next_url)
    return render_template("account/bind.html", account_no=account_no, step=step,
                           next_url=next_url)


@bp.get("/h5/bindings")
@h5_login_required
def bindings():
    items = [_binding_row(b) for b in accounts.list_bindings(user=g.user)]
    return render_template("account/bindings.html", items=items,
                           bind_url=url_for(".bind", next=url_for(".bindings")))


@bp.route("/h5/bindings/<int:binding_id>/unbind", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def unbind(binding_id: int):
    """Ask first (GET), then unbind (POST). Someone else's binding is a plain 404."""
    row = next((_binding_row(b) for b in accounts.list_bindings(user=g.user)
                if b.id == binding_id), None)
    if row is None:
        raise NotFound("绑定不存在 (binding not found)", code="binding_not_found")
    if request.method == "POST":
        accounts.unbind_account(user=g.user, binding_id=binding_id)
        db.session.commit()
        flash(f"已解除绑定：宽带账号 {row['account_no']}。", "ok")
        return redirect(url_for(".bindings"))
    return render_template("account/unbind.html", binding=row)


def _binding_row(binding) -> dict:
    return {"id": binding.id, "account_no": mask_account_no(binding.account.account_no),
            "address": mask_address(binding.account.address),
            "bound_on": binding.created_at}


def _safe_next(target: str | None) -> str:
    return safe_next(target, default=url_for(".bindings"))

