"""Everything a reviewer needs about one case, gathered once: its ratings with their orders and
accounts, the raters (by a readable label, never an internal id), the technicians with their
status and findings, the distinct pieces of evidence, and the decisions so far."""
from __future__ import annotations

import re
import string
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.fraud.models import FraudCase, FraudDecision, FraudFlag, FraudOffence
from app.identity.models import AccountBinding, TechnicianBinding
from app.masking import mask_address, mask_name, mask_phone
from app.masterdata import service as masterdata
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder

# How the score combines, in one line (app/fraud/detectors/combine.py).
SCORE_EXPLANATION = ("可疑分：每条证据的“规则分 × 权重”视作一个独立的作假概率，"
                     "合并为 1 − ∏(1 − 规则分 × 权重)，证据越多越接近 1；案件按其中最高分排序。")
SHOWN_PHONES = 2
# Detector texts name a WeChat user by internal id ("用户 17"); the case says "评价人A".
_USER_IN_TEXT = re.compile(r"(?:微信)?用户 ?(\d+)")
_INTERNAL = ("openid", "unionid")


def case_flags(case_id: int) -> list[FraudFlag]:
    return list(db.session.scalars(
        select(FraudFlag).where(FraudFlag.case_id == case_id)
        .options(joinedload(FraudFlag.rating),
                 joinedload(FraudFlag.order).joinedload(WorkOrder.account),
                 joinedload(FraudFlag.technician))
        .order_by(FraudFlag.score.desc(), FraudFlag.id)))


def rater_labels(user_ids) -> dict[int, dict]:
    """Each rater as people can read them: a letter in order of appearance, the masked phones
    of the accounts they bound, and the technician they proved to be, if any."""
    user_ids = list(dict.fromkeys(user_ids))
    phones: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for uid, phone in db.session.execute(
            select(AccountBinding.user_id, BroadbandAccount.phone)
            .join(BroadbandAccount, BroadbandAccount.id == AccountBinding.account_id)
            .where(AccountBinding.user_id.in_(user_ids)).order_by(AccountBinding.id)):
        if mask_phone(phone) not in phones[uid]:
            phones[uid].append(mask_phone(phone))
    staff = {uid: (name, no) for uid, name, no in db.session.execute(
        select(TechnicianBinding.user_id, Technician.name, Technician.employee_no)
        .join(Technician, Technician.id == TechnicianBinding.technician_id)
        .where(TechnicianBinding.user_id.in_(user_ids)))}
    out = {}
    for index, uid in enumerate(user_ids):
        letter = _letter(index)
        shown = "、".join(phones[uid][:SHOWN_PHONES]) or "未绑定账号"
        more = len(phones[uid]) - SHOWN_PHONES
        label = f"评价人{letter}（微信 · {shown}{f' 等 {len(phones[uid])} 个号码' if more > 0 else ''}）"
        if uid in staff:
            label += f" · 已认证为装维人员 {staff[uid][0]} {staff[uid][1]}"
        out[uid] = {"label": label, "letter": letter, "phones": phones[uid],
                    "technician": staff.get(uid, (None, None))[1]}
    return out


def _letter(index: int) -> str:
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else f"{letters[index // 26 - 1]}{letters[index % 26]}"


def case_file(case: FraudCase, *, today: date) -> dict:
    """The case as plain values for the API and the console page."""
    flags = case_flags(case.id)
    raters = rater_labels(f.rating.user_id for f in sorted(flags, key=lambda f: f.rating.created_at))
    ratings, accounts = [], {}
    for flag in flags:
        rating, order = flag.rating, flag.order
        account = order.account
        accounts.setdefault(account.account_no, {
            "account_no": account.account_no, "holder_name": mask_name(account.holder_name),
            "phone": mask_phone(account.phone), "address": mask_address(account.address),
            "ratings": 0})["ratings"] += 1
        ratings.append({
            "flag_id": flag.id, "rating_id": rating.id, "status": flag.status,
            "flag_version": flag.version, "score": flag.score, "detectors": flag.detector_ids,
            "month": flag.month, "order_no": order.order_no, "order_type": order.order_type,
            "product": order.product, "completed_at": order.completed_at,
            "employee_no": flag.technician.employee_no, "account_no": account.account_no,
            "holder_name": mask_name(account.holder_name), "phone": mask_phone(account.phone),
            "stars": rating.stars, "tags": list(rating.tags or []), "comment": rating.comment,
            "channel": rating.channel, "rated_at": rating.created_at, "valid": rating.is_valid,
            "presence": rating.presence,
            "rater": raters[rating.user_id]["label"],
            "rater_short": f"评价人{raters[rating.user_id]['letter']}"})
    rater_rows = []
    for uid, info in raters.items():
        mine = [f for f in flags if f.rating.user_id == uid]
        rater_rows.append({"label": info["label"], "ratings": len(mine),
                           "accounts": len({f.order.account_id for f in mine}),
                           "bound_phones": len(info["phones"]),
                           "is_technician": info["technician"] is not None})
    with_presence = sum(1 for r in ratings if r["presence"])
    return {"case": case, "ratings": ratings, "accounts": list(accounts.values()),
            "presence": {"with": with_presence, "without": len(ratings) - with_presence},
            "raters": rater_rows, "rater_ids": {uid: info["label"] for uid, info in raters.items()},
            "technicians": _technicians(flags, today),
            "reasons": _reasons(flags, {uid: info["letter"] for uid, info in raters.items()}),
            "decisions": _decisions(case.id, flags), "score_explanation": SCORE_EXPLANATION,
            "flags": flags}


