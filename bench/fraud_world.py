"""A realistic month for the fraud benchmark (bench/fraud_bench.py), as import rows plus the truth.

60 technicians, about 6,000 completed orders and 2,400 ratings, each rating at its own moment
(a third on the spot within minutes, the rest over hours and days). Planted fake ratings of five
kinds — a ring of relatives' WeChat users, the same ring camouflaged (its members also rate other
technicians' customers, ordinary comments, normal delays, their own IPs), bursts with near-copy
comments typed in one sitting, ratings contradicted by later callbacks, ratings sent from the
technician's own phone — and the honest hard cases: families sharing one WeChat across two
accounts, an apartment block behind one carrier-NAT address, a star technician with 85%
participation and varied short praise, stock phrases, careless IVR keypresses.

Everything is keyed by business keys (order_no, openid) so it goes in through the imports.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

MONTH = "2026-10"
TZ = timezone(timedelta(hours=8))
START = datetime(2026, 10, 1, tzinfo=TZ)
AREAS = {"城区营业部": ["城东装维班", "城西装维班", "城北装维班"], "南郊区": ["南郊一班", "南郊二班"],
         "新荣区": ["新荣装维班"]}
STREETS = ["迎宾街", "魏都大道", "御河东路", "永泰南路", "文兴路", "开源街", "同泰路", "平城街"]
UAS = [f"Mozilla/5.0 ({dev}) AppleWebKit/605.1.15 MicroMessenger/8.0.{v}"
       for dev in ("iPhone; iOS 17_4", "Linux; Android 14; HUAWEI", "Linux; Android 13; Xiaomi",
                   "Linux; Android 14; OPPO", "Linux; Android 12; vivo") for v in (47, 49, 50)]
STOCK = ["很好", "非常满意", "服务很好，非常满意", "师傅很专业", "好评", "满意", "不错", "五星好评",
         "师傅辛苦了", "服务态度好", "服务非常好，非常满意"]
SUBJECTS = ["师傅", "装维师傅", "这位师傅", "小哥", "安装师傅", "维修师傅", "", "", ""]
PRAISES = ["很专业", "服务很好", "态度很好", "速度快", "很耐心", "WiFi信号好多了", "网速很快",
           "准时上门", "非常满意", "认真负责", "辛苦了", "点赞", "效率高", "技术好", "很热情",
           "讲解很清楚", "网络很稳定", "上门很及时", "服务周到", "干活利索", "信号满格了", "很细心"]
ENDINGS = ["", "！", "。", "，谢谢", "，谢谢师傅", "👍", "，给五星", "！！"]
DEEDS = ["来得很准时", "提前打了电话", "雨天也按时到了", "穿了鞋套", "把线走得很整齐",
         "帮我把路由器换了位置", "顺便看了电视盒子", "耐心教老人用遥控器", "清理了现场垃圾",
         "测了每个房间的网速", "解释了光猫指示灯", "帮忙设置了WiFi密码"]
COPIED = ["{name}师傅下午三点准时上门，把光猫从玄关移到了客厅电视柜旁边，还顺手把书房的网线重新压了水晶头",
          "{name}师傅帮我们把路由器换到二楼楼梯口，三个房间信号都满格了，老人看电视再也不卡了",
          "感谢{name}师傅冒雨上门排查，发现是楼道分纤箱的尾纤松了，半小时就修好了，非常负责"]
KINDS = ("ring", "camouflaged_ring", "burst_copy", "callback", "own_device")


@dataclass
class World:
    rng: random.Random
    technicians: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    callbacks: list = field(default_factory=list)
    ratings: list = field(default_factory=list)
    sightings: list = field(default_factory=list)        # (employee_no, ip, user_agent, at)
    truth: dict = field(default_factory=dict)            # order_no → planted kind
    camouflage: set = field(default_factory=set)         # order_nos rated as a ring's cover
    lookalikes: dict = field(default_factory=lambda: defaultdict(set))  # case → employee_nos
    planted_technicians: set = field(default_factory=set)
    rated: set = field(default_factory=set)
    _users: int = 0

    # --- rows ---------------------------------------------------------------------------------
    def user(self) -> tuple[str, str]:
        self._users += 1
        n = self._users
        return f"oOLD{n:07d}", (f"uOLD{n:07d}" if self.rng.random() < 0.6 else "")

    def account(self, area: str, address: str | None = None) -> str:
        n = len(self.accounts) + 1
        self.accounts.append({
            "account_no": f"0352{n:07d}", "holder_name": f"用户{n}", "phone": f"139{n:08d}",
            "address": address or f"{area}{self.rng.choice(STREETS)}{self.rng.randint(1, 400)}号"
                                  f"{self.rng.randint(1, 30)}栋{self.rng.randint(101, 2802)}室",
            "area": area})
        return f"0352{n:07d}"

    def order(self, tech: dict, completed: datetime, account: str | None = None) -> dict:
        n = len(self.orders) + 1
        row = {"order_no": f"GD{n:09d}", "account_no": account or self.account(tech["area"]),
               "employee_no": tech["employee_no"], "order_type": self.rng.choice(["install", "repair"]),
               "product": "broadband", "area": tech["area"],
               "created_at": iso(completed - timedelta(hours=5)), "completed_at": iso(completed),
               "status": "completed", "_completed": completed, "_tech": tech["employee_no"]}
        self.orders.append(row)
        return row

    def rate(self, order: dict, rater: tuple[str, str], at: datetime, *, stars: int = 5,
             comment: str | None = None, ip: str | None = None, ua: str | None = None,
             kind: str | None = None) -> None:
        assert order["order_no"] not in self.rated
        self.rated.add(order["order_no"])
        self.ratings.append({
            "order_no": order["order_no"], "rated_at": iso(at), "openid": rater[0],
            "unionid": rater[1], "stars": str(stars), "tags": "",
            "comment": self.honest_comment() if comment is None else comment,
            "client_ip": ip or self.home_ip(), "user_agent": ua or self.rng.choice(UAS)})
        if kind:
            self.truth[order["order_no"]] = kind

    def callback(self, order: dict, channel: str, result: str, after: timedelta) -> None:
        self.callbacks.append({"order_no": order["order_no"], "channel": channel, "result": result,
                               "called_at": iso(order["_completed"] + after)})

    # --- honest behaviour --------------------------------------------------------------------
    def praise(self) -> str:
        parts = self.rng.sample(PRAISES, self.rng.choice([1, 1, 2, 2, 3]))
        return self.rng.choice(SUBJECTS) + "，".join(parts) + self.rng.choice(ENDINGS)

    def honest_comment(self) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return ""
        if roll < 0.65:
            return self.rng.choice(STOCK)
        if roll < 0.92:
            return self.praise()
        return "师傅" + "，".join(self.rng.sample(DEEDS, 2)) + self.rng.choice(ENDINGS)

    def home_ip(self) -> str:
        roll = self.rng.random()
        if roll < 0.15:            # carrier NAT: a few addresses behind very many users
            return f"117.136.0.{self.rng.randint(1, 12)}"
        return f"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def delay(self) -> timedelta:
        if self.rng.random() < 0.33:          # on the spot, the badge in front of them
            return timedelta(minutes=self.rng.uniform(1, 10))
        return timedelta(minutes=min(7 * 24 * 60 - 10, self.rng.lognormvariate(5.5, 1.3)))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def build(seed: int, *, technicians: int = 60, orders_per_technician: int = 100,
          camouflage: int = 1) -> World:
    """One month; `camouflage` multiplies the camouflaged ring's cover ratings (1: as many as on
    its target, FRAUDAR's 1×; 2: twice as many)."""
    rng = random.Random(seed)
    w = World(rng)
    teams = [(area, team) for area, names in AREAS.items() for team in names]
    for i in range(technicians):
        area, team = teams[i % len(teams)]
        w.technicians.append({"employee_no": f"ZW{1001 + i}", "name": f"装维{i}",
                              "phone": f"138{i:08d}", "team": team, "area": area, "vendor": "自营",
                              "status": "active"})
    roles = list(w.technicians)
    rng.shuffle(roles)
    star, ring_t, camo_t, burst_ts, cb_ts, device_ts = (roles[0], roles[1], roles[2], roles[3:5],
                                                        roles[5:7], roles[7:9])
    nat_t, family_ts = roles[9], roles[10:]

    def completion() -> datetime:
        return START + timedelta(days=rng.randint(0, 29), hours=rng.randint(8, 18),
                                 minutes=rng.randint(0, 59))

    orders_of = defaultdict(list)
    for tech in w.technicians:
        for _ in range(int(rng.gauss(orders_per_technician, 10))):
            orders_of[tech["employee_no"]].append(w.order(tech, completion()))

    # The carrier-NAT apartment block: 30 flats done by one technician in a week, every household
    # its own WeChat, all behind one NAT address, each rating at its own moment.
    block_day = START + timedelta(days=rng.randint(2, 20))
    for f in range(30):
        account = w.account(nat_t["area"], f"{nat_t['area']}幸福小区8号楼{f + 1:02d}01室")
        order = w.order(nat_t, block_day + timedelta(days=f // 6, hours=9 + f % 6), account)
        w.rate(order, w.user(), order["_completed"] + w.delay(), ip="100.64.8.1")
    w.lookalikes["carrier_nat_block"].add(nat_t["employee_no"])

    # Honest ratings at each technician's own participation; the star technician at 85%.
    for tech in w.technicians:
        share = 0.85 if tech is star else rng.uniform(0.28, 0.5)
        for order in orders_of[tech["employee_no"]]:
            if rng.random() >= share:
                continue
            if tech is star:
                w.rate(order, w.user(), order["_completed"] + timedelta(minutes=rng.uniform(1, 6)),
                       comment=w.praise() if rng.random() < 0.8 else "")
            else:
                w.rate(order, w.user(), order["_completed"] + w.delay(),
                       stars=rng.choices([5, 4, 3, 2, 1], [88, 7, 2, 1.5, 1.5])[0])
    w.lookalikes["star_technician"].add(star["employee_no"])

    # Families: one WeChat rates the household's two accounts (own and the parents').
    for _family in range(25):
        rater = w.user()
        for _ in range(2):
            tech = rng.choice(family_ts)
            order = w.order(tech, completion())
            w.rate(order, rater, order["_completed"] + w.delay())
            w.lookalikes["family_two_accounts"].add(tech["employee_no"])

    # Callbacks: IVR on a third of the orders, careless 'dissatisfied' presses included (4%, on
    # rated orders too); a few manual calls, where a person says what they said on WeChat (a
    # rater who gave 1–2 stars is dissatisfied; 1% change their mind).
    stars_of = {r["order_no"]: int(r["stars"]) for r in w.ratings}
    for order in w.orders:
        if rng.random() < 0.3:
            w.callback(order, "ivr", rng.choices(["satisfied", "dissatisfied", "no_answer"],
                                                 [84, 4, 12])[0], timedelta(days=2))
        elif rng.random() < 0.04:
            stars = stars_of.get(order["order_no"])
            unhappy = rng.random() < 0.05 if stars is None else (stars <= 2) != (rng.random() < 0.01)
            w.callback(order, "manual", "dissatisfied" if unhappy else "satisfied",
                       timedelta(days=3))

    def unrated(tech, n):
        pool = [o for o in orders_of[tech["employee_no"]] if o["order_no"] not in w.rated]
        return rng.sample(pool, n)

    # A ring: four relatives' WeChat users rate the ring technician's customers' orders.
    relatives = [w.user() for _ in range(4)]
    home = f"10.77.{rng.randint(0, 255)}."
    for k, rater in enumerate(relatives):
        for order in unrated(ring_t, 4):
            w.rate(order, rater, order["_completed"] + timedelta(hours=rng.uniform(2, 40)),
                   comment=rng.choice(["", "很好", "满意"]), ip=home + str(k + 1), kind="ring")

    # The same ring camouflaged: members also rate other technicians' customers; ordinary
    # comments, normal delays, their own IPs.
    members = [w.user() for _ in range(5)]
    for rater in members:
        for order in unrated(camo_t, rng.randint(3, 4)):
            w.rate(order, rater, order["_completed"] + w.delay(), kind="camouflaged_ring")
        for _ in range(camouflage * rng.randint(3, 4)):
            other = rng.choice([t for t in w.technicians if t is not camo_t])
            order = unrated(other, 1)[0]
            w.rate(order, rater, order["_completed"] + w.delay())
            w.camouflage.add(order["order_no"])

    # Bursts: five customers' orders rated in one sitting a day later, near-copies of one text.
    for b, tech in enumerate(burst_ts):
        text = COPIED[(seed + b) % len(COPIED)].format(name=tech["name"][-1])
        orders = unrated(tech, 5)
        sitting = max(o["_completed"] for o in orders) + timedelta(days=1, hours=rng.randint(1, 6))
        for j, order in enumerate(orders):
            variant = text if j % 2 else text.replace("，", " ", 1) + rng.choice(["", "！", "👍"])
            w.rate(order, w.user(), sitting + timedelta(minutes=2 * j + rng.random()),
                   comment=variant, kind="burst_copy")

    # Callback contradictions: 5★ on WeChat, 'dissatisfied' to a later call. Manual ones anywhere;
    # IVR ones repeating for two technicians.
    for tech in roles[20:24]:
        order = unrated(tech, 1)[0]
        w.rate(order, w.user(), order["_completed"] + w.delay(), kind="callback")
        w.callback(order, "manual", "dissatisfied", timedelta(days=3, hours=2))
    for tech in cb_ts:
        for order in unrated(tech, 5):
            w.rate(order, w.user(), order["_completed"] + w.delay(), kind="callback")
            w.callback(order, "ivr", "dissatisfied", timedelta(days=2, hours=1))

    # The technician's own phone: customers' orders rated from it under several WeChat users.
    for tech in device_ts:
        ip = f"223.104.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        ua = rng.choice(UAS) + " NetType/4G"
        orders = unrated(tech, 4)
        for order in orders:
            w.rate(order, w.user(), order["_completed"] + timedelta(minutes=rng.uniform(30, 600)),
                   ip=ip, ua=ua, kind="own_device")
        w.sightings.append((tech["employee_no"], ip, ua, orders[0]["_completed"]))
    w.planted_technicians |= {ring_t["employee_no"], camo_t["employee_no"]} | {
        t["employee_no"] for t in (*burst_ts, *cb_ts, *device_ts, *roles[20:24])}
    return w
