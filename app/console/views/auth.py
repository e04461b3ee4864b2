"""Sign-in and sign-out."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from app.console import service
from app.console.views.base import (allowed, audit, begin_session, bp, client_ip, end_session,
                                    safe_next)
from app.errors import TooManyRequests
from app.extensions import db


def home_for(user) -> str:
    if allowed("review", user):
        return url_for("console.queue")
    return url_for("console.month_report")


@bp.get("/")
def index():
    if g.staff is None:
        return redirect(url_for("console.login"))
    return redirect(home_for(g.staff))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.staff is not None:
            return redirect(next_url or home_for(g.staff))
        return render_template("console/login.html", next=next_url, error=None)
    username = request.form.get("username", "")
    try:
        user = service.sign_in(username=username, password=request.form.get("password", ""),
                               ip=client_ip())
    except service.SignInFailed as exc:
        db.session.commit()            # the counted failure and its audit entry
        return render_template("console/login.html", next=next_url, error=exc.message,
                               username=username), 401
    except TooManyRequests as exc:
        return render_template("console/login.html", next=next_url, error=exc.message,
                               username=username), 429, exc.headers
    begin_session(user)
    db.session.commit()
    return redirect(next_url or home_for(user))


@bp.post("/logout")
def logout():
    if g.staff is not None:
        audit("sign_out", g.staff.username)
    end_session()
    db.session.commit()
    return redirect(url_for("console.login"))
