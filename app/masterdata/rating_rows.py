"""Row rules of the `ratings` import (historical ratings from an operator's old rating system).

Kept apart from `specs.py` because they read other domains: the tag catalogue and comment rules
of ratings, and the WeChat users behind the raters' openids (created on first sight, as a login
would, so a rater who later logs in here is the same person).
"""
from __future__ import annotations

import ipaddress
import re

from flask import current_app

from app.identity.service import users_for_openids
from app.rating.rules import clean_comment, misfit_tags
from app.rating.tags import load_catalogue, tag_stars

CHANNEL = "imported"
_TAG_SPLIT = re.compile(r"[,;|，；\s]+")


def finish_rating(row: dict) -> None:
    if row["order_no.status"] != "completed" or row["order_no.completed_at"] is None:
        raise ValueError("order_no: 工单未完成，不能有评价 (the order is not completed)")
    row["stars"] = int(row["stars"])
    tags = list(dict.fromkeys(t for t in _TAG_SPLIT.split(row["tags"] or "") if t))
    misfits = misfit_tags(row["stars"], tags,
                          tag_stars(load_catalogue(current_app.config.get("RATING_TAGS_FILE"))))
    if misfits:
        raise ValueError(f"tags: {','.join(misfits)} 与 {row['stars']} 星不符或不在标签目录中 "
                         "(tags unknown or not fitting the stars)")
    if row["client_ip"]:
        try:
            row["client_ip"] = str(ipaddress.ip_address(row["client_ip"]))
        except ValueError:
            raise ValueError("client_ip: 不是合法的 IP 地址 (not an IP address)") from None
    row.update(tags=tags, comment=clean_comment(row["comment"] or ""), channel=CHANNEL,
               technician_id=row["order_no.technician_id"], created_at=row["rated_at"],
               presence=False)


def prepare_ratings(rows: list[dict]) -> None:
    """Resolve every row's rater (official-account openid, unionid if given) to a user id."""
    users = users_for_openids(app="oa", appid=current_app.config["WECHAT_OA_APPID"],
                              raters={r["openid"]: r["unionid"] for r in rows})
    for r in rows:
        r["user_id"] = users[r["openid"]]
