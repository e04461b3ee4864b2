"""A month's figures per technician and their roll-ups, from counted groups of orders (pure).

The database hands back how many orders share (order type, product, area, effective star,
WeChat-rated?) per technician; everything else — pay, rates, averages, team and area totals, the
diff between two closed versions — is computed here from those counts, so the rules are tested
without a database and a million orders never become a million Python objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.reports.tariff import Tariff, fen_to_yuan, order_pay

SATISFIED_MIN_STARS = 4        # 满意: a WeChat rating of 4 or 5 stars
RATE_PLACES = Decimal("0.0001")
AVG_PLACES = Decimal("0.01")
COUNT_FIELDS = ("orders_completed", "wechat_ratings", "wechat_satisfied", "wechat_with_presence",
                "install_pay_fen", "frauds_confirmed")


def ratio(numerator: int, denominator: int, places: Decimal = RATE_PLACES) -> float | None:
    """numerator/denominator rounded half up; None when there is nothing to divide by."""
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(places, ROUND_HALF_UP))


@dataclass
class MonthFigures:
    """Running totals for one technician (or one team, one area, everyone)."""

    orders_completed: int = 0
    wechat_ratings: int = 0
    wechat_satisfied: int = 0
    # WeChat ratings given in front of the technician (在场扫码, SPEC "Proof of presence"): the
    # share tells managers where the live badge is used; it never changes pay.
    wechat_with_presence: int = 0
    stars: dict[int, int] = field(default_factory=lambda: {s: 0 for s in range(1, 6)})
    install_pay_fen: int = 0
    frauds_confirmed: int = 0

    def add_group(self, tariff: Tariff, *, order_type: str, product: str | None,
                  area: str | None, stars: int, wechat: bool, count: int,
                  star_eligible: bool, false_closure: bool = False) -> None:
        self.orders_completed += count
        if tariff.is_star_rated(product):       # campus orders are not star-rated (SPEC)
            self.stars[stars] += count
        if wechat:
            self.wechat_ratings += count
            if stars >= SATISFIED_MIN_STARS:
                self.wechat_satisfied += count
        pay = order_pay(tariff, order_type=order_type, product=product, stars=stars, area=area,
                        star_eligible=star_eligible, false_closure=false_closure)
        self.install_pay_fen += pay.amount_fen * count

    def add_line(self, line: dict, tariff: Tariff) -> None:
        """One priced order (an install ledger line): the same counts as `add_group` with count 1."""
        self.orders_completed += 1
        if tariff.is_star_rated(line["product"]):
            self.stars[line["stars"]] += 1
        if line["rating_id"] is not None:
            self.wechat_ratings += 1
            if line["stars"] >= SATISFIED_MIN_STARS:
                self.wechat_satisfied += 1
        self.install_pay_fen += line["amount_fen"]

    def absorb(self, other: "MonthFigures") -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for star, count in other.stars.items():
            self.stars[star] += count

    def as_dict(self) -> dict:
        star_sum = sum(star * count for star, count in self.stars.items())
        return {
            "orders_completed": self.orders_completed,
            "wechat_ratings": self.wechat_ratings,
            "participation_rate": ratio(self.wechat_ratings, self.orders_completed),
            "stars": {str(star): self.stars[star] for star in range(1, 6)},
            "avg_stars": ratio(star_sum, sum(self.stars.values()), AVG_PLACES),
            "wechat_satisfied": self.wechat_satisfied,
            "satisfaction_rate": ratio(self.wechat_satisfied, self.wechat_ratings),
            "ratings_with_presence": self.wechat_with_presence,
            "presence_rate": ratio(self.wechat_with_presence, self.wechat_ratings),
            "install_pay": fen_to_yuan(self.install_pay_fen),
            "install_pay_fen": self.install_pay_fen,
            "frauds_confirmed": self.frauds_confirmed,
        }

    @classmethod
    def from_row(cls, row: dict) -> "MonthFigures":
        return cls(orders_completed=row["orders_completed"], wechat_ratings=row["wechat_ratings"],
                   wechat_satisfied=row["wechat_satisfied"],
                   # Versions closed before presence was counted have no such field.
                   wechat_with_presence=row.get("ratings_with_presence", 0),
                   stars={int(s): n for s, n in row["stars"].items()},
                   install_pay_fen=row["install_pay_fen"],
                   frauds_confirmed=row["frauds_confirmed"])


def technician_row(technician: dict, figures: MonthFigures, star_eligible: bool) -> dict:
    """One report line: who (employee_no, name, team, area, vendor) and the month's figures."""
    return {**technician, **figures.as_dict(), "star_eligible": star_eligible}


def roll_up(rows: list[dict], by: str) -> list[dict]:
    """Totals per value of `by` ("team" or "area"), recomputing rates from the summed counts."""
    groups: dict[tuple, tuple[MonthFigures, list[int]]] = {}
    for row in rows:
        key = (row["area"], row["team"]) if by == "team" else (row["area"],)
        figures, counters = groups.setdefault(key, (MonthFigures(), [0, 0]))
        figures.absorb(MonthFigures.from_row(row))
        counters[0] += 1
        counters[1] += 0 if row["star_eligible"] else 1
    out = []
    for key, (figures, (technicians, ineligible)) in sorted(groups.items()):
        head = {"area": key[0], "team": key[1]} if by == "team" else {"area": key[0]}
        out.append({**head, "technicians": technicians, "star_ineligible": ineligible,
                    **figures.as_dict()})
    return out


def totals(rows: list[dict]) -> dict:
    figures = MonthFigures()
    for row in rows:
        figures.absorb(MonthFigures.from_row(row))
    return {"technicians": len(rows),
            "star_ineligible": sum(1 for r in rows if not r["star_eligible"]),
            **figures.as_dict()}


DIFF_FIELDS = ("name", "team", "area", "vendor", "orders_completed", "wechat_ratings",
               "wechat_satisfied", "stars", "install_pay_fen", "star_eligible",
               "frauds_confirmed")


def diff_rows(old: list[dict], new: list[dict]) -> dict:
    """What changed per technician between two versions of a month (by employee_no)."""
    before = {r["employee_no"]: r for r in old}
    after = {r["employee_no"]: r for r in new}
    changed = []
    for employee_no in sorted(before.keys() & after.keys()):
        changes = {name: {"old": before[employee_no].get(name), "new": after[employee_no].get(name)}
                   for name in DIFF_FIELDS
                   if before[employee_no].get(name) != after[employee_no].get(name)}
        if changes:
            changed.append({"employee_no": employee_no, "changes": changes})
    return {"changed": changed,
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys())}
