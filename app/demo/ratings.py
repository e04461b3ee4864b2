"""Demo WeChat customers and their ratings, with planted fraud for auditors to find.

Honest customers bind their own account and rate some of their orders soon after completion.
Two planted cases give the review queue something real to confirm:
- a ring: one WeChat identity binds five accounts of one technician's customers and rates them
  all five stars within minutes, days after the work, with near-identical comments;
- a colleague: a WeChat user bound as a technician rates a teammate's order.
Ratings go through `rating.service.submit_rating` (with the rating time as `now`), so they obey
every rule real ones do; re-running skips orders already rated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.identity import service as identity_service
from app.identity.models import AccountBinding, TechnicianBinding
from app.identity.tokens import TokenClaims
from app.masterdata.models import Technician, WorkOrder
from app.rating import service as rating_service

RING_TECHNICIAN = "ZW1005"
COLLEAGUE_RATER = "ZW1012"
RING_SIZE = 5
RING_COMMENT = "师傅非常专业，准时上门，安装速度很快，讲解耐心细致，服务态度特别好，五星好评{}"
RING_ENDINGS = ("！", "！！", "。", "👍", "~")
RING_IP, RING_UA = "223.104.5.77", "Mozilla/5.0 (Linux; Android 12; V2049A) MicroMessenger/8.0.47"
STARS = [(5, 62), (4, 24), (3, 7), (2, 4), (1, 3)]
COMMENTS_GOOD = ["师傅很专业", "准时上门，服务很好", "态度好，装得快", "讲解很耐心，谢谢师傅",
                 "网速很快，满意", "穿了鞋套，走的时候还把垃圾带走了", "很满意", "非常好",
                 "修得很快，半小时就好了", "师傅人很好，下雨天也准时来了"]
COMMENTS_BAD = ["约好上午来，下午才到", "网络还是时不时断", "态度一般", "没有清理现场",
                "说要另外收调试费", "问题没解决，还要再报修"]
AGENTS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) MicroMessenger/8.0.49",
          "Mozilla/5.0 (Linux; Android 13; PGT-AN10) MicroMessenger/8.0.47",
          "Mozilla/5.0 (Linux; Android 14; 23127PN0CC) MicroMessenger/8.0.50"]


@dataclass(frozen=True)
class DemoOrder:
    id: int
    order_no: str
    account_id: int
    completed_at: datetime
    employee_no: str
    team: str


@dataclass
class RatingStats:
    rated: int = 0
    skipped: int = 0
    planted: int = 0


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _customer(order: DemoOrder, appid: str):
    user = identity_service.identity_user(app="oa", appid=appid,
                                          openid=f"demo_oa_{order.account_id}", unionid=None)
    _bind(user.id, order.account_id)
    return user


def _bind(user_id: int, account_id: int) -> None:
    # A demo binding stands for a proof already made (the SMS or phone code of the account).
    exists = db.session.scalar(select(AccountBinding.id).where(
        AccountBinding.user_id == user_id, AccountBinding.account_id == account_id))
    if exists is None:
        db.session.add(AccountBinding(user_id=user_id, account_id=account_id, method="sms"))
        db.session.flush()


def _rate(stats: RatingStats, *, user, order: DemoOrder, stars: int, tags: list[str],
          comment: str, at: datetime, ip: str, agent: str, config: dict) -> None:
    try:
        rating_service.submit_rating(
            rater=TokenClaims(user.id, user.token_version), order_no=order.order_no, stars=stars,
            tags=tags, comment=comment, channel="h5", window_days=config["RATING_WINDOW_DAYS"],
            catalogue=rating_service.tag_catalogue(config.get("RATING_TAGS_FILE")),
            client_ip=ip, user_agent=agent, now=at,
            recovery_hours=config["RECOVERY_DUE_HOURS"], presence_hours=config["PRESENCE_HOURS"])
        stats.rated += 1
    except AppError:
        stats.skipped += 1          # already rated (a re-run) or outside the window


def seed_ratings(*, start: datetime, now: datetime, config: dict, seed: int = 2026,
                 share: float = 0.35, on_batch=None, batch_size: int = 200) -> RatingStats:
    """Rate about `share` of the orders completed in [start, now), plus the planted cases."""
    rng = random.Random(seed)
    stats = RatingStats()
    appid = config["WECHAT_OA_APPID"]
    catalogue = rating_service.tag_catalogue(config.get("RATING_TAGS_FILE"))
    positive = [t.code for t in catalogue if t.polarity == "positive"]
    negative = [t.code for t in catalogue if t.polarity == "negative"]
    # Plain rows, not ORM objects: thousands of loaded orders would make every flush slow.
    orders = [DemoOrder(*row) for row in db.session.execute(
        select(WorkOrder.id, WorkOrder.order_no, WorkOrder.account_id, WorkOrder.completed_at,
               Technician.employee_no, Technician.team)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(WorkOrder.status == "completed", WorkOrder.completed_at >= start,
               WorkOrder.completed_at < now)
        .order_by(WorkOrder.completed_at, WorkOrder.order_no))]

    ring = _ring_orders(orders, now)
    colleague_target = _colleague_target(orders, now)
    ring_ids = {o.id for o in ring} | ({colleague_target.id} if colleague_target else set())
    for order in orders:
        if order.id in ring_ids or rng.random() > share:
            continue
        at = order.completed_at + timedelta(hours=min(150.0, rng.lognormvariate(1.2, 1.1)))
        if at >= now:
            continue
        stars = _pick(rng, STARS)
        pool, comments = (positive, COMMENTS_GOOD) if stars >= 4 else (negative, COMMENTS_BAD)
        tags = rng.sample(pool, rng.choice((0, 1, 1, 2)))
        comment = rng.choice(comments) if rng.random() < 0.55 else ""
        user = _customer(order, appid)
        _rate(stats, user=user, order=order, stars=stars, tags=tags, comment=comment, at=at,
              ip=f"117.136.{rng.randrange(256)}.{rng.randrange(1, 255)}",
              agent=rng.choice(AGENTS), config=config)
        if on_batch and stats.rated % batch_size == 0:
            on_batch(stats)

    if ring:
        ringleader = identity_service.identity_user(app="oa", appid=appid,
                                                    openid="demo_oa_ring_0001", unionid=None)
        first = max(o.completed_at for o in ring) + timedelta(hours=30)
        for i, order in enumerate(ring):
            _bind(ringleader.id, order.account_id)
            _rate(stats, user=ringleader, order=order, stars=5, tags=["on_time", "professional"],
                  comment=RING_COMMENT.format(RING_ENDINGS[i % len(RING_ENDINGS)]),
                  at=first + timedelta(minutes=2 * i, seconds=17 * i), ip=RING_IP, agent=RING_UA,
                  config=config)
        stats.planted += len(ring)
    stats.planted += _colleague_rating(colleague_target, appid=appid, config=config, stats=stats)
    return stats


def _ring_orders(orders: list[DemoOrder], now: datetime) -> list[DemoOrder]:
    """RING_SIZE orders of the ring technician for different accounts, completed within 5 days of
    each other (so a burst 30 hours after the last is inside every one's 7-day rating window)
    and early enough that the burst is in the past."""
    mine = [o for o in orders if o.employee_no == RING_TECHNICIAN
            and o.completed_at + timedelta(days=4) < now]
    for i in range(len(mine)):
        chosen, accounts = [], set()
        for order in mine[i:]:
            if order.completed_at - mine[i].completed_at > timedelta(days=5):
                break
            if order.account_id not in accounts:
                chosen.append(order)
                accounts.add(order.account_id)
            if len(chosen) == RING_SIZE:
                return chosen
    return []


def _colleague_target(orders: list[DemoOrder], now: datetime) -> DemoOrder | None:
    """An order of a teammate of COLLEAGUE_RATER, for the colleague case."""
    candidates = [o for o in orders if o.employee_no != COLLEAGUE_RATER
                  and o.team == _team_of(orders, COLLEAGUE_RATER)
                  and o.completed_at + timedelta(days=2) < now]
    return candidates[len(candidates) // 3] if candidates else None


def _team_of(orders: list[DemoOrder], employee_no: str) -> str | None:
    return next((o.team for o in orders if o.employee_no == employee_no),
                None)


def _colleague_rating(target: DemoOrder | None, *, appid: str, config: dict,
                      stats: RatingStats) -> int:
    """A technician's own WeChat rates a teammate's order through a customer's account."""
    colleague = db.session.scalar(select(Technician).where(Technician.employee_no == COLLEAGUE_RATER))
    if colleague is None or target is None:
        return 0
    user = identity_service.identity_user(app="oa", appid=appid,
                                          openid=f"demo_oa_tech_{colleague.employee_no}",
                                          unionid=None)
    if db.session.scalar(select(TechnicianBinding.id).where(TechnicianBinding.user_id == user.id)) \
            is None:
        db.session.add(TechnicianBinding(technician_id=colleague.id, user_id=user.id,
                                         phone=colleague.phone))
    _bind(user.id, target.account_id)
    before = stats.rated
    _rate(stats, user=user, order=target, stars=5, tags=["friendly"], comment="很好",
          at=target.completed_at + timedelta(hours=3), ip="10.21.3.15",
          agent=AGENTS[0], config=config)
    return stats.rated - before
