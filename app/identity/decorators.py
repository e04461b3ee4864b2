"""Who is calling a mini-program or H5 view: `@login_required`, `@customer_required`,
`@technician_required`, `@claims_required` (Bearer user token), `@h5_login_required` (signed
session cookie)."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from flask import g, redirect, request, session

from app.auth.decorators import bearer_token
from app.identity import service
from app.identity.errors import InvalidUserToken, NotATechnician, TechnicianInactive

H5_SESSION_USER = "wx_user"   # session value: [user id, token version]
# Session values under this prefix are facts about this browser from before sign-in (a live badge
# it opened, app/badge/live_views.py) that the fresh session after sign-in keeps.
CARRY_PREFIX = "carry."


def _claims_from_bearer():
    token = bearer_token()
    claims = service.token_claims(token) if token else None
    if claims is None:
        raise InvalidUserToken()
    return claims


def _user_from_bearer():
    user = service.user_of_claims(_claims_from_bearer())
    if user is None:
        raise InvalidUserToken()
    return user


def login_required(view):
    """Any logged-in WeChat user; sets g.user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = _user_from_bearer()
        return view(*args, **kwargs)
    return wrapper


# Customers are every logged-in user; rules such as "a technician may not rate" live in services.
customer_required = login_required


def claims_required(view):
    """Like `login_required`, but without loading the user: sets g.claims (user id, token version)
    from a token whose signature and age are good.

    For the busiest write path only (rating submission), whose one query anchors on the user row
    with this token version, so a revoked token is still refused (401) without a round trip of
    its own. A view behind this decorator must pass g.claims to a service that checks them.
    """
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.claims = _claims_from_bearer()
        return view(*args, **kwargs)
    return wrapper


def technician_required(view):
    """A user bound to an active technician; sets g.user and g.technician."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = _user_from_bearer()
        technician = service.technician_of(g.user)
        if technician is None:
            raise NotATechnician()
        if technician.status != "active":
            raise TechnicianInactive(details={"status": technician.status})
        g.technician = technician
        return view(*args, **kwargs)
    return wrapper


def h5_current_user():
    """The WeChat user of this browser session (H5 pages), or None."""
    value = session.get(H5_SESSION_USER)
    if not value:
        return None
    user = service.get_user(value[0])
    return user if user is not None and user.token_version == value[1] else None


def h5_sign_in(user) -> None:
    """Make `user` the signed-in user of this browser session (after OAuth or an SMS proof)."""
    carried = {key: value for key, value in session.items() if key.startswith(CARRY_PREFIX)}
    session.clear()   # a fresh session for the signed-in user (no fixation of the old one)
    session.update(carried)
    session[H5_SESSION_USER] = [user.id, user.token_version]
    session.permanent = True


def h5_login_required(view):
    """H5 pages: send the browser through WeChat web OAuth first; sets g.user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = h5_current_user()
        if user is None:
            return redirect("/h5/login?" + urlencode({"next": request.full_path.rstrip("?")}))
        g.user = user
        return view(*args, **kwargs)
    return wrapper
