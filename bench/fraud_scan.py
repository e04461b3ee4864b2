"""Fraud-scan benchmark: a month of synthetic ratings with planted fraud of every kind and honest
look-alikes, scanned by the real service; precision/recall per detector, speed against a baseline.

    . .venv/bin/activate && python bench/fraud_scan.py [--technicians 200] [--orders 60]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_fraud] [--seed 2026]

Default database: a fresh SQLite file under bench/out/ (git-ignored). Data are written with Core
(untimed). Planted fraud: colleagues and technicians' own phones rating (rater_is_technician),
one WeChat user rating rings of accounts (multi_account_rater), the technician's phone submitting
several customers' ratings (shared_device), a pasted comment (duplicate_comment), ratings typed in
one sitting days later (burst), ratings before completion, 5★ against a dissatisfied callback, and
technicians who rate on the spot with customers' phones (response outliers). Honest look-alikes:
families with two accounts, landlords rating their flats, office and carrier-NAT addresses shared
by many, stock praise ("很好"), a building of flats rated right after each visit.

Timed: `scan_month` (load, detect, write flags, commit), a re-scan (must create nothing), and the
baseline: one SQL pass fetching the same ratings with the same joins. Then a callback sample is
drawn and "called" (answers from the ground truth, 15% unreachable) to compare the sampling
estimates with the true figures.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

MONTH = "2026-10"
TZ = timezone(timedelta(hours=8))
START = datetime(2026, 10, 1, tzinfo=TZ)
AREAS = {"城区营业部": ["城东装维班", "城西装维班", "城北装维班"], "南郊区": ["南郊一班", "南郊二班"],
         "新荣区": ["新荣装维班"], "阳高县": ["阳高装维班"]}
STREETS = ["迎宾街", "魏都大道", "御河东路", "永泰南路", "文兴路", "开源街", "同泰路", "平城街"]
UAS = [f"Mozilla/5.0 ({dev}) AppleWebKit/605.1.15 MicroMessenger/8.0.{v}"
       for dev in ("iPhone; iOS 17_4", "Linux; Android 14; HUAWEI", "Linux; Android 13; Xiaomi",
                   "Linux; Android 14; OPPO", "Linux; Android 12; vivo") for v in (47, 49, 50)]
STOCK = ["很好", "非常满意", "服务很好，非常满意", "师傅很专业", "好评", "满意", "不错", "五星好评",
         "师傅辛苦了", "服务态度好"]
OPENERS = ["师傅", "装维小哥", "这位师傅", "上门的师傅", "安装人员", "维修师傅"]
DEEDS = ["来得很准时", "提前打了电话", "雨天也按时到了", "穿了鞋套", "把线走得很整齐",
         "帮我把路由器换了位置", "顺便看了电视盒子", "耐心教老人用遥控器", "清理了现场垃圾",
         "测了每个房间的网速", "解释了光猫指示灯", "帮忙设置了WiFi密码"]
CLOSERS = ["，谢谢！", "，点赞。", "，很满意", "，辛苦了", "，下次还找他", "。", "，给五星", "！"]
TEMPLATES = ["师傅上门准时，安装专业细致，还耐心讲解了路由器的使用方法，非常感谢！",
             "装维师傅态度热情，技术过硬，网络调试得又快又好，强烈推荐给大家",
             "服务一流，工装鞋套穿戴整齐，完工后还清理了现场，必须五星好评"]
KINDS = {"rater_is_technician": "rater_is_technician", "multi_account": "multi_account_rater",
         "device": "shared_device", "duplicate": "duplicate_comment", "burst": "burst",
         "before": "rated_before_completion", "callback": "callback_contradiction",
         "outlier": "fast_response_outlier"}


class World:
    """Rows to insert plus the ground truth: rating id → planted kind."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.techs, self.accounts, self.orders, self.users = [], [], [], []
        self.tech_bindings, self.ratings, self.callbacks = [], [], []
        self.truth: dict[int, str] = {}
        self.lookalikes: Counter = Counter()

    def user(self) -> int:
        self.users.append({"id": len(self.users) + 1, "token_version": 0,
                           "created_at": START - timedelta(days=30)})
        return len(self.users)

    def account(self, area: str, address: str | None = None, phone: str | None = None) -> int:
        n = len(self.accounts) + 1
        self.accounts.append({
            "id": n, "account_no": f"0352{n:07d}", "holder_name": f"用户{n}",
            "phone": phone or f"139{n:08d}", "area": area,
            "address": address or f"{area}{self.rng.choice(STREETS)}{self.rng.randint(1, 400)}号"
                                  f"{self.rng.randint(1, 30)}栋{self.rng.randint(101, 2802)}室"})
        return n

    def order(self, tech: dict, completed: datetime, account: int | None = None) -> dict:
        n = len(self.orders) + 1
        row = {"id": n, "order_no": f"GD{n:09d}", "account_id": account or self.account(tech["area"]),
               "technician_id": tech["id"], "order_type": self.rng.choice(["install", "repair"]),
               "product": "broadband", "area": tech["area"],
               "created_at": completed - timedelta(hours=5), "completed_at": completed,
               "status": "completed"}
        self.orders.append(row)
        return row

    def rate(self, order: dict, user: int, rated_at: datetime, *, ip: str | None = None,
             ua: str | None = None, comment: str | None = None, stars: int = 5,
             kind: str | None = None) -> int:
        n = len(self.ratings) + 1
        self.ratings.append({
            "id": n, "order_id": order["id"], "technician_id": order["technician_id"],
            "user_id": user, "openid": f"o{user}", "stars": stars, "tags": [],
            "comment": self.honest_comment() if comment is None else comment,
            "channel": "miniprogram", "client_ip": ip or self.home_ip(user),
            "user_agent": ua or self.rng.choice(UAS), "created_at": rated_at})
        if kind:
            self.truth[n] = kind
        return n

    def honest_comment(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            return ""
        if roll < 0.8:
            return self.rng.choice(STOCK)
        return (self.rng.choice(OPENERS) + self.rng.choice(DEEDS) + "，" + self.rng.choice(DEEDS)
                + self.rng.choice(CLOSERS))

    def home_ip(self, user: int) -> str:
        roll = self.rng.random()
        if roll < 0.15:            # carrier NAT: a few addresses behind very many users
            return f"117.136.0.{self.rng.randint(1, 12)}"
        if roll < 0.22:            # office exits shared by whole companies
            return f"61.135.8.{self.rng.randint(1, 4)}"
        return f"10.{user // 65536 % 256}.{user // 256 % 256}.{user % 256}"


def delay(rng: random.Random) -> timedelta:
    """Honest customers: many within the hour, a long tail over the rating window."""
    return timedelta(minutes=min(7 * 24 * 60 - 10, rng.lognormvariate(4.2, 1.6)))


def build(technicians: int, per_tech: int, seed: int) -> World:
    rng = random.Random(seed)
    w = World(rng)
    teams = [(area, team) for area, names in AREAS.items() for team in names]
    for i in range(technicians):
        area, team = teams[i % len(teams)]
        w.techs.append({"id": i + 1, "employee_no": f"ZW{1001 + i}", "name": f"装维{i}",
                        "phone": f"138{i:08d}", "team": team, "area": area, "vendor": "自营",
                        "status": "active"})
    for tech in w.techs:                       # every technician logged in once with WeChat
        uid = w.user()
        tech["user"] = uid
        w.tech_bindings.append({"technician_id": tech["id"], "user_id": uid, "phone": tech["phone"],
                                "created_at": START - timedelta(days=20)})

    def completion() -> datetime:
        day = rng.randint(0, 29)
        return START + timedelta(days=day, hours=rng.randint(8, 18), minutes=rng.randint(0, 59))

    # Honest month: each technician's orders, about half rated.
    orders_of = defaultdict(list)
    for tech in w.techs:
        for _ in range(per_tech):
            order = w.order(tech, completion())
            orders_of[tech["id"]].append(order)
            if rng.random() < 0.5:
                w.rate(order, w.user(), order["completed_at"] + delay(rng),
                       stars=rng.choices([5, 4, 3, 2, 1], [70, 18, 6, 3, 3])[0])
            if rng.random() < 0.25:
                result = rng.choices(["satisfied", "dissatisfied", "no_answer"], [80, 4, 16])[0]
                w.callbacks.append({"order_id": order["id"], "channel": "ivr", "result": result,
                                    "called_at": order["completed_at"] + timedelta(days=2)})
    rated_orders = {r["order_id"] for r in w.ratings}
    stars_of = {r["order_id"]: r["stars"] for r in w.ratings}
    # Honest people also answer an IVR carelessly; leave those contradictions honest (noise).
    w.lookalikes["careless_ivr"] = sum(1 for c in w.callbacks if c["result"] == "dissatisfied"
                                       and stars_of.get(c["order_id"], 0) >= 4)

    techs = list(w.techs)
    rng.shuffle(techs)
    planted = iter(techs)

    # Look-alikes. Families: one user rates the home and the parents' account (2 accounts).
    for _ in range(40):
        uid = w.user()
        for _ in range(2):
            tech = rng.choice(w.techs)
            order = w.order(tech, completion())
            w.rate(order, uid, order["completed_at"] + delay(rng))
        w.lookalikes["family_two_accounts"] += 1
    # Landlords: one user, 4–6 flats in one building, same technician, rated after each visit.
    for k in range(10):
        tech, uid = rng.choice(w.techs), w.user()
        building = f"{tech['area']}平城街{500 + k}号"
        for f in range(rng.randint(4, 6)):
            order = w.order(tech, completion(), w.account(tech["area"], f"{building}{f + 1}单元101室"))
            w.rate(order, uid, order["completed_at"] + timedelta(minutes=rng.randint(20, 600)))
        w.lookalikes["landlord_flats"] += 1
    # A building of flats done in one afternoon, each customer rating right after their visit.
    for _ in range(10):
        tech, at = rng.choice(w.techs), completion()
        for f in range(5):
            order = w.order(tech, at + timedelta(minutes=25 * f))
            w.rate(order, w.user(), order["completed_at"] + timedelta(minutes=rng.randint(2, 8)))
        w.lookalikes["building_afternoon"] += 1

    # Planted fraud.
    for _ in range(10):                                    # a colleague rates
        tech = next(planted)
        colleague = rng.choice([t for t in w.techs if t["team"] == tech["team"] and t is not tech])
        order = w.order(tech, completion())
        w.rate(order, colleague["user"], order["completed_at"] + timedelta(hours=5),
               kind="rater_is_technician")
    for _ in range(6):                                     # accounts with the technician's phone
        tech = next(planted)
        order = w.order(tech, completion(), w.account(tech["area"], phone=tech["phone"]))
        w.rate(order, w.user(), order["completed_at"] + timedelta(hours=1),
               kind="rater_is_technician")
    for _ in range(10):                                    # rings: one user, many accounts
        tech, uid = next(planted), w.user()
        for _ in range(rng.randint(4, 6)):
            order = w.order(tech, completion())
            w.rate(order, uid, order["completed_at"] + timedelta(hours=rng.randint(2, 30)),
                   kind="multi_account")
    for _ in range(10):                                    # the technician's own phone
        tech = next(planted)
        ip, ua = f"172.16.{tech['id'] % 256}.9", rng.choice(UAS) + f" NetType/4G tech{tech['id']}"
        for _ in range(rng.randint(3, 4)):
            order = w.order(tech, completion())
            w.rate(order, w.user(), order["completed_at"] + timedelta(minutes=rng.randint(30, 900)),
                   ip=ip, ua=ua, kind="device")
    for k in range(10):                                    # coached, pasted comment
        tech = next(planted)
        text = TEMPLATES[k % len(TEMPLATES)].replace("师傅", f"{tech['name']}师傅", 1)
        for _ in range(rng.randint(3, 4)):
            order = w.order(tech, completion())
            w.rate(order, w.user(), order["completed_at"] + delay(rng),
                   comment=text + rng.choice(["", "！", "👍"]), kind="duplicate")
    for _ in range(10):                                    # typed in one sitting, days later
        tech = next(planted)
        orders = [w.order(tech, completion()) for _ in range(rng.randint(4, 5))]
        sitting = max(o["completed_at"] for o in orders) + timedelta(days=1, hours=3)
        for j, order in enumerate(orders):
            w.rate(order, w.user(), sitting + timedelta(minutes=2 * j), kind="burst")
    for _ in range(12):                                    # rated before the recorded completion
        tech = next(planted)
        order = w.order(tech, completion())
        w.rate(order, w.user(), order["completed_at"] - timedelta(minutes=rng.randint(30, 240)),
               kind="before")
    for _ in range(15):                                    # 5★ but the customer told IVR otherwise
        tech = next(planted)
        order = w.order(tech, completion())
        w.rate(order, w.user(), order["completed_at"] + timedelta(hours=3), kind="callback")
        w.callbacks.append({"order_id": order["id"], "channel": rng.choice(["ivr", "manual"]),
                            "result": "dissatisfied",
                            "called_at": order["completed_at"] + timedelta(days=2)})
    for _ in range(3):                                     # rates on the spot with customers' phones
        tech = next(planted)
        for order in orders_of[tech["id"]]:
            if order["id"] not in rated_orders and rng.random() < 0.9:
                w.rate(order, w.user(), order["completed_at"] + timedelta(minutes=rng.randint(1, 4)),
                       kind="outlier")
    return w


def load(w: World, url: str):
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from app import create_app
    from app.extensions import db
    from app.identity.models import TechnicianBinding, WeChatUser
    from app.masterdata.models import BroadbandAccount, CallbackResult, Technician, WorkOrder
    from app.rating.models import Rating

    app = create_app({"APP_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")
        now = START - timedelta(days=40)
        stamp = {"created": now, "updated": now}
        for model, rows in ((Technician, [{k: v for k, v in t.items() if k != "user"} | stamp
                                          for t in w.techs]),
                            (BroadbandAccount, [a | stamp for a in w.accounts]),
                            (WorkOrder, [o | stamp for o in w.orders]),
                            (WeChatUser, w.users), (TechnicianBinding, w.tech_bindings),
                            (Rating, w.ratings),
                            (CallbackResult, [c | stamp for c in w.callbacks])):
            for i in range(0, len(rows), 5000):
                db.session.execute(insert(model.__table__), rows[i:i + 5000])
        db.session.commit()
        if url.startswith("postgres"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return app


def evaluate(w: World, flags: dict[int, tuple[float, list[str]]]) -> list[tuple]:
    """Rows: (detector, flagged with it, true among them, planted of its kind, caught of its kind)."""
    rows = []
    for kind, detector in KINDS.items():
        fired = [rid for rid, (_, dets) in flags.items() if detector in dets]
        planted = [rid for rid, k in w.truth.items() if k == kind]
        caught = [rid for rid in planted if rid in flags and detector in flags[rid][1]]
        rows.append((detector, len(fired), sum(1 for rid in fired if rid in w.truth),
                     len(planted), len(caught)))
    others = sorted({d for _, dets in flags.values() for d in dets} - set(KINDS.values()))
    for detector in others:
        fired = [rid for rid, (_, dets) in flags.items() if detector in dets]
        rows.append((detector, len(fired), sum(1 for rid in fired if rid in w.truth), 0, 0))
    return rows


def pct(a: int, b: int) -> str:
    return f"{a / b:6.1%}" if b else "    – "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--orders", type=int, default=60, help="honest orders per technician")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None,
                        help="default: sqlite file bench/out/fraud_scan.db (recreated)")
    args = parser.parse_args()
    if args.database_url and "127.0.0.1" not in args.database_url \
            and "localhost" not in args.database_url:
        sys.exit("only local databases (127.0.0.1) are allowed")
    if args.database_url and args.database_url.rstrip("/").rsplit("/", 1)[-1] in (
            "test", "test_fraud", "test_wechat", "test_badge"):
        sys.exit("use a database of its own (e.g. bench_fraud), not a test database")
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url is None:
        path = OUT / "fraud_scan.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"

    t0 = time.perf_counter()
    world = build(args.technicians, args.orders, args.seed)
    app = load(world, url)
    print(f"data: {len(world.techs)} technicians, {len(world.orders)} orders, "
          f"{len(world.ratings)} ratings ({len(world.truth)} planted fakes: "
          f"{dict(Counter(world.truth.values()))}); look-alikes {dict(world.lookalikes)}; "
          f"built in {time.perf_counter() - t0:.1f} s on {url.split(':')[0]}")

    from sqlalchemy import select

    from app.extensions import db
    from app.fraud import service
    from app.fraud.models import FraudFlag, FraudSampleItem
    from app.fraud.service.facts import _facts_query
    from app.masterdata.models import WorkOrder
    from app.timeutil import month_bounds

    with app.app_context():
        settings = service.settings(app.config)
        start, end = month_bounds(MONTH, settings["tz_name"])

        baseline = float("inf")
        for _ in range(3):        # best of three: the first pass also warms caches for the scan
            t = time.perf_counter()
            rows = db.session.execute(_facts_query(WorkOrder.completed_at >= start,
                                                   WorkOrder.completed_at < end)).all()
            baseline = min(baseline, time.perf_counter() - t)
            db.session.rollback()

        t = time.perf_counter()
        first = service.scan_month(month=MONTH, **settings)
        db.session.commit()
        scan_seconds = time.perf_counter() - t
        t = time.perf_counter()
        again = service.scan_month(month=MONTH, **settings)
        db.session.commit()
        rescan_seconds = time.perf_counter() - t

        flags = {rid: (score, [d for d in dets.split(",") if d]) for rid, score, dets in
                 db.session.execute(select(FraudFlag.rating_id, FraudFlag.score,
                                           FraudFlag.detectors))}
        print(f"\nscan {MONTH}: {first.ratings_scanned} ratings, {first.flags_created} flags "
              f"created in {scan_seconds:.3f} s ({scan_seconds / max(first.ratings_scanned, 1) * 1e6:.0f}"
              f" µs per rating)")
        print(f"re-scan: {again.flags_created} created, {again.flags_updated} updated, "
              f"{again.flags_removed} removed, {again.flags_total} total in {rescan_seconds:.3f} s")
        print(f"baseline (one SQL pass, same joins, {len(rows)} rows): {baseline:.3f} s; "
              f"scan / baseline = {scan_seconds / baseline:.1f}×")

        print(f"\n{'detector':28} {'flagged':>8} {'precision':>10} {'planted':>8} {'recall':>8}")
        for detector, fired, true, planted, caught in evaluate(world, flags):
            print(f"{detector:28} {fired:8d} {pct(true, fired):>10} {planted:8d} "
                  f"{pct(caught, planted) if planted else '     –':>8}")
        flagged_true = sum(1 for rid in flags if rid in world.truth)
        print(f"{'overall (any flag)':28} {len(flags):8d} {pct(flagged_true, len(flags)):>10} "
              f"{len(world.truth):8d} {pct(flagged_true, len(world.truth)):>8}")
        honest_flagged = Counter()
        for rid in flags:
            if rid not in world.truth:
                honest_flagged[tuple(flags[rid][1])] += 1
        print(f"honest ratings flagged, by reasons: {dict(honest_flagged.most_common(6))}")

        # Callback sampling with answers from the ground truth (15% unreachable).
        rng = random.Random(args.seed)
        sample = service.draw_sample(month=MONTH, tz_name=settings["tz_name"], by="bench",
                                     per_band=25, unflagged=150, seed=args.seed)
        for item in db.session.scalars(select(FraudSampleItem).where(
                FraudSampleItem.sample_id == sample.id)):
            item.outcome = ("unreachable" if rng.random() < 0.15 else
                            "customer_denied" if item.rating_id in world.truth
                            else "customer_confirmed")
        db.session.commit()
        estimates = service.sample_report(sample.id)["estimates"]
        overall = estimates["overall"]
        print(f"\ncallback sample: {estimates['calls']} calls ({estimates['answered']} answered), "
              f"populations {sample.populations}; estimated precision {overall['precision']}, "
              f"recall {overall['recall']} (true: {flagged_true / max(len(flags), 1):.3f}, "
              f"{flagged_true / max(len(world.truth), 1):.3f})")


if __name__ == "__main__":
    main()
