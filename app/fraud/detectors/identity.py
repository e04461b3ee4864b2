"""`rater_is_technician`: the WeChat user behind the rating is a technician, or the rated account is
registered with the technician's own phone (so every phone/SMS proof for it reaches the technician).

Submission already refuses a user bound to the order's own technician; what reaches the scan is
a colleague's account, a binding made after the rating, or the technician's phone on the account.
"""
from __future__ import annotations

from app.fraud.detectors.base import DetectorResult, RatingFacts, TechnicianLink, mask_phone

ID = "rater_is_technician"


def rater_is_technician(r: RatingFacts, rater_links: list[TechnicianLink]) -> DetectorResult | None:
    """`rater_links`: every technician the rater's WeChat user (any of its openids, its unionid)
    was ever bound to."""
    own = [link for link in rater_links if link.technician_id == r.technician_id]
    if own:
        return DetectorResult(
            ID, 1.0,
            f"评价人的微信（用户 {r.user_id}）已认证为本工单装维人员 {r.employee_no} 本人。",
            f"The rater's WeChat user {r.user_id} is bound to the order's own technician "
            f"{r.employee_no}.",
            {"user_id": r.user_id, "openid": r.openid, "unionid": r.unionid,
             "technicians": [r.employee_no]})
    if r.technician_phone and r.account_phone and r.account_phone == r.technician_phone:
        return DetectorResult(
            ID, 0.85,
            f"宽带账号 {r.account_no} 的登记电话 {mask_phone(r.account_phone)} 就是装维人员 "
            f"{r.employee_no} 本人的电话，绑定验证码只会发到装维人员手中。",
            f"Account {r.account_no} is registered with technician {r.employee_no}'s own phone "
            f"{mask_phone(r.account_phone)}, so any binding proof went to the technician.",
            {"account_no": r.account_no, "phone": mask_phone(r.account_phone),
             "technicians": [r.employee_no]})
    if rater_links:
        same_team = [link for link in rater_links if r.team and link.team == r.team]
        links = same_team or rater_links
        names = sorted({link.employee_no for link in links})
        score = 0.8 if same_team else 0.6
        where_zh = "同班组" if same_team else "其他班组"
        where_en = "the same team" if same_team else "another team"
        return DetectorResult(
            ID, score,
            f"评价人的微信（用户 {r.user_id}）已认证为{where_zh}的装维人员 {'、'.join(names)}，"
            f"评价了 {r.employee_no} 的工单。",
            f"The rater's WeChat user {r.user_id} is bound to technician(s) {', '.join(names)} of "
            f"{where_en}, rating an order of {r.employee_no}.",
            {"user_id": r.user_id, "openid": r.openid, "unionid": r.unionid,
             "technicians": names, "same_team": bool(same_team)})
    return None