def _technicians(flags: list[FraudFlag], today: date) -> list[dict]:
    people = {f.technician_id: f.technician for f in flags}
    until = masterdata.suspended_until(today, people)
    offences: dict[int, list[FraudOffence]] = {}
    for offence in db.session.scalars(select(FraudOffence).where(
            FraudOffence.technician_id.in_(list(people)), FraudOffence.revoked_at.is_(None))
            .order_by(FraudOffence.month)):
        offences.setdefault(offence.technician_id, []).append(offence)
    return [{"id": t.id, "employee_no": t.employee_no, "name": t.name, "team": t.team,
             "area": t.area, "status": masterdata.effective_status(t.status, t.id in until),
             "suspended_until": until.get(t.id),
             "ratings": sum(1 for f in flags if f.technician_id == t.id),
             "offences": [{"month": o.month, "offence_no": o.offence_no, "fine": o.fine,
                           "suspension": o.suspension} for o in offences.get(t.id, [])]}
            for t in sorted(people.values(), key=lambda t: t.employee_no)]


def _reasons(flags: list[FraudFlag], letters: dict[int, str]) -> list[dict]:
    """Each distinct piece of evidence once (a ring's is the same for all its ratings), strongest
    contribution first, with the ratings it concerns; raters named by their letter, never by
    an internal id."""
    seen: dict[tuple, dict] = {}
    for flag in flags:
        for reason in flag.reasons or []:
            evidence = reason.get("evidence") or {}
            key = (reason.get("detector"), _evidence_key(evidence, flag.id))
            score = float(reason.get("score") or 0)
            entry = seen.get(key)
            if entry is None or score > entry["score"]:
                seen[key] = entry = {
                    **reason, "score": score, "weight": float(reason.get("weight") or 0),
                    "detail": _readable(reason.get("detail") or "", letters),
                    "evidence": _scrubbed(evidence, letters), "rating_id": flag.rating_id,
                    "rating_ids": (entry or {}).get("rating_ids", [])}
            entry["rating_ids"].append(flag.rating_id)
    return sorted(seen.values(), key=lambda r: (-r["score"] * r["weight"], r["detector"]))


def _evidence_key(evidence: dict, flag_id: int):
    """Which piece of evidence this is: its group, else the set of ratings it lists (every
    rating of a ring lists the same), else it is about this flag's rating alone."""
    if evidence.get("group"):
        return evidence["group"]
    rows = evidence.get("ratings")
    if isinstance(rows, list) and rows:
        return frozenset(r.get("rating_id") for r in rows if isinstance(r, dict))
    return f"flag-{flag_id}"


def readable_reasons(reasons: list[dict], rater_id: int) -> tuple[list[dict], dict[int, dict]]:
    """A single flag's reasons for people: raters by label (the flag's own rater is A)."""
    ids = [rater_id] + _user_ids(reasons)
    labels = rater_labels(ids)
    letters = {uid: info["letter"] for uid, info in labels.items()}
    return ([{**r, "detail": _readable(r.get("detail") or "", letters),
              "evidence": _scrubbed(r.get("evidence") or {}, letters)} for r in reasons or []],
            labels)


def _user_ids(value) -> list[int]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "user_id" and isinstance(item, int):
                found.append(item)
            elif key == "users" and isinstance(item, list):
                found += [uid for uid in item if isinstance(uid, int)]
            else:
                found += _user_ids(item)
    elif isinstance(value, list):
        for item in value:
            found += _user_ids(item)
    return found


def _rater(uid, letters: dict[int, str]) -> str:
    return f"评价人{letters[uid]}" if uid in letters else "其他微信用户"


def _readable(text: str, letters: dict[int, str]) -> str:
    return _USER_IN_TEXT.sub(lambda m: _rater(int(m[1]), letters), text)


def _scrubbed(value, letters: dict[int, str]):
    """Evidence with user ids replaced by rater labels and WeChat ids left out."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _INTERNAL:
                continue
            if key == "user_id":
                out["rater"] = _rater(item, letters)
            elif key == "users" and isinstance(item, list):
                out["raters"] = [_rater(uid, letters) for uid in item]
            else:
                out[key] = _scrubbed(item, letters)
        return out
    if isinstance(value, list):
        return [_scrubbed(item, letters) for item in value]
    return value


def _decisions(case_id: int, flags: list[FraudFlag]) -> list[dict]:
    """Decisions on the case's flags, one line per decision taken (a case decision is one)."""
    rows = db.session.scalars(select(FraudDecision).where(
        FraudDecision.flag_id.in_([f.id for f in flags]))
        .order_by(FraudDecision.decided_at, FraudDecision.id))
    by_flag = {f.id: f for f in flags}
    out: dict[tuple, dict] = {}
    for row in rows:
        key = (row.decided_at, row.decided_by, row.case_id, row.note)
        entry = out.setdefault(key, {"decided_at": row.decided_at, "decided_by": row.decided_by,
                                     "note": row.note, "case_level": row.case_id == case_id,
                                     "confirmed": [], "dismissed": [], "reversed": [],
                                     "reopened": []})
        entry[row.decision].append(by_flag[row.flag_id].order.order_no)
    return list(out.values())
